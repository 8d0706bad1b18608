package io.netsieve.topology;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodeStats;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Stats;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.L7Stats;
import io.netsieve.l7.L7Tracker;
import io.netsieve.topology.sink.RecordFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packet hand-off and the per-capture-point counters of {@link NetSieve#run()} on every capture of the tcpdump
 * corpus (malformed and truncated ones among them) plus one real capture with a broken TCP option: NetSieve's
 * records and its {@link CapturePointStats} (decode details, bytes, time span, link types, format, the L4 and L7
 * trackers' counters) equal those of a pipeline wired by hand from the lower artifacts that hands L4 every packet —
 * which is what L4 expects: it tracks a MALFORMED packet whose TCP header is intact (a bad option) and counts the
 * other malformed, truncated and unsupported ones as ignored.
 */
class NetSieveCapturePointStatsTest {

    /** What the hand-wired pipeline saw of one capture file. */
    private record Reference(String format, TreeSet<String> linkTypes, DecodeStats decode, long capturedBytes,
                             long wireBytes, long snapped, long first, long last, L4Stats l4, L7Stats l7,
                             List<String> l4Records, List<String> l7Records) {
    }

    /**
     * core's reader and decoder, an {@link L4Tracker} with an {@link L7Tracker} on its streams and datagrams, as a
     * user of the lower artifacts wires them; {@code everyPacket} false hands L4 only DECODED and TRUNCATED packets
     * (what NetSieve did before).
     */
    private static Reference handWired(CapturePoint point, boolean everyPacket) throws IOException {
        List<String> l4Records = new ArrayList<>();
        List<String> l7Records = new ArrayList<>();
        L7Tracker l7 = L7Tracker.builder().listener(log -> l7Records.add(record(RecordFields.l7(log, point.nic()))))
                .build();
        L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic())
                .listener(log -> l4Records.add(record(RecordFields.l4(log, point.nic()))))
                .streams(l7.streams()).datagrams(l7.datagrams()).build();
        DecodeStats decode = new DecodeStats();
        TreeSet<String> linkTypes = new TreeSet<>();
        long captured = 0;
        long wire = 0;
        long snapped = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        String format;
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(point.file(), point.id())) {
            format = reader.format();
            PacketView view = new PacketView();
            while (reader.next(view)) {
                DecodeOutcome outcome = decoder.decode(view, d);
                decode.record(d);
                linkTypes.add(LinkType.name(view.linkType()));
                captured += view.captureLength();
                wire += view.wireLength();
                snapped += view.captureLength() < view.wireLength() ? 1 : 0;
                first = Math.min(first, view.timestampNanos());
                last = Math.max(last, view.timestampNanos());
                if (everyPacket || outcome == DecodeOutcome.DECODED || outcome == DecodeOutcome.TRUNCATED) {
                    l4.onPacket(d);
                }
            }
        }
        l4.flush();
        return new Reference(format, linkTypes, decode, captured, wire, snapped, first, last, l4.stats(), l7.stats(),
                l4Records, l7Records);
    }

    /** A record as its fields, without the random {@code inner_traceid}. */
    private static String record(Map<String, Object> fields) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(fields);
        m.remove("inner_traceid");
        return m.toString();
    }

    /**
     * print-flags.pcap with the length of the first packet's first TCP option (an MSS option, length 4) set to 1:
     * the decoder calls the packet MALFORMED ({@code TCP_BAD_OPTION}), its fixed TCP header is intact.
     */
    static Path withBadTcpOption(Path tmp) throws IOException {
        byte[] b = Files.readAllBytes(Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap"));
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, buf.getInt(0), "a little-endian microsecond pcap");
        int frame = 24 + 16;
        assertEquals(0x0800, ((b[frame + 12] & 0xff) << 8) | (b[frame + 13] & 0xff), "IPv4 over Ethernet");
        int ip = frame + 14;
        int tcp = ip + (b[ip] & 0x0f) * 4;
        assertEquals(6, b[ip + 9], "TCP");
        assertTrue((b[tcp + 12] & 0xf0) >> 4 > 5, "TCP options");
        assertEquals(2, b[tcp + 20], "MSS first");
        b[tcp + 21] = 1;
        Path file = tmp.resolve("print-flags-bad-option.pcap");
        Files.write(file, b);
        return file;
    }

    @Test
    void statsAndRecordsEqualAHandWiredPipelineThatHandsL4EveryPacket(@TempDir Path tmp) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Prerequisites.tcpdumpCorpus())) {
            s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                    .forEach(files::add);
        }
        Path badOption = withBadTcpOption(tmp);
        files.add(badOption);
        CaptureSet set = CaptureSet.ofFiles(files);
        Map<Integer, List<String>> l4 = new HashMap<>();
        Map<Integer, List<String>> l7 = new HashMap<>();
        RunSummary run = NetSieve.builder().captureSet(set)
                .onL4Log((log, nic) -> l4.computeIfAbsent(log.capturePointId(), k -> new ArrayList<>())
                        .add(record(RecordFields.l4(log, nic))))
                .onL7Log((log, nic) -> l7.computeIfAbsent(log.capturePointId(), k -> new ArrayList<>())
                        .add(record(RecordFields.l7(log, nic))))
                .build().run();
        assertTrue(run.complete(), run.errors().toString());
        long malformed = 0;
        long truncated = 0;
        long records = 0;
        for (CapturePoint p : set.points()) {
            String file = p.file().getFileName().toString();
            CapturePointStats s = run.capturePoints().get(p);
            Reference r = handWired(p, true);
            assertEquals(r.format(), s.format(), file);
            assertEquals(List.copyOf(r.linkTypes()), s.linkTypes(), file);
            assertEquals(DecodeCounts.of(r.decode()), s.decode(), file);
            assertEquals(r.decode().packets(), s.packets(), file);
            assertEquals(r.capturedBytes(), s.capturedBytes(), file);
            assertEquals(r.wireBytes(), s.wireBytes(), file);
            assertEquals(r.snapped(), s.snapped(), file);
            assertEquals(r.first(), s.firstNanos(), file);
            assertEquals(r.last(), s.lastNanos(), file);
            assertEquals(r.l4(), s.l4(), file);
            assertEquals(r.l7(), s.l7(), file);
            assertEquals(r.l4Records(), l4.getOrDefault(p.id(), List.of()), file);
            assertEquals(r.l7Records(), l7.getOrDefault(p.id(), List.of()), file);
            // every packet handed to L4 ends in one of its counters
            assertEquals(s.analysed(), s.l4().tcpPackets() + s.l4().udpPackets() + s.l4().ignoredPackets(), file);
            assertEquals(s.l4Records(), s.l4().records(), file);
            assertEquals(s.l7Records(), s.l7().records(), file);
            malformed += s.malformed();
            truncated += s.truncated();
            records += s.l4Records();
        }
        assertTrue(malformed >= 4 && truncated >= 3 && records > 100,
                "the corpus's malformed and truncated captures are in: " + malformed + " malformed, " + truncated
                        + " truncated, " + records + " L4 records");

        // the segment with the bad option is tracked: handing L4 only DECODED/TRUNCATED packets loses it
        CapturePoint bad = set.points().get(set.size() - 1);
        CapturePointStats s = run.capturePoints().get(bad);
        assertEquals(1, s.decode().count(MalformedReason.TCP_BAD_OPTION));
        assertEquals(10, s.l4().tcpPackets(), "all ten TCP segments tracked");
        Reference before = handWired(bad, false);
        assertEquals(9, before.l4().tcpPackets());
        assertTrue(!before.l4Records().equals(l4.get(bad.id())), "the records differ too");
        assertNotNull(s.l7());
    }
}
