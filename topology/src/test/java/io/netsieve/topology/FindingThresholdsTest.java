package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.TcpAnalysisFlag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The threshold rules of {@link FindingsAnalyzer}: the retransmission rate on a real capture (the tcpdump corpus's
 * pptp.pcap, whose counts come from tshark), the zero-window rule and the slow-hop outlier rule on SYNTHETIC input
 * (marked as such below: no corpus capture has a zero window, and the demo set has too few exchanges per edge for a
 * history), and the builder's validation.
 */
class FindingThresholdsTest {

    private static List<L4Log> l4Records(Path file) throws Exception {
        CaptureSet set = CaptureSet.ofFiles(List.of(file));
        List<L4Log> out = new ArrayList<>();
        for (CapturePoint point : set.points()) {
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(out::add).build();
            DemoReplay.replay(point, l4);
        }
        return out;
    }

    private static List<Finding> analyze(Consumer<FindingsAnalyzer.Builder> config, List<L4Log> l4,
                                         List<ExchangePath> paths) {
        List<Finding> out = new ArrayList<>();
        FindingsAnalyzer.Builder b = FindingsAnalyzer.builder().listener(out::add);
        config.accept(b);
        FindingsAnalyzer a = b.build();
        for (L4Log log : l4) {
            a.onL4(log, log.nic());
        }
        for (ExchangePath p : paths) {
            a.onPath(p);
        }
        a.flush();
        return out;
    }

    private static List<Finding> of(List<Finding> findings, FindingKind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    @Test
    void retransmissionRateOnARealCapture() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path pptp = Prerequisites.tcpdumpCorpus().resolve("pptp.pcap");
        // tshark's view: the capture's one PPTP connection (port 1723); its retransmissions other than the SYN-ACK's
        int packets = Tshark.fields(pptp, List.of("frame.number"), "-Y", "tcp").rows().size();
        int retrans = Tshark.fields(pptp, List.of("frame.number"), "-Y",
                "(tcp.analysis.retransmission || tcp.analysis.fast_retransmission"
                        + " || tcp.analysis.spurious_retransmission) && tcp.flags.syn == 0").rows().size();
        assertTrue(retrans > 0 && packets > retrans, packets + " " + retrans);
        double share = (double) retrans / packets;
        List<L4Log> records = l4Records(pptp);

        List<Finding> below = analyze(b -> b.retransmissionRate(share - 0.001), records, List.of());
        List<Finding> found = of(below, FindingKind.RETRANSMISSIONS);
        assertEquals(1, found.size(), below.toString());
        Finding f = found.get(0);
        // the server as tshark names it: the destination of the connection's SYN
        String server = Tshark.fields(pptp, List.of("ip.dst", "tcp.dstport"), "-Y",
                "tcp.flags.syn == 1 && tcp.flags.ack == 0").rows().get(0)[0] + ":1723";
        assertEquals(server, f.subject().value());
        assertEquals(retrans, f.count(), f.summary());
        assertTrue(f.summary().contains(retrans + " of " + packets + " packets"), f.summary());
        assertEquals(1, f.step(EvidenceLayer.L4).refs().size());
        EvidenceRef.L4 ref = (EvidenceRef.L4) f.step(EvidenceLayer.L4).refs().get(0);
        assertEquals(records.get(0).innerTraceId(), ref.innerTraceId());

        assertTrue(of(analyze(b -> b.retransmissionRate(share + 0.001), records, List.of()),
                FindingKind.RETRANSMISSIONS).isEmpty(), "above the connection's share");
        assertTrue(of(analyze(b -> b.retransmissionRate(share - 0.001).minPackets(packets + 1), records, List.of()),
                FindingKind.RETRANSMISSIONS).isEmpty(), "fewer packets than minPackets are not judged");
        // at the default (5 %) the capture's share is a finding; its SYN-ACK retransmission is not counted
        assertTrue(share > 0.05);
        assertEquals(retrans, of(analyze(b -> { }, records, List.of()), FindingKind.RETRANSMISSIONS).get(0).count());
    }

    /** A copy of {@code l} with another packet series. */
    private static L4Log withPackets(L4Log l, PacketSeries p) {
        return new L4Log(l.timeNanos(), l.capturePointId(), l.nic(), l.l4Proto(), l.l7Proto(), l.srcIp(),
                l.srcPort(), l.dstIp(), l.dstPort(), l.direction(), l.directionScore(), l.clientIp(), l.clientPort(),
                l.serverIp(), l.serverPort(), l.vni(), l.vlanId(), l.innerTraceId(), l.nicTraceId(), l.communityId(),
                l.chunkId(), l.lastChunk(), l.evicted(), l.txSeqMin(), l.txSeqMax(), l.rxSeqMin(), l.rxSeqMax(),
                l.txSeqPos(), l.rxSeqPos(), l.txPackets(), l.rxPackets(), l.txBytes(), l.rxBytes(), l.txRetrans(),
                l.rxRetrans(), l.tcpSynRetrans(), l.chunkSyn(), l.tcp3whsCost(), l.chunkFin(), l.tcp4whsCost(),
                l.tcpRtt(), l.connState(), l.history(), l.icmpErrors(), l.icmpLastError(), p);
    }

    @Test
    void zeroWindowSynthetic() throws Exception {
        // SYNTHETIC: the ssh.pcap connection's record with a made-up series in which the remote side (dst, the
        // server 223.132.53.222:22 from the capture's client) advertises a zero window twice
        L4Log real = l4Records(Prerequisites.tcpdumpCorpus().resolve("ssh.pcap")).get(0);
        int n = 4;
        boolean[] tx = {true, false, true, false};
        int zw = TcpAnalysisFlag.ZERO_WINDOW.bit();
        PacketSeries series = new PacketSeries(n, tx, new byte[n], new byte[n], new short[]{0x18, 0x10, 0x18, 0x10},
                new long[]{1, 1, 101, 1}, new long[]{1, 101, 1, 201}, new int[]{100, 0, 100, 0},
                new long[]{65535, 0, 65535, 0}, new long[]{0, 1000, 2000, 3000}, new int[]{0, zw, 0, zw},
                new long[]{-1, -1, -1, -1});
        L4Log synthetic = withPackets(real, series);
        String remote = synthetic.dstIp() + ":" + synthetic.dstPort();

        List<Finding> found = of(analyze(b -> { }, List.of(synthetic), List.of()), FindingKind.ZERO_WINDOW);
        assertEquals(1, found.size());
        assertEquals(remote, found.get(0).subject().value());
        assertEquals(FindingSubject.Type.ENDPOINT, found.get(0).subject().type());
        assertEquals(2, found.get(0).count());
        assertTrue(of(analyze(b -> b.zeroWindowPackets(3), List.of(synthetic), List.of()),
                FindingKind.ZERO_WINDOW).isEmpty(), "two zero-window packets, three needed");
        assertTrue(of(analyze(b -> { }, List.of(real), List.of()), FindingKind.ZERO_WINDOW).isEmpty(),
                "the real capture has none (tshark: tcp.analysis.zero_window matches nothing)");
    }

    /** The demo set's {@code GET /chunked} path: pod-a to pod-c over eight capture points. */
    private static ExchangePath chunkedPath() throws Exception {
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(paths::add).build();
        for (DemoReplay.Observed o : DemoReplay.l7Records(CaptureManifest.read(DemoReplay.DEMO))) {
            c.offer(o.log(), o.nic());
        }
        c.flush();
        return paths.stream().filter(p -> p.hops().get(0).log().http() != null
                && p.hops().get(0).log().http().path().equals("/chunked")).findFirst().orElseThrow();
    }

    /** SYNTHETIC: {@code p} with the request latency of hop 3 -> 4 (node1/eth0 -> node2/eth0) set to {@code nanos}. */
    private static ExchangePath withHop3(ExchangePath p, long nanos) {
        List<Long> request = new ArrayList<>(p.requestLatencyNanos());
        request.set(3, nanos);
        return new ExchangePath(p.key(), p.hops(), request, p.responseLatencyNanos(), p.translations(),
                p.clientObserved(), p.serverObserved());
    }

    /** SYNTHETIC latencies: {@code count} around {@code base} (± 10 µs), then {@code last}. */
    private static List<ExchangePath> series(ExchangePath p, int count, long base, long last) {
        List<ExchangePath> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(withHop3(p, base + (i % 5 - 2) * 5_000L));
        }
        out.add(withHop3(p, last));
        return out;
    }

    @Test
    void slowHopOutlierAgainstTheEdgesHistorySynthetic() throws Exception {
        ExchangePath p = chunkedPath();
        List<Finding> found = of(analyze(b -> { }, List.of(), series(p, 30, 50_000, 5_000_000)),
                FindingKind.SLOW_HOP);
        assertEquals(1, found.size(), found.toString());
        Finding f = found.get(0);
        assertEquals("node1/node1/eth0 -> node2/node2/eth0", f.subject().value());
        assertEquals(FindingSubject.Type.EDGE, f.subject().type());
        assertEquals(1, f.count());
        assertTrue(f.summary().startsWith("request latency node1/eth0 -> node2/eth0 5 ms"), f.summary());
        assertEquals(List.of("node1/eth0", "node2/eth0"), f.step(EvidenceLayer.L7).refs().stream()
                .map(r -> r.capturePoint().name()).toList());

        // fewer earlier samples than the minimum: not judged
        assertTrue(of(analyze(b -> { }, List.of(), series(p, 19, 50_000, 5_000_000)), FindingKind.SLOW_HOP)
                .isEmpty());
        assertEquals(1, of(analyze(b -> b.slowHopMinSamples(10), List.of(), series(p, 19, 50_000, 5_000_000)),
                FindingKind.SLOW_HOP).size());
        // far above the median in deviations, but by less than the minimum excess (1 ms)
        assertTrue(of(analyze(b -> { }, List.of(), series(p, 30, 50_000, 900_000)), FindingKind.SLOW_HOP)
                .isEmpty());
        assertEquals(1, of(analyze(b -> b.slowHopMinExcess(Duration.ofMillis(0)), List.of(),
                series(p, 30, 50_000, 900_000)), FindingKind.SLOW_HOP).size());
        // a clock offset between the hosts (every latency 3 ms less, negative) changes nothing
        assertEquals(1, of(analyze(b -> { }, List.of(), series(p, 30, 50_000 - 3_000_000, 2_000_000)),
                FindingKind.SLOW_HOP).size());
        // a spread-out history: 5 ms is within 10 MADs of a median of 3 ms with ± 1 ms jitter
        List<ExchangePath> wide = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            wide.add(withHop3(p, 3_000_000 + (i % 5 - 2) * 500_000L));
        }
        wide.add(withHop3(p, 5_000_000));
        assertTrue(of(analyze(b -> { }, List.of(), wide), FindingKind.SLOW_HOP).isEmpty());
    }

    @Test
    void builderValidatesAndSetsOnce() {
        assertThrows(IllegalStateException.class, () -> FindingsAnalyzer.builder().build(), "listener required");
        assertThrows(IllegalArgumentException.class, () -> FindingsAnalyzer.builder().retransmissionRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> FindingsAnalyzer.builder().http4xxRate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> FindingsAnalyzer.builder().window(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> FindingsAnalyzer.builder().slowHopMinSamples(2));
        assertThrows(IllegalArgumentException.class, () -> FindingsAnalyzer.builder().maxRefsPerStep(0));
        assertThrows(IllegalStateException.class, () -> FindingsAnalyzer.builder().slowServer(Duration.ofSeconds(1))
                .slowServer(Duration.ofSeconds(2)));
        FindingThresholds d = FindingsAnalyzer.builder().listener(f -> { }).build().thresholds();
        assertEquals(FindingThresholds.defaults(), d);
        assertEquals(Duration.ofMillis(500), d.slowServer());
        assertEquals(0.05, d.retransmissionRate());
    }
}
