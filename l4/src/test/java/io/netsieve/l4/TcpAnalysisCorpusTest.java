package io.netsieve.l4;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-packet TCP analysis flags and ACK RTTs of every TCP packet in the corpus, compared with tshark's
 * {@code tcp.analysis.*} fields packet by packet.
 */
class TcpAnalysisCorpusTest {

    @Test
    void flagsAndAckRttsMatchTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        List<String> fields = new ArrayList<>(List.of("tcp.stream", "tcp.seq_raw", "tcp.analysis.ack_rtt"));
        for (TcpAnalysisFlag f : TcpAnalysisFlag.values()) {
            fields.add(f.fieldName());
        }
        long packets = 0;
        long flagged = 0;
        List<String> mismatches = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Prerequisites.tcpdumpCorpus())) {
            s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted().forEach(files::add);
        }
        for (Path file : files) {
            Tshark.Result t = Tshark.fields(file, fields, "-Y", "tcp and not icmp and not icmpv6 and not vxlan and not geneve");
            Map<String, List<String[]>> byStream = new LinkedHashMap<>();
            for (String[] row : t.rows()) {
                if (!row[0].isEmpty() && !row[0].contains(",")) {
                    byStream.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row);
                }
            }
            if (byStream.isEmpty()) {
                continue;
            }
            Map<String, List<long[]>> ours = track(file);
            for (List<String[]> stream : byStream.values()) {
                long firstSeq = Long.parseLong(stream.get(0)[1]);
                List<long[]> mine = ours.values().stream().filter(l -> l.get(0)[0] == firstSeq && l.size() == stream.size())
                        .findFirst().orElse(null);
                if (mine == null) {
                    skipped.add(file.getFileName() + " stream " + stream.get(0)[0]);
                    continue; // connection split differently (malformed frames, tunnels): compared elsewhere
                }
                for (int i = 0; i < stream.size(); i++) {
                    String[] r = stream.get(i);
                    int expected = 0;
                    for (int f = 0; f < TcpAnalysisFlag.values().length; f++) {
                        if (!r[3 + f].isEmpty()) {
                            expected |= TcpAnalysisFlag.values()[f].bit();
                        }
                    }
                    int actual = (int) mine.get(i)[1];
                    // tshark also files fast and spurious retransmissions under tcp.analysis.retransmission
                    if ((actual & (TcpAnalysisFlag.FAST_RETRANSMISSION.bit()
                            | TcpAnalysisFlag.SPURIOUS_RETRANSMISSION.bit())) != 0) {
                        actual |= TcpAnalysisFlag.RETRANSMISSION.bit();
                    }
                    long expectedRtt = r[2].isEmpty() ? -1 : Tshark.epochNanos(r[2]);
                    long actualRtt = mine.get(i)[2];
                    packets++;
                    if (expected != 0) {
                        flagged++;
                    }
                    if (expected != actual || expectedRtt != actualRtt) {
                        mismatches.add(file.getFileName() + " stream " + r[0] + " packet " + i + ": tshark "
                                + TcpAnalysisFlag.text(expected) + " rtt " + expectedRtt + " / ours "
                                + TcpAnalysisFlag.text(actual) + " rtt " + actualRtt);
                    }
                }
            }
        }
        System.out.println("[tcp analysis] " + packets + " packets compared, " + flagged + " flagged by tshark, "
                + mismatches.size() + " differ");
        mismatches.stream().limit(30).forEach(m -> System.out.println("  " + m));
        System.out.println("[tcp analysis] streams not compared: " + skipped);
        assertTrue(packets > 800 && flagged > 40, "packets compared: " + packets + ", flagged: " + flagged);
        assertEquals(List.of(), mismatches);
    }

    private static Map<String, List<long[]>> track(Path file) throws Exception {
        Duration never = Duration.ofDays(3650);
        L4Config config = L4Config.builder().chunkIdle(never).chunkMaxSpan(never).tcpIdleTimeout(never)
                .udpIdleTimeout(never).timeWaitTimeout(never).build();
        Map<String, List<long[]>> rows = new LinkedHashMap<>();
        L4Tracker tracker = L4Tracker.builder().config(config).listener(log -> {
            if (!log.l4Proto().equals("tcp") || log.vni() >= 0) {
                return;
            }
            PacketSeries s = log.packets();
            for (int i = 0; i < s.size(); i++) {
                long pos = s.isTx(i) ? log.txSeqPos() : log.rxSeqPos();
                rows.computeIfAbsent(log.innerTraceId(), k -> new ArrayList<>()).add(new long[] {
                        (s.seq(i) + pos) & 0xFFFF_FFFFL, s.analysis(i), s.ackRttNanos(i)});
            }
        }).build();
        Replay.replay(tracker, file, 0, true);
        return rows;
    }
}
