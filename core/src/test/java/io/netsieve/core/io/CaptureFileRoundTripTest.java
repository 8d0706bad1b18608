package io.netsieve.core.io;

import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.ExternalCommand;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Corpus captures written by our writers read back identically, by us and by tshark/tcpdump. */
class CaptureFileRoundTripTest {

    record Frame(byte[] bytes, int wireLength, long timestampNanos, int linkType, int direction) {
    }

    static List<Frame> readAll(Path file) throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                frames.add(new Frame(view.copyBytes(), view.wireLength(), view.timestampNanos(), view.linkType(),
                        view.direction()));
            }
        }
        return frames;
    }

    @Test
    void everyCorpusCaptureRoundTripsThroughPcapAndPcapng(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tshark");
        int files = 0;
        for (Path source : CaptureFileReaderCorpusTest.corpusCaptures()) {
            List<Frame> original;
            try {
                original = readAll(source);
            } catch (CaptureFileException damagedInCorpus) {
                continue; // crafted damaged files are covered by the reject tests
            }
            if (original.isEmpty()) continue;
            files++;
            boolean singleLinkType = original.stream().allMatch(f -> f.linkType() == original.get(0).linkType());
            // pcap holds 32-bit seconds: time_2107.pcapng can only be written as pcapng (the writer refuses it).
            boolean fitsPcap = original.stream().allMatch(f -> f.timestampNanos() / 1_000_000_000L <= 0xFFFF_FFFFL);
            Path ng = tmp.resolve(source.getFileName() + ".out.pcapng");
            try (PcapNgWriter w = PcapNgWriter.create(ng)) {
                List<Integer> linkTypes = new ArrayList<>();
                PacketView view = new PacketView();
                for (Frame f : original) {
                    int id = linkTypes.indexOf(f.linkType());
                    if (id < 0) {
                        id = w.addInterface("if" + linkTypes.size(), f.linkType(), 0);
                        linkTypes.add(f.linkType());
                    }
                    view.wrap(f.bytes(), 0, f.bytes().length, f.wireLength(), f.timestampNanos(), f.linkType(), 0)
                            .direction(f.direction());
                    w.write(id, view);
                }
            }
            assertFramesEqual(original, readAll(ng), ng);
            if (singleLinkType && !fitsPcap) {
                try (PcapWriter w = PcapWriter.create(tmp.resolve("2107.pcap"), original.get(0).linkType(), 65535, true)) {
                    Frame f = original.get(0);
                    PacketView view = new PacketView().wrap(f.bytes(), 0, f.bytes().length, f.wireLength(),
                            f.timestampNanos(), f.linkType(), 0);
                    assertThrows(IllegalArgumentException.class, () -> w.write(view));
                }
            }
            if (singleLinkType && fitsPcap) {
                for (boolean nanos : new boolean[] {true, false}) {
                    Path pcap = tmp.resolve(source.getFileName() + (nanos ? ".ns" : ".us") + ".pcap");
                    try (PcapWriter w = PcapWriter.create(pcap, original.get(0).linkType(), 262144, nanos)) {
                        PacketView view = new PacketView();
                        for (Frame f : original) {
                            w.write(view.wrap(f.bytes(), 0, f.bytes().length, f.wireLength(), f.timestampNanos(),
                                    f.linkType(), 0));
                        }
                    }
                    List<Frame> back = readAll(pcap);
                    if (nanos) {
                        assertFramesEqual(original, back, pcap);
                    } else {
                        for (int i = 0; i < back.size(); i++) {
                            assertEquals(original.get(i).timestampNanos() / 1000 * 1000, back.get(i).timestampNanos());
                            assertArrayEquals(original.get(i).bytes(), back.get(i).bytes());
                        }
                    }
                }
            }
            // tshark (wiretap) must read what we wrote: same packet count and timestamps.
            Tshark.Result t = Tshark.fields(ng, List.of("frame.time_epoch", "frame.cap_len"));
            if (t.error() == null || !t.error().contains("unknown or unsupported")) {
                assertEquals(null, t.error(), "tshark on " + ng);
                assertEquals(original.size(), t.rows().size(), "tshark packet count of " + ng);
                for (int i = 0; i < original.size(); i++) {
                    assertEquals(original.get(i).timestampNanos(), Tshark.epochNanos(t.rows().get(i)[0]));
                }
            }
        }
        assertTrue(files >= 90, "round-tripped " + files + " files");
    }

    private static void assertFramesEqual(List<Frame> expected, List<Frame> actual, Path file) {
        assertEquals(expected.size(), actual.size(), "packets in " + file);
        for (int i = 0; i < expected.size(); i++) {
            Frame e = expected.get(i);
            Frame a = actual.get(i);
            assertArrayEquals(e.bytes(), a.bytes(), "bytes of packet " + (i + 1) + " in " + file);
            assertEquals(e.wireLength(), a.wireLength(), "wire length of packet " + (i + 1));
            assertEquals(e.timestampNanos(), a.timestampNanos(), "timestamp of packet " + (i + 1));
            assertEquals(e.linkType(), a.linkType(), "link type of packet " + (i + 1));
        }
    }

    @Test
    void pcapngKeepsInterfaceNamesDirectionAndIsReadByTcpdump(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tcpdump");
        List<Frame> frames = readAll(Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap"));
        Path out = tmp.resolve("named.pcapng");
        try (PcapNgWriter w = PcapNgWriter.create(out)) {
            int a = w.addInterface("veth-pod-a", LinkType.ETHERNET, 262144);
            int b = w.addInterface("cni0", LinkType.ETHERNET, 262144);
            PacketView view = new PacketView();
            for (int i = 0; i < frames.size(); i++) {
                Frame f = frames.get(i);
                view.wrap(f.bytes(), 0, f.bytes().length, f.wireLength(), f.timestampNanos(), f.linkType(), 0)
                        .direction(i % 2 == 0 ? PacketView.DIRECTION_INBOUND : PacketView.DIRECTION_OUTBOUND);
                w.write(i % 2 == 0 ? a : b, view);
            }
        }
        try (CaptureFileReader reader = CaptureFiles.open(out)) {
            PacketView view = new PacketView();
            int i = 0;
            while (reader.next(view)) {
                assertEquals(i % 2, view.interfaceId());
                assertEquals(i % 2 == 0 ? PacketView.DIRECTION_INBOUND : PacketView.DIRECTION_OUTBOUND,
                        view.direction());
                i++;
            }
            assertEquals(frames.size(), i);
            assertEquals(List.of("veth-pod-a", "cni0"), reader.interfaces().stream().map(CaptureInterface::name).toList());
            assertEquals(1_000_000_000L, reader.interfaces().get(0).timestampUnitsPerSecond());
        }
        String tcpdump = ExternalCommand.run(60, "tcpdump", "-n", "-r", out.toString());
        assertEquals(frames.size(), tcpdump.lines().count(), tcpdump);
        Tshark.Result t = Tshark.fields(out, List.of("frame.interface_name", "frame.p2p_dir"));
        assertEquals("veth-pod-a", t.rows().get(0)[0]);
        assertEquals("cni0", t.rows().get(1)[0]);
    }

    @Test
    void readsFromAHeapOrDirectBufferViewAndWritesFromEither(@TempDir Path tmp) throws IOException {
        List<Frame> frames = readAll(Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap"));
        Path out = tmp.resolve("direct.pcap");
        try (PcapWriter w = PcapWriter.create(out, LinkType.ETHERNET, 65535, true)) {
            PacketView view = new PacketView();
            for (Frame f : frames) {
                ByteBuffer direct = ByteBuffer.allocateDirect(f.bytes().length + 7);
                direct.position(7);
                direct.put(f.bytes());
                w.write(view.wrap(direct, 7, f.bytes().length, f.wireLength(), f.timestampNanos(), f.linkType(), 0));
            }
        }
        List<Frame> back = readAll(out);
        for (int i = 0; i < frames.size(); i++) {
            assertArrayEquals(frames.get(i).bytes(), back.get(i).bytes());
        }
        // Snap length shorter than the frames: captured bytes are cut, wire length kept.
        Path snapped = tmp.resolve("snapped.pcap");
        try (PcapWriter w = PcapWriter.create(snapped, LinkType.ETHERNET, 60, false)) {
            PacketView view = new PacketView();
            for (Frame f : frames) {
                w.write(view.wrap(f.bytes(), 0, f.bytes().length, f.wireLength(), f.timestampNanos(), f.linkType(), 0));
            }
        }
        List<Frame> cut = readAll(snapped);
        for (int i = 0; i < frames.size(); i++) {
            int expected = Math.min(60, frames.get(i).bytes().length);
            assertArrayEquals(Arrays.copyOf(frames.get(i).bytes(), expected), cut.get(i).bytes());
            assertEquals(frames.get(i).wireLength(), cut.get(i).wireLength());
        }
        assertTrue(Files.size(snapped) < Files.size(out));
    }
}
