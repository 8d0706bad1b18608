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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files from 8 MiB on, opened to be read ahead, are read by a thread of their own: every frame, its metadata and the
 * reader's byte offset are the same as reading on the caller's thread, in pcap and pcapng, with frames longer than
 * the room kept for a record cut by a chunk boundary.
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
            while (size < 3 * CaptureFiles.READ_AHEAD_FROM / 2) {
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
            int compared = 0;
            try (CaptureFileReader ahead = CaptureFiles.openReadingAhead(file, 0);
                 CaptureFileReader inline = CaptureFiles.open(FileChannel.open(file, StandardOpenOption.READ), file,
                         0)) {
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().equals("netsieve-read-ahead")), "a thread reads " + file + " ahead");
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("netsieve-read-ahead")).count() == 1, "open reads inline");
                PacketView a = new PacketView();
                PacketView b = new PacketView();
                while (true) {
                    boolean more = inline.next(b);
                    assertEquals(more, ahead.next(a), file + " frame " + compared);
                    if (!more) {
                        break;
                    }
                    assertArrayEquals(b.copyBytes(), a.copyBytes(), file + " frame " + compared);
                    assertEquals(b.wireLength(), a.wireLength());
                    assertEquals(b.timestampNanos(), a.timestampNanos());
                    assertEquals(b.linkType(), a.linkType());
                    assertEquals(inline.byteOffset(), ahead.byteOffset());
                    compared++;
                }
            }
            assertEquals(frames, compared, file.toString());
        }
    }
}
