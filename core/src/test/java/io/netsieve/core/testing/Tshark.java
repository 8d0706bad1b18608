package io.netsieve.core.testing;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** tshark as a differential oracle: per-packet fields of a capture file. */
public final class Tshark {
    private Tshark() {
    }

    /** One line per packet, fields split on tab; {@code error} is tshark's stderr when it exited non-zero. */
    public record Result(List<String[]> rows, String error) {
    }

    /**
     * Runs {@code tshark -n -r file -T fields -e f1 -e f2 ...} (plus {@code extra} options). A non-zero exit (such
     * as a file cut short) is returned in {@link Result#error()} with the rows printed before it.
     */
    public static Result fields(Path file, List<String> fields, String... extra) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString(), "-T", "fields",
                "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        command.addAll(List.of(extra));
        for (String f : fields) {
            command.add("-e");
            command.add(f);
        }
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("tshark timed out on " + file);
        }
        List<String[]> rows = new ArrayList<>();
        // One line per packet, even when every requested field is empty for that packet.
        String[] lines = out.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            rows.add(lines[i].split("\t", -1));
        }
        String error = p.exitValue() == 0 ? null : new String(err.join(), StandardCharsets.UTF_8);
        return new Result(rows, error);
    }

    /** Parses tshark's {@code frame.time_epoch} ("seconds.fraction") into nanoseconds. */
    public static long epochNanos(String text) {
        return new BigDecimal(text.trim()).movePointRight(9).longValueExact();
    }
}
