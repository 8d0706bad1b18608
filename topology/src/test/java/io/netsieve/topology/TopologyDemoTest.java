package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topologies of the bundled demo lab set: the path view of one pod-to-pod exchange (client endpoint, the eight
 * capture points, server endpoint, with the record model's node fields), the aggregate view (every exchange that
 * left pod-a crosses its veth; the failed ones counted), the N/A node when the server's capture point is left out,
 * and the three export forms referring only to declared nodes.
 */
class TopologyDemoTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    private static List<ExchangePath> paths(boolean withExternalHost) throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(paths::add).build();
        for (CapturePoint point : set.points()) {
            if (!withExternalHost && point.nic().host().equals("ext")) {
                continue;
            }
            L7Tracker l7 = L7Tracker.builder().listener(log -> c.offer(log, point.nic())).build();
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(log -> { })
                    .streams(l7.streams()).datagrams(l7.datagrams()).build();
            DemoReplay.replay(point, l4);
        }
        c.flush();
        return paths;
    }

    private static ExchangePath http(List<ExchangePath> paths, String path) {
        return paths.stream().filter(p -> p.hops().get(0).log().http() != null
                && p.hops().get(0).log().http().path().equals(path)).findFirst().orElseThrow();
    }

    @Test
    void thePathViewOfOneExchange() throws Exception {
        Topology t = Topology.ofPath(http(paths(true), "/chunked"));
        assertEquals(List.of("PORT", "VIRTUAL_NIC", "VIRTUAL_NIC", "PHYSICAL_NIC", "PHYSICAL_NIC", "PHYSICAL_NIC",
                "PHYSICAL_NIC", "VIRTUAL_NIC", "VIRTUAL_NIC", "PORT"),
                t.nodes().stream().map(n -> n.kind().name()).toList());
        assertEquals(List.of("pod-a/eth0", "node1/veth-a", "node1/br0", "node1/eth0", "node2/eth0", "node2/br0",
                "node2/veth-c", "pod-c/eth0"), t.nodes().subList(1, 9).stream().map(TopologyNode::label).toList());
        assertTrue(t.nodes().get(0).label().startsWith("198.18.1.10:"), t.nodes().get(0).toString());
        assertEquals("198.18.2.10:8080", t.nodes().get(9).label());
        TopologyNode podA = t.nodes().get(1);
        assertEquals(List.of("pod_name", "nic_name", "k8s_namespace", "k8s_container_name", "host", "src_port",
                "dst_port"), List.copyOf(podA.attributes().keySet()));
        assertEquals("pod-a", podA.attributes().get("pod_name"));
        assertEquals("8080", podA.attributes().get("dst_port"));
        TopologyNode uplink = t.nodes().get(4);
        assertEquals("http", uplink.attributes().get("l7_proto"));
        assertEquals("tcp", uplink.attributes().get("l4_proto"));
        assertEquals(9, t.edges().size());
        for (int i = 1; i < 8; i++) {
            TopologyEdge e = t.edges().get(i);
            assertEquals(1, e.exchanges());
            assertTrue(e.requestLatency().p50Nanos() > 0 && e.responseLatency().p50Nanos() > 0, e.toString());
        }
        assertEquals(-1, t.edges().get(0).requestLatency().p50Nanos(), "an endpoint has no capture time");
    }

    @Test
    void theAggregateViewCountsEveryExchangeAndItsFailures() throws Exception {
        List<ExchangePath> paths = paths(true);
        Topology t = Topology.aggregate(paths, Long.MIN_VALUE, Long.MAX_VALUE);
        // everything pod-a sends leaves through its veth: the records its own NIC wrote, one per exchange
        long fromPodA = paths.stream().filter(p -> p.hops().stream()
                .anyMatch(h -> h.nic().podName().equals("pod-a"))).count();
        TopologyEdge aToVeth = edge(t, "pod-a/eth0", "node1/veth-a");
        assertEquals(fromPodA, aToVeth.exchanges());
        assertTrue(aToVeth.errors() >= 1, "GET /error answered 500: " + aToVeth);
        assertEquals(aToVeth.exchanges(), aToVeth.requestLatency().count());
        // pod-b's DNS query refused by dnsmasq (rcode 5) fails on its way to pod-d
        assertTrue(edge(t, "node2/veth-d", "pod-d/eth0").errors() >= 1);
        // one node per capture point that saw an exchange, no duplicates
        Set<String> labels = new HashSet<>();
        for (TopologyNode n : t.nodes()) {
            assertTrue(labels.add(n.id()), "duplicate node " + n.id());
        }
        // an empty time range is an empty topology
        assertEquals(0, Topology.aggregate(paths, 0, 1).edges().size());
    }

    @Test
    void anEndpointNoCapturePointSawIsNotAvailable() throws Exception {
        Topology t = Topology.ofPath(http(paths(false), "/external"));
        TopologyNode last = t.nodes().get(t.nodes().size() - 1);
        assertEquals(NodeKind.NOT_AVAILABLE, last.kind());
        assertEquals("N/A", last.label());
        assertEquals("198.19.0.10:8080", last.attributes().get("endpoint"));
    }

    @Test
    void exportsReferToDeclaredNodesOnly() throws Exception {
        Topology t = Topology.aggregate(paths(true), Long.MIN_VALUE, Long.MAX_VALUE);
        String dot = TopologyExport.dot(t);
        String mermaid = TopologyExport.mermaid(t);
        String json = TopologyExport.json(t);
        for (TopologyEdge e : t.edges()) {
            assertTrue(dot.contains(TopologyExport.quote(e.from()) + " -> " + TopologyExport.quote(e.to())));
        }
        assertEquals(t.edges().size(), mermaid.lines().filter(l -> l.contains("-->")).count());
        assertEquals(t.nodes().size(), mermaid.lines().filter(l -> l.matches("  n\\d+[\\[({].*")).count());
        assertTrue(dot.startsWith("digraph topology {") && dot.endsWith("}\n"));
        assertEquals(t.nodes().size(), json.split("\"kind\":").length - 1);
        assertEquals(t.edges().size(), json.split("\"exchanges\":").length - 1);
    }

    private static TopologyEdge edge(Topology t, String from, String to) {
        String fromId = t.nodes().stream().filter(n -> n.label().equals(from)).findFirst().orElseThrow().id();
        String toId = t.nodes().stream().filter(n -> n.label().equals(to)).findFirst().orElseThrow().id();
        return t.edges().stream().filter(e -> e.from().equals(fromId) && e.to().equals(toId)).findFirst()
                .orElseThrow();
    }
}
