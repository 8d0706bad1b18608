package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Findings on the bundled demo lab set (examples/src/main/resources/demo; its README lists the traffic, lab.env the
 * addresses, lab/http_server.py the answers). Expected: the refused connection (pod-c port 8081) and the timed-out
 * one (port 9999) with their L4 records on the eight capture points a packet from pod-a to pod-c crosses; the 500
 * ({@code /error}) and the 404s ({@code /missing} on pod-c, {@code /external} on the external host, whose server
 * answers 404 to anything but its known paths) on the right servers with their L7 records and paths; the DNS
 * REFUSED (rcode 5) at dnsmasq on pod-d; the SNAT between node1's bridge and its uplink; nothing else at the
 * default thresholds (the deliberate {@code /slow?ms=300} is below the 500 ms slow-server default, and found at
 * 200 ms).
 */
class FindingsDemoTest {
    /** The capture points a packet from pod-a to pod-c crosses, client first (the lab's topology). */
    static final List<String> A_TO_C = List.of("pod-a/eth0", "node1/veth-a", "node1/br0", "node1/eth0",
            "node2/eth0", "node2/br0", "node2/veth-c", "pod-c/eth0");
    static final List<String> B_TO_D = List.of("pod-b/eth0", "node1/veth-b", "node1/br0", "node1/eth0",
            "node2/eth0", "node2/br0", "node2/veth-d", "pod-d/eth0");
    static final String POD_C = "198.18.2.10";

    /** What a replay of the demo set gave: the findings and every record, by reference. */
    record Run(List<Finding> findings, FindingStats stats, Map<EvidenceRef, L4Log> l4, Map<EvidenceRef, L7Log> l7,
               Map<EvidenceRef.Path, ExchangePath> paths) {
        List<Finding> of(FindingKind kind) {
            return findings.stream().filter(f -> f.kind() == kind).toList();
        }

        Finding one(FindingKind kind, String subject) {
            List<Finding> found = findings.stream().filter(f -> f.kind() == kind
                    && f.subject().value().equals(subject)).toList();
            assertEquals(1, found.size(), kind + " " + subject + " in " + describe(findings));
            return found.get(0);
        }
    }

    static Run run(Consumer<FindingsAnalyzer.Builder> config) throws Exception {
        return run(CaptureManifest.read(DemoReplay.DEMO), config);
    }

    /** Replays every capture point of {@code set} through L4, L7, a correlator and an analyzer built with config. */
    static Run run(CaptureSet set, Consumer<FindingsAnalyzer.Builder> config) throws Exception {
        List<Finding> out = new ArrayList<>();
        Map<EvidenceRef, L4Log> l4Records = new HashMap<>();
        Map<EvidenceRef, L7Log> l7Records = new HashMap<>();
        Map<EvidenceRef.Path, ExchangePath> paths = new HashMap<>(); // by reference: a key alone may repeat
        FindingsAnalyzer.Builder b = FindingsAnalyzer.builder().listener(out::add);
        config.accept(b);
        FindingsAnalyzer analyzer = b.build();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(p -> {
            paths.put(EvidenceRef.Path.of(p), p);
            analyzer.onPath(p);
        }).build();
        for (CapturePoint point : set.points()) {
            L7Tracker l7 = L7Tracker.builder().listener(log -> {
                l7Records.put(EvidenceRef.L7.of(log, point.nic()), log);
                c.offer(log, point.nic());
                analyzer.onL7(log, point.nic());
            }).build();
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(log -> {
                l4Records.put(EvidenceRef.L4.of(log, point.nic()), log);
                analyzer.onL4(log, point.nic());
            }).streams(l7.streams()).datagrams(l7.datagrams()).build();
            DemoReplay.replay(point, l4);
        }
        c.flush();
        analyzer.flush();
        return new Run(out, analyzer.stats(), l4Records, l7Records, paths);
    }

    static String describe(List<Finding> findings) {
        return findings.stream().map(f -> f.kind() + " " + f.subject().value() + ": " + f.summary())
                .collect(Collectors.joining("\n", "\n", ""));
    }

    static List<String> names(List<EvidenceRef> refs) {
        return refs.stream().map(r -> r.capturePoint().name()).toList();
    }

    static List<EvidenceLayer> layers(Finding f) {
        return f.evidence().stream().map(EvidenceStep::layer).toList();
    }

    @Test
    void theDemoSetGivesTheLabsFailuresAndNothingElse() throws Exception {
        Run run = run(b -> { });
        Set<String> found = new TreeSet<>();
        for (Finding f : run.findings()) {
            found.add(f.kind() + " " + f.subject().type() + " " + f.subject().value());
            for (int i = 1; i < f.evidence().size(); i++) {
                assertTrue(f.evidence().get(i - 1).layer().compareTo(f.evidence().get(i).layer()) < 0,
                        "one step per layer, in the troubleshooting order: " + layers(f));
            }
            assertEquals(EvidenceLayer.SYMPTOM, f.evidence().get(0).layer());
            assertTrue(f.startNanos() <= f.endNanos());
            System.out.println("[finding] " + f.severity().label() + " " + f.kind().label() + ": " + f.summary());
        }
        // lab.env: POD_C 198.18.2.10, REFUSED_PORT 8081, TIMEOUT_PORT 9999, HTTP_PORT 8080, POD_D 198.18.2.11,
        // DNS_PORT 53, EXT 198.19.0.10; node1 masquerades between br0 and its uplink eth1
        assertEquals(new TreeSet<>(List.of(
                "CONNECTION_TIMEOUT SERVER 198.18.2.10:9999",
                "CONNECTION_REFUSED SERVER 198.18.2.10:8081",
                "HTTP_5XX SERVER 198.18.2.10:8080",
                "HTTP_4XX SERVER 198.18.2.10:8080",
                "HTTP_4XX SERVER 198.19.0.10:8080",
                "DNS_FAILURE SERVER 198.18.2.11:53",
                "NAT_IN_PATH EDGE node1/node1/br0 -> node1/node1/eth1")), found, describe(run.findings()));
        FindingStats s = run.stats();
        assertEquals(run.l4().size(), s.l4Records());
        assertEquals(run.l7().size(), s.l7Records());
        assertEquals(run.paths().size(), s.paths());
        assertEquals(0, s.late() + s.droppedSubjects() + s.omittedRefs() + s.evictedConnections()
                + s.listenerFailures());
        assertEquals(found.size(), s.findings());
    }

    @Test
    void theRefusedAndTheTimedOutConnectionWithTheirL4Records() throws Exception {
        Prerequisites.requireCommand("tshark");
        Run run = run(b -> { });
        Path podA = DemoReplay.DEMO.resolveSibling("pod-a-eth0.pcap");

        Finding refused = run.one(FindingKind.CONNECTION_REFUSED, POD_C + ":8081");
        assertEquals(FindingSeverity.ERROR, refused.severity());
        assertEquals(1, refused.count(), "one curl to the refused port");
        assertEquals(List.of(EvidenceLayer.SYMPTOM, EvidenceLayer.L4, EvidenceLayer.L7, EvidenceLayer.TOPOLOGY,
                EvidenceLayer.CORRELATION), layers(refused));
        // the client saw it on its own NIC; the RST left pod-c's NIC; the connection on all eight capture points
        assertEquals(List.of("pod-a/eth0"), names(refused.step(EvidenceLayer.SYMPTOM).refs()));
        assertEquals(List.of("pod-c/eth0"), names(refused.step(EvidenceLayer.L4).refs()));
        assertEquals(A_TO_C, names(refused.step(EvidenceLayer.TOPOLOGY).refs()));
        assertTrue(refused.step(EvidenceLayer.TOPOLOGY).description().contains("server's own NIC pod-c/eth0"),
                refused.step(EvidenceLayer.TOPOLOGY).description());
        assertTrue(refused.step(EvidenceLayer.L7).refs().isEmpty());
        List<EvidenceRef> refusedRecords = refused.step(EvidenceLayer.CORRELATION).refs();
        assertEquals(new TreeSet<>(A_TO_C), new TreeSet<>(names(refusedRecords)));
        for (EvidenceRef r : refusedRecords) {
            L4Log log = run.l4().get(r);
            assertNotNull(log, "the reference names a record: " + r);
            assertEquals(8081, log.serverPort());
            assertEquals("REJ", log.connState());
        }
        // tshark: the SYN to 8081 on pod-a's NIC, answered by RST
        assertEquals(1, Tshark.fields(podA, List.of("frame.number"), "-Y",
                "tcp.dstport == 8081 && tcp.flags.syn == 1 && tcp.flags.ack == 0").rows().size());
        assertEquals(1, Tshark.fields(podA, List.of("frame.number"), "-Y",
                "tcp.srcport == 8081 && tcp.flags.reset == 1").rows().size());

        Finding timeout = run.one(FindingKind.CONNECTION_TIMEOUT, POD_C + ":9999");
        assertEquals(1, timeout.count());
        int syns = Tshark.fields(podA, List.of("frame.number"), "-Y",
                "tcp.dstport == 9999 && tcp.flags.syn == 1 && tcp.flags.ack == 0").rows().size();
        assertEquals(0, Tshark.fields(podA, List.of("frame.number"), "-Y", "tcp.srcport == 9999").rows().size());
        assertTrue(timeout.summary().contains(syns + " SYNs"), syns + " SYNs on pod-a: " + timeout.summary());
        assertEquals(List.of("pod-a/eth0"), names(timeout.step(EvidenceLayer.SYMPTOM).refs()));
        assertEquals(A_TO_C, names(timeout.step(EvidenceLayer.TOPOLOGY).refs()));
        // pod-c drops them itself (iptables in its namespace): they reached the server's own NIC
        assertTrue(timeout.step(EvidenceLayer.TOPOLOGY).description().contains("server's own NIC pod-c/eth0"));
        for (EvidenceRef r : timeout.step(EvidenceLayer.CORRELATION).refs()) {
            assertEquals(9999, run.l4().get(r).serverPort());
            assertEquals("S0", run.l4().get(r).connState());
        }
        assertEquals(8, timeout.step(EvidenceLayer.CORRELATION).refs().size());
        assertTrue(refused.startNanos() > 0 && timeout.endNanos() - timeout.startNanos() >= 1_000_000_000L,
                "the SYN retransmission comes about 1 s after the first SYN");
    }

    @Test
    void httpErrorsOnTheRightServersWithTheirRecordsAndPaths() throws Exception {
        Run run = run(b -> { });
        Finding error = run.one(FindingKind.HTTP_5XX, POD_C + ":8080");
        Finding missing = run.one(FindingKind.HTTP_4XX, POD_C + ":8080");
        Finding external = run.one(FindingKind.HTTP_4XX, "198.19.0.10:8080");
        // the README's requests to pod-c's web server over IPv4: /, /chunked, /slow, /error, /missing, /upload from
        // pod-a and / from pod-b
        assertTrue(error.summary().startsWith("1 of 7 "), error.summary());
        assertTrue(missing.summary().startsWith("1 of 7 "), missing.summary());
        for (Object[] c : new Object[][]{{error, "/error", 500, A_TO_C}, {missing, "/missing", 404, A_TO_C},
                {external, "/external", 404, List.of("pod-a/eth0", "node1/veth-a", "node1/br0", "node1/eth1",
                        "ext/eth0")}}) {
            Finding f = (Finding) c[0];
            assertEquals(1, f.count());
            assertEquals(List.of(EvidenceLayer.SYMPTOM, EvidenceLayer.L4, EvidenceLayer.L7, EvidenceLayer.TOPOLOGY,
                    EvidenceLayer.CORRELATION), layers(f).subList(0, 5));
            // the server's view: the last capture point of the path
            List<EvidenceRef> server = f.step(EvidenceLayer.L7).refs();
            assertEquals(1, server.size());
            L7Log log = run.l7().get(server.get(0));
            assertEquals(c[1], log.http().path());
            assertEquals(c[2], log.http().statusCode());
            @SuppressWarnings("unchecked")
            List<String> hops = (List<String>) c[3];
            assertEquals(hops.get(hops.size() - 1), server.get(0).capturePoint().name());
            assertEquals(List.of(hops.get(0)), names(f.step(EvidenceLayer.SYMPTOM).refs()));
            // the path, and the exchange on every capture point of it
            EvidenceRef.Path path = (EvidenceRef.Path) f.step(EvidenceLayer.TOPOLOGY).refs().get(0);
            ExchangePath p = run.paths().get(path);
            assertEquals(c[1], p.hops().get(0).log().http().path());
            assertEquals(hops, names(f.step(EvidenceLayer.CORRELATION).refs()));
            // the connection's L4 record at the server
            EvidenceRef.L4 transport = (EvidenceRef.L4) f.step(EvidenceLayer.L4).refs().get(0);
            assertEquals(log.innerTraceId(), transport.innerTraceId());
            assertEquals(server.get(0).capturePoint(), transport.capturePoint());
        }
        assertEquals(FindingSeverity.ERROR, error.severity());
        assertEquals(FindingSeverity.WARNING, missing.severity());
        // pod-a's keep-alive connection also carried /, /chunked, /slow (the other exchanges of that connection)
        assertTrue(error.step(EvidenceLayer.RELATED).refs().size() >= 3, error.toString());
    }

    @Test
    void theDnsRefusalAndTheSnat() throws Exception {
        Run run = run(b -> { });
        Finding dns = run.one(FindingKind.DNS_FAILURE, "198.18.2.11:53");
        L7Log refused = run.l7().get(dns.step(EvidenceLayer.L7).refs().get(0));
        assertEquals(5, refused.dns().rcode(), "REFUSED");
        assertEquals("pod-d/eth0", dns.step(EvidenceLayer.L7).refs().get(0).capturePoint().name());
        assertEquals(B_TO_D, names(dns.step(EvidenceLayer.CORRELATION).refs()));
        assertTrue(dns.summary().contains("REFUSED"), dns.summary());

        Finding nat = run.one(FindingKind.NAT_IN_PATH, "node1/node1/br0 -> node1/node1/eth1");
        assertEquals(FindingSeverity.INFO, nat.severity());
        // lab.env: POD_A 198.18.1.10 leaves as NODE1_SNAT 198.19.0.1
        assertTrue(nat.summary().startsWith("SNAT 198.18.1.10 -> 198.19.0.1"), nat.summary());
        EvidenceRef.Path path = (EvidenceRef.Path) nat.step(EvidenceLayer.TOPOLOGY).refs().get(0);
        assertEquals("/external", run.paths().get(path).hops().get(0).log().http().path());
        List<EvidenceRef> sides = nat.step(EvidenceLayer.L7).refs();
        assertEquals(List.of("node1/br0", "node1/eth1"), names(sides));
        assertEquals("198.18.1.10", run.l7().get(sides.get(0)).clientIp());
        assertEquals("198.19.0.1", run.l7().get(sides.get(1)).clientIp());
        // the two 5-tuples of the one connection: L4 records on both sides of the translation
        List<EvidenceRef> l4 = nat.step(EvidenceLayer.L4).refs();
        assertEquals(List.of("node1/br0", "node1/eth1"), names(l4));
        assertEquals("198.19.0.1", run.l4().get(l4.get(1)).clientIp());
    }

    @Test
    void theDeliberateSlowRequestIsASlowServerBelowTheDefault() throws Exception {
        Run run = run(b -> b.slowServer(Duration.ofMillis(200)));
        List<Finding> slow = run.of(FindingKind.SLOW_SERVER);
        assertEquals(1, slow.size(), describe(run.findings()));
        Finding f = slow.get(0);
        assertEquals(POD_C + ":8080", f.subject().value());
        L7Log log = run.l7().get(f.step(EvidenceLayer.L7).refs().get(0));
        assertEquals("/slow", log.http().path());
        assertEquals("ms=300", log.http().query());
        assertTrue(log.costRespWaitNanos() >= 300_000_000L, "the server slept 300 ms: " + log.costRespWaitMs());
        assertTrue(f.step(EvidenceLayer.TOPOLOGY).description().contains("the server waited"));
    }

    @Test
    void boundsAreCounted() throws Exception {
        Run run = run(b -> b.maxRefsPerStep(2));
        Finding refused = run.one(FindingKind.CONNECTION_REFUSED, POD_C + ":8081");
        EvidenceStep all = refused.step(EvidenceLayer.CORRELATION);
        assertEquals(2, all.refs().size());
        assertEquals(6, all.omitted(), "eight capture points, two kept");
        assertTrue(run.stats().omittedRefs() >= 6);

        // a window of 1 s without lateness: capture points are replayed one after another, so the second one's
        // records come after the first one's windows closed
        Run late = run(b -> b.window(Duration.ofSeconds(1)).allowedLateness(Duration.ZERO));
        assertTrue(late.stats().late() > 0, late.stats().toString());
    }
}
