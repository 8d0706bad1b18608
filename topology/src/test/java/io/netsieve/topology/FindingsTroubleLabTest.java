package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Log;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Findings on real trouble made in a namespace lab ({@code lab/trouble-lab.sh}): connections reset by the server
 * mid-response, downloads through 5 % random loss (iptables statistic on the server's output), a client whose
 * receive window closes, DNS queries nobody answers. Everything is checked against tshark on the same two captures
 * (the client's and the server's NIC): the resets, the retransmitted and lost-segment packets per capture point,
 * the zero-window packets, the unanswered queries.
 *
 * <p>The lab runs for 10–15 s, so it may straddle a boundary of the analyzer's tumbling windows: a subject can then
 * have one finding per window, and the counts are compared summed over them.
 */
class FindingsTroubleLabTest {
    private static Lab lab;
    private static FindingsDemoTest.Run defaults;
    private static String server;

    @BeforeAll
    static void record() throws Exception {
        Path dir = Files.createTempDirectory("netsieve-trouble-lab-");
        lab = Lab.recordScript("trouble-lab.sh", dir, "ip", "iptables", "tcpdump", "python3", "curl", "ss");
        server = lab.get("SERVER");
        defaults = FindingsDemoTest.run(CaptureManifest.read(lab.manifest()), b -> { });
    }

    /** The findings of one kind, counts summed per subject (over windows). */
    private static Map<String, Long> counts(FindingsDemoTest.Run run, FindingKind kind) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Finding f : run.of(kind)) {
            out.merge(f.subject().value(), f.count(), Long::sum);
        }
        return out;
    }

    /** Packets of {@code stem} matching the display filter, per tshark. */
    private static List<String[]> tshark(String stem, String filter, String... fields) throws Exception {
        Tshark.Result r = Tshark.fields(lab.capture(stem), List.of(fields), "-Y", filter);
        assertEquals(null, r.error(), stem + " " + filter);
        return r.rows();
    }

    @Test
    void theServersResetsMidResponseAreOneFindingWithTheirConnections() throws Exception {
        // tshark: the connections to :8080 with an RST sent by the server after it sent data
        Set<String> reset = new HashSet<>();
        for (String[] row : tshark("server-eth0", "tcp.flags.reset == 1 && tcp.srcport == "
                + lab.get("HTTP_PORT") + " && tcp.seq > 1", "tcp.stream")) {
            reset.add(row[0]);
        }
        assertEquals(2, reset.size(), "the lab resets two connections");
        String subject = server + ":" + lab.get("HTTP_PORT");
        assertEquals(Map.of(subject, 2L), counts(defaults, FindingKind.CONNECTION_RESET),
                FindingsDemoTest.describe(defaults.findings()));
        for (Finding f : defaults.of(FindingKind.CONNECTION_RESET)) {
            assertTrue(f.summary().contains("by the server: " + f.count()), f.summary());
            assertEquals(List.of(EvidenceLayer.SYMPTOM, EvidenceLayer.L4, EvidenceLayer.L7, EvidenceLayer.TOPOLOGY,
                    EvidenceLayer.CORRELATION), FindingsDemoTest.layers(f).subList(0, 5));
            EvidenceStep l4 = f.evidence().get(1);
            for (EvidenceRef ref : l4.refs()) {
                L4Log log = defaults.l4().get(ref);
                assertEquals("RSTR", log.connState(), "the server's reset: " + log.history());
                assertTrue(log.lastChunk());
            }
            // the L7 step: the GET /reset exchanges on those connections
            EvidenceStep l7 = f.evidence().get(2);
            assertFalse(l7.refs().isEmpty(), "the exchanges cut by the reset");
            for (EvidenceRef ref : l7.refs()) {
                assertTrue(defaults.l7().get(ref).http().path().startsWith("/reset"),
                        defaults.l7().get(ref).http().path());
            }
        }
    }

    @Test
    void retransmissionsAndLossPerCapturePointEqualTsharks() throws Exception {
        String port = lab.get("LOSS_PORT");
        String subject = server + ":" + port;
        // any share is a finding here: what is compared is the count the analyzer attributes to the worst point
        FindingsDemoTest.Run run = FindingsDemoTest.run(CaptureManifest.read(lab.manifest()),
                b -> b.retransmissionRate(0).lossRate(0).minPackets(1));
        Map<String, Long> retrans = new HashMap<>();
        Map<String, Long> lost = new HashMap<>();
        for (String stem : List.of("client-eth0", "server-eth0")) {
            String flows = "tcp.port == " + port + " && tcp.flags.syn == 0";
            retrans.put(stem, (long) tshark(stem, flows + " && (tcp.analysis.retransmission"
                    + " || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission)", "frame.number")
                    .size());
            lost.put(stem, (long) tshark(stem, flows + " && tcp.analysis.lost_segment", "frame.number").size());
        }
        assertTrue(Long.parseLong(lab.get("DROPPED_PACKETS")) > 0, "the server dropped packets");
        assertTrue(retrans.values().stream().anyMatch(n -> n > 0), "tshark saw retransmissions: " + retrans);
        assertTrue(lost.values().stream().anyMatch(n -> n > 0), "tshark saw lost segments: " + lost);
        // both capture points see the same packets (the drops are before both), so the worst point is the one
        // where tshark flags the most
        assertEquals(Collections.max(retrans.values()), counts(run, FindingKind.RETRANSMISSIONS).get(subject),
                "retransmissions " + retrans + FindingsDemoTest.describe(run.of(FindingKind.RETRANSMISSIONS)));
        assertEquals(Collections.max(lost.values()), counts(run, FindingKind.PACKET_LOSS).get(subject),
                "lost segments " + lost + FindingsDemoTest.describe(run.of(FindingKind.PACKET_LOSS)));
        for (Finding f : run.of(FindingKind.PACKET_LOSS)) {
            if (!f.subject().value().equals(subject)) {
                continue; // at rate 0 other connections' lone flags count too
            }
            assertTrue(f.summary().startsWith("packet loss "), f.summary());
            for (EvidenceRef ref : f.evidence().get(1).refs()) {
                assertEquals(Integer.parseInt(port), run.l4().get(ref).serverPort());
            }
        }
    }

    @Test
    void theClientsZeroWindowIsFoundOnBothCapturePoints() throws Exception {
        List<String[]> rows = tshark("client-eth0", "tcp.analysis.zero_window", "ip.src", "tcp.srcport");
        assertFalse(rows.isEmpty(), "tshark saw the zero window");
        Set<String> endpoints = rows.stream().map(r -> r[0] + ":" + r[1]).collect(Collectors.toSet());
        assertEquals(1, endpoints.size(), "one client advertised it: " + endpoints);
        String client = endpoints.iterator().next();
        assertTrue(client.startsWith(lab.get("CLIENT") + ":"), client);
        assertEquals(Map.of(client, (long) rows.size()), counts(defaults, FindingKind.ZERO_WINDOW),
                FindingsDemoTest.describe(defaults.of(FindingKind.ZERO_WINDOW)));
        for (Finding f : defaults.of(FindingKind.ZERO_WINDOW)) {
            Set<String> points = new HashSet<>();
            for (EvidenceStep step : f.evidence()) {
                for (EvidenceRef ref : step.refs()) {
                    if (ref instanceof EvidenceRef.L4) {
                        points.add(ref.capturePoint().name());
                    }
                }
            }
            assertEquals(Set.of("client/eth0", "server/eth0"), points, f.summary());
        }
    }

    @Test
    void unansweredQueriesAreADnsTimeoutOfTheirServer() throws Exception {
        List<String[]> queries = tshark("client-eth0", "dns.flags.response == 0", "dns.id");
        assertEquals(0, tshark("client-eth0", "dns.flags.response == 1", "dns.id").size());
        assertEquals(3, queries.size());
        assertEquals(Map.of(server + ":53", 3L), counts(defaults, FindingKind.DNS_TIMEOUT),
                FindingsDemoTest.describe(defaults.findings()));
        assertTrue(counts(defaults, FindingKind.DNS_FAILURE).isEmpty());
    }

    @Test
    void atTheDefaultThresholdsNothingElseIsFound() {
        Set<FindingKind> expected = Set.of(FindingKind.CONNECTION_RESET, FindingKind.ZERO_WINDOW,
                FindingKind.DNS_TIMEOUT, FindingKind.RETRANSMISSIONS, FindingKind.PACKET_LOSS);
        List<Finding> other = new ArrayList<>();
        for (Finding f : defaults.findings()) {
            if (!expected.contains(f.kind())) {
                other.add(f);
            }
        }
        assertTrue(other.isEmpty(), FindingsDemoTest.describe(other));
    }

    @Test
    void aProblemOverSeveralWindowsIsOneSeries() throws Exception {
        // the three unanswered queries are about 3 s apart (each waits 3 s for its answer): with 4 s windows they
        // fall into two or three consecutive windows, one finding each, which form one series
        FindingsDemoTest.Run run = FindingsDemoTest.run(CaptureManifest.read(lab.manifest()),
                b -> b.window(java.time.Duration.ofSeconds(4)));
        List<Finding> dns = run.of(FindingKind.DNS_TIMEOUT);
        assertTrue(dns.size() >= 2, FindingsDemoTest.describe(dns));
        assertEquals(3, dns.stream().mapToLong(Finding::count).sum());
        for (int i = 0; i < dns.size(); i++) {
            assertEquals(i + 1, dns.get(i).occurrence(), FindingsDemoTest.describe(dns));
            assertEquals(dns.get(0).startNanos(), dns.get(i).sinceNanos());
        }
        // every series, of every kind: occurrences count up exactly across adjacent windows
        for (long seconds : new long[] {1, 2, 4}) {
            long w = seconds * 1_000_000_000L;
            FindingsDemoTest.Run r = seconds == 4 ? run : FindingsDemoTest.run(CaptureManifest.read(lab.manifest()),
                    b -> b.window(java.time.Duration.ofSeconds(seconds)));
            Map<String, Finding> last = new HashMap<>();
            for (Finding f : r.findings()) {
                Finding before = last.put(f.problemKey(), f);
                boolean adjacent = before != null
                        && Math.floorDiv(f.startNanos(), w) == Math.floorDiv(before.startNanos(), w) + 1;
                assertEquals(adjacent ? before.occurrence() + 1 : 1, f.occurrence(), seconds + " s: " + f.summary());
                assertEquals(adjacent ? before.sinceNanos() : f.startNanos(), f.sinceNanos(), f.summary());
            }
        }
    }
}
