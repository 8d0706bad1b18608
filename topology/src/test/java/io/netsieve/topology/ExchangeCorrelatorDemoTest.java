package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.l7.L7Log;
import io.netsieve.core.nic.Nic;
import io.netsieve.topology.DemoReplay.Observed;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exchanges followed across the 14 capture points of the bundled demo lab recording
 * (examples/src/main/resources/demo: two nodes, bridges, pods on veth pairs, SNAT to an external host; its README
 * lists the traffic). The expected paths come from the lab's topology (which NICs a packet from pod-a to pod-c
 * crosses), not from the correlator: pod to pod across the node link is the full eight-hop path in order with
 * positive hop latencies; the SNAT hop towards the external host is found; the order of the capture files does not
 * matter, and leaving a capture point out removes exactly its hop.
 */
class ExchangeCorrelatorDemoTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");
    private static final List<String> A_TO_C = List.of("pod-a/eth0", "node1/veth-a", "node1/br0", "node1/eth0",
            "node2/eth0", "node2/br0", "node2/veth-c", "pod-c/eth0");
    private static final List<String> B_TO_C = List.of("pod-b/eth0", "node1/veth-b", "node1/br0", "node1/eth0",
            "node2/eth0", "node2/br0", "node2/veth-c", "pod-c/eth0");
    private static final List<String> A_TO_EXT = List.of("pod-a/eth0", "node1/veth-a", "node1/br0", "node1/eth1",
            "ext/eth0");

    private static List<Observed> records(CaptureSet set) throws Exception {
        return DemoReplay.l7Records(set);
    }

    private static List<ExchangePath> correlate(List<Observed> records) {
        return DemoReplay.correlate(records);
    }

    private static String name(Nic nic) {
        return DemoReplay.name(nic);
    }

    private static List<String> names(ExchangePath p) {
        return DemoReplay.names(p);
    }

    private static String describe(ExchangePath p) {
        return p.hops().get(0).log().l7Proto() + " " + (p.hops().get(0).log().http() != null
                ? p.hops().get(0).log().http().method() + " " + p.hops().get(0).log().http().path() : "")
                + " " + p.key() + ": " + names(p) + " " + p.hops().stream().map(h -> h.role().label()).toList()
                + " nat " + p.translations();
    }

    private static List<ExchangePath> http(List<ExchangePath> paths, String server) {
        return paths.stream().filter(p -> p.hops().get(0).log().http() != null
                && same(p.hops().get(p.hops().size() - 1).log().serverIp(), server)).toList();
    }

    private static boolean same(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void podToPodExchangesCrossTheEightCapturePointsInOrder() throws Exception {
        List<ExchangePath> paths = correlate(records(CaptureManifest.read(DEMO)));
        List<ExchangePath> toWeb = http(paths, "198.18.2.10");
        // the README's traffic: 7 requests from pod-a (one over IPv6) and 1 from pod-b to pod-c
        List<ExchangePath> v4 = new ArrayList<>(toWeb);
        v4.addAll(http(paths, "fd00:198:18:2::10"));
        assertEquals(8, v4.size(), v4.stream().map(ExchangeCorrelatorDemoTest::describe).toList().toString());
        for (ExchangePath p : v4) {
            boolean fromB = p.hops().get(0).nic().podName().equals("pod-b");
            assertEquals(fromB ? B_TO_C : A_TO_C, names(p), describe(p));
            assertEquals(List.of("c", "c-nd", "c-nd", "c-nd", "s-nd", "s-nd", "s-nd", "s"),
                    p.hops().stream().map(h -> h.role().label()).toList(), describe(p));
            assertTrue(p.clientObserved() && p.serverObserved());
            assertTrue(p.translations().isEmpty(), "no NAT between pods: " + describe(p));
            for (int i = 0; i < p.requestLatencyNanos().size(); i++) {
                long req = p.requestLatencyNanos().get(i);
                long resp = p.responseLatencyNanos().get(i);
                assertTrue(req > 0 && req < 100_000_000L, "request hop " + i + ": " + req + " ns, " + describe(p));
                assertTrue(resp > 0 && resp < 100_000_000L, "response hop " + i + ": " + resp + " ns, " + describe(p));
            }
            System.out.println("[path] " + describe(p) + " request hops (ns) " + p.requestLatencyNanos()
                    + " response hops (ns) " + p.responseLatencyNanos());
            long total = p.hops().get(7).requestNanos() - p.hops().get(0).requestNanos();
            assertTrue(total > 0, "the request reaches the server after it left the client: " + describe(p));
        }
    }

    @Test
    void theSnatHopTowardTheExternalHostIsFound() throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        List<ExchangePath> paths = http(correlate(records(set)), "198.19.0.10");
        assertEquals(1, paths.size(), paths.toString());
        ExchangePath p = paths.get(0);
        assertEquals(A_TO_EXT, names(p), describe(p));
        assertEquals(1, p.translations().size(), describe(p));
        AddressTranslation t = p.translations().get(0);
        assertEquals(3, t.afterHop(), "between node1's bridge and its uplink eth1");
        assertTrue(t.snat() && !t.dnat(), t.toString());
        assertTrue(t.clientBefore().startsWith("198.18.1.10:") && t.clientAfter().startsWith("198.19.0.1:"),
                t.toString());

        // without the external host's capture: the server is N/A, the rest is unchanged
        List<Observed> withoutExt = records(set).stream().filter(o -> !o.nic().host().equals("ext")).toList();
        ExchangePath q = http(correlate(withoutExt), "198.19.0.10").get(0);
        assertEquals(A_TO_EXT.subList(0, 4), names(q));
        assertFalse(q.serverObserved());
        assertTrue(q.clientObserved());
    }

    @Test
    void fileOrderDoesNotMatterAndADroppedCapturePointOnlyRemovesItsHop() throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        List<Observed> all = records(set);
        TreeSet<String> reference = canonical(correlate(all), null);
        assertTrue(reference.size() >= 15, "paths: " + reference.size());

        // capture points in another order: their records arrive grouped differently
        List<CapturePoint> points = new ArrayList<>(set.points());
        Collections.shuffle(points, new Random(7));
        List<Observed> shuffled = new ArrayList<>();
        for (CapturePoint point : points) {
            for (Observed o : all) {
                if (o.nic() == point.nic()) {
                    shuffled.add(o);
                }
            }
        }
        assertEquals(reference, canonical(correlate(shuffled), null));

        // one capture point left out: every path is the same without that hop
        for (String dropped : List.of("node1/br0", "node2/eth0", "pod-c/eth0")) {
            List<Observed> fewer = all.stream().filter(o -> !name(o.nic()).equals(dropped)).toList();
            assertEquals(canonical(correlate(all), dropped), canonical(correlate(fewer), null), "without " + dropped);
        }
    }

    /**
     * Each path as text (its hops' names and what each saw), without the hop {@code without}; paths left empty by
     * that are left out.
     */
    private static TreeSet<String> canonical(List<ExchangePath> paths, String without) {
        TreeSet<String> out = new TreeSet<>();
        for (ExchangePath p : paths) {
            String hops = p.hops().stream().filter(h -> !name(h.nic()).equals(without))
                    .map(h -> name(h.nic()) + "=" + h.log().l7Proto() + " " + h.client() + ">" + h.server() + " "
                            + h.log().l7TraceId())
                    .collect(Collectors.joining(", "));
            if (!hops.isEmpty()) {
                out.add(hops);
            }
        }
        return out;
    }
}
