package io.netsieve.topology;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: the frames tshark selects from a capture ({@code tshark -r FILE -Y FILTER -w OUT}), and the frames of
 * a capture file as comparable values (timestamp, lengths, link type, bytes), read by netsieve's reader.
 */
final class TsharkFrames {
    private TsharkFrames() {
    }

    /** One frame: what an export must keep. {@code iface} is the pcapng interface (0 for pcap). */
    record Frame(int iface, long timestampNanos, int wireLength, int linkType, String hex) {
        @Override
        public String toString() {
            return "frame@" + timestampNanos + "/if" + iface + "/" + wireLength + "B";
        }
    }

    /** The frames tshark's display filter selects from {@code file}, written by tshark and read back. */
    static List<Frame> select(Path file, String displayFilter, Path tmp) throws IOException, InterruptedException {
        Path out = tmp.resolve("tshark-" + System.nanoTime() + ".pcapng");
        Process p = new ProcessBuilder("tshark", "-n", "-r", file.toString(), "-Y", displayFilter, "-F", "pcapng",
                "-w", out.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tshark -Y '" + displayFilter + "' on " + file + " failed: " + text);
        }
        return read(out);
    }

    /** Every frame of a pcap or pcapng file. */
    static List<Frame> read(Path file) throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (CaptureFileReader r = CaptureFiles.open(file)) {
            PacketView v = new PacketView();
            while (r.next(v)) {
                frames.add(new Frame(v.interfaceId(), v.timestampNanos(), v.wireLength(), v.linkType(),
                        HexFormat.of().formatHex(v.copyBytes())));
            }
        }
        return frames;
    }

    /** The same frames with the interface left out (to compare a pcapng's frames with another file's). */
    static List<Frame> noInterface(List<Frame> frames) {
        return frames.stream().map(f -> new Frame(0, f.timestampNanos(), f.wireLength(), f.linkType(), f.hex()))
                .toList();
    }

}
