package io.netsieve.l4;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Connections rebuilt from every TCP capture of the corpus, compared with tshark's TCP conversations
 * ({@code tcp.stream}): the same number of connections, and for each connection the same number of packets and
 * payload bytes (the multiset of (packets, bytes) pairs must be equal).
 */
class L4TrackerCorpusTest {

    @TestFactory
    Stream<DynamicTest> connectionsMatchTsharkStreams() throws IOException {
        return CorpusCaptures.eachAgainstTshark(f -> compare(f));
    }

    private static void compare(Path file) throws Exception {
        if (CorpusCaptures.NOT_DECODED.containsKey(file.getFileName().toString())) {
            System.out.println("[l4 corpus] not compared: " + file.getFileName() + ": "
                    + CorpusCaptures.NOT_DECODED.get(file.getFileName().toString()));
            return;
        }
        // Frames whose IP/TCP headers our decoder calls malformed are not tracked (they are counted as ignored);
        // tshark still files them under a stream, so they are left out of its tally.
        java.util.Set<String> malformed = new java.util.HashSet<>();
        PacketDecoder probe = new PacketDecoder();
        DecodedPacket probed = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            int n = 0;
            while (reader.next(view)) {
                n++;
                if (probe.decode(view, probed) == io.netsieve.core.packet.DecodeOutcome.MALFORMED
                        && probed.malformedReason() != io.netsieve.core.packet.MalformedReason.TCP_BAD_OPTION) {
                    malformed.add(Integer.toString(n));
                }
            }
        } catch (CaptureFileException e) {
            // damaged file: compare what was read
        }
        Tshark.Result t = Tshark.fields(file, List.of("tcp.stream", "tcp.len", "vxlan.vni", "geneve.vni", "frame.number"),
                "-Y", "tcp and not icmp and not icmpv6");
        if (t.error() != null && t.error().contains("unknown or unsupported")) {
            return;
        }
        Map<String, long[]> theirs = new HashMap<>();
        for (String[] row : t.rows()) {
            if (row[0].isEmpty() || row[0].contains(",") || malformed.contains(row[4])) {
                continue; // tunnelled TCP inside TCP/UDP shows two streams: not compared
            }
            // Our flows are keyed by the segment too (VNI): a GENEVE overlay that tags each direction with its own
            // VNI gives two half-flows, so tshark's streams are split the same way.
            String vni = (row.length > 2 ? row[2] : "") + "/" + (row.length > 3 ? row[3] : "");
            long[] c = theirs.computeIfAbsent(row[0] + "@" + vni, k -> new long[2]);
            c[0]++;
            c[1] += row.length > 1 && !row[1].isEmpty() ? Long.parseLong(row[1].split(",")[0]) : 0;
        }
        if (theirs.isEmpty()) {
            return;
        }
        Map<String, long[]> ours = new HashMap<>();
        // tshark never times a conversation out; with timeouts longer than any corpus capture (one spans 14 days)
        // connection identity alone is compared. Timeouts have their own test.
        Duration never = Duration.ofDays(3650);
        L4Config noTimeouts = L4Config.builder().chunkIdle(never).chunkMaxSpan(never).tcpIdleTimeout(never)
                .udpIdleTimeout(never).timeWaitTimeout(never).build();
        L4Tracker tracker = L4Tracker.builder().config(noTimeouts).listener(log -> {
            if (log.l4Proto().equals("tcp")) {
                long[] c = ours.computeIfAbsent(log.innerTraceId(), k -> new long[2]);
                c[0] += log.txPackets() + log.rxPackets();
                c[1] += log.txBytes() + log.rxBytes();
                assertEquals(log.txPackets() + log.rxPackets(), log.packets().size());
            }
        }).build();
        Replay.replay(tracker, file, 0, true);
        L4Stats stats = tracker.stats();
        assertEquals(stats.flowsCreated(), stats.flowsActive() + stats.flowsExpired() + stats.flowsEvicted()
                + stats.portReuses() + stats.flowsFlushed(), "every flow ends in exactly one counter");
        assertEquals(0, stats.flowsActive());
        assertEquals(histogram(theirs), histogram(ours), file.getFileName() + ": (packets, bytes) -> connections");
    }

    private static Map<String, Integer> histogram(Map<String, long[]> connections) {
        Map<String, Integer> h = new TreeMap<>();
        for (long[] c : connections.values()) {
            h.merge(c[0] + "p/" + c[1] + "B", 1, Integer::sum);
        }
        return h;
    }
}
