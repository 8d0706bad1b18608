package io.netsieve.core.io;

import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files from 8 MiB on, opened to be read ahead, are read by a thread of their own: every frame, its metadata and the
 * reader's byte offset are the same as reading on the caller's thread, in pcap and pcapng, with frames longer than
 * the room kept for a record cut by a chunk boundary, and a file cut short fails after the same frames with the same
 * error.
 */
class CaptureFilesReadAheadTest {

    @Test
    void largeFilesReadAheadGiveTheSameFramesAsReadingInline(@TempDir Path tmp) throws IOException {
        Path pcap = tmp.resolve("large.pcap");
        Path pcapng = tmp.resolve("large.pcapng");
        Random r = new Random(42);
        int frames = 0;
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, 1 << 20, true);
             PcapNgWriter ng = PcapNgWriter.create(pcapng)) {
            ng.addInterface("eth0", LinkType.ETHERNET, 1 << 20);
            PacketView v = new PacketView();
            long size = 0;
            while (size < 3 * CaptureFiles.READ_AHEAD_FROM) {
                // mostly MTU-sized and small frames, now and then one longer than the headroom (up to 1 MiB)
                int length = r.nextInt(50) == 0 ? CaptureFiles.READ_AHEAD_HEADROOM + r.nextInt(700_000)
                        : r.nextInt(3) == 0 ? 60 + r.nextInt(40) : 1514 - r.nextInt(200);
                byte[] bytes = new byte[length];
                r.nextBytes(bytes);
                v.wrap(bytes, 0, length, length + r.nextInt(2), 1_700_000_000_000_000_000L + 1000L * frames,
                        LinkType.ETHERNET, 0);
                w.write(v);
                ng.write(v);
                size += length + 16;
                frames++;
            }
        }
        assertTrue(Files.size(pcap) >= CaptureFiles.READ_AHEAD_FROM);
        for (Path file : new Path[] {pcap, pcapng}) {
            List<String> inline = trace(file, false);
            assertEquals(frames + 1, inline.size(), file + ": every frame, then the end");
            assertEquals(inline, trace(file, true), file.toString());
            // cut short (inside a record header, a small frame, a frame longer than the headroom): the same frames,
            // then the same error naming the same offset
            long size = Files.size(file);
            for (long cut : new long[] {size - 7, size / 2 + 3, size / 3 + 101, CaptureFiles.READ_AHEAD_FROM + 1}) {
                Path cutFile = tmp.resolve("cut-" + cut + "-" + file.getFileName());
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                     FileChannel out = FileChannel.open(cutFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    in.transferTo(0, cut, out);
                }
                List<String> cutInline = trace(cutFile, false);
                assertTrue(cutInline.get(cutInline.size() - 1).startsWith("error "), cutInline.get(cutInline.size() - 1));
                assertEquals(cutInline, trace(cutFile, true), cutFile.toString());
            }
        }
    }

    /**
     * Per frame its bytes' hash, metadata and the reader's byte offset after it; then how the file ended ("end" or
     * the error's message). {@code ahead}: opened to be read ahead (a thread must then be reading).
     */
    private static List<String> trace(Path file, boolean ahead) throws IOException {
        List<String> out = new ArrayList<>();
        try (CaptureFileReader reader = ahead ? CaptureFiles.openReadingAhead(file, 0) : CaptureFiles.open(file, 0)) {
            assertEquals(ahead ? 1 : 0, Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("netsieve-read-ahead") && t.isAlive()).count(),
                    "threads reading " + file + " ahead");
            PacketView v = new PacketView();
            try {
                while (reader.next(v)) {
                    out.add(Arrays.hashCode(v.copyBytes()) + " " + v.captureLength() + " " + v.wireLength() + " "
                            + v.timestampNanos() + " " + v.linkType() + " " + reader.byteOffset());
                }
                out.add("end");
            } catch (CaptureFileException e) {
                out.add("error " + e.getMessage());
            }
        }
        return out;
    }
}
