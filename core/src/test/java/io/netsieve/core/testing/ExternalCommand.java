package io.netsieve.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an external tool (tshark, tcpdump…) used as a test oracle, with a time limit. */
public final class ExternalCommand {
    private ExternalCommand() {
    }

    /** Runs {@code command}, returns its standard output; fails on a non-zero exit or after {@code seconds}. */
    public static String run(int seconds, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + seconds + " s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + " from " + command + ": "
                    + new String(err.join(), StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    public static String run(int seconds, String... command) throws IOException, InterruptedException {
        return run(seconds, List.of(command));
    }
}
