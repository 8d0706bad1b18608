package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.DemoReplay.Observed;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregate's lookups (endpoint, capture point and edge caches) against the same paths aggregated one at a time,
 * each by a fresh aggregator (nothing cached across paths), summed: the demo set's paths copied many times with other
 * client and server addresses and ports, far more endpoints than the caches have slots, in random order. Nodes (ids,
 * kinds, labels, attributes, order of first appearance) and edges (exchanges, errors) must agree.
 */
class TopologyAggregateCachesTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    private static L7Log moved(L7Log x, String clientIp, int clientPort, String serverIp, int serverPort) {
        return new L7Log(x.timestampNanos(), x.capturePointId(), x.l4Proto(), x.l7Proto(), clientIp, clientPort,
                serverIp, serverPort, x.innerTraceId(), x.l7TraceId(), x.reqSeq(), x.respSeq(), x.reqBytes(),
                x.respBytes(), x.txSeq(), x.rxSeq(), x.txPackets(), x.rxPackets(), x.txBytes(), x.rxBytes(),
                x.txRetrans(), x.rxRetrans(), x.chunkIdMin(), x.chunkIdMax(), x.costReqSentNanos(),
                x.costRespWaitNanos(), x.costCntDlNanos(), x.latencyNanos(), x.status(), x.http(), x.dns(),
                x.attributes());
    }

    @Test
    void sameAsOnePathAtATime() throws Exception {
        List<ExchangePath> demo = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(demo::add).build();
        for (Observed o : DemoReplay.l7Records(CaptureManifest.read(DEMO))) {
            c.offer(o.log(), o.nic());
        }
        c.flush();
        Random r = new Random(7);
        List<ExchangePath> paths = new ArrayList<>(demo);
        for (int i = 0; i < 3000; i++) {
            ExchangePath p = demo.get(r.nextInt(demo.size()));
            String client = "198.18." + r.nextInt(8) + "." + r.nextInt(200);
            String server = r.nextInt(3) == 0 ? "fd00::" + r.nextInt(50) : "198.19.0." + r.nextInt(100);
            int clientPort = 1024 + r.nextInt(5);
            int serverPort = 80 + r.nextInt(30);
            List<Hop> hops = new ArrayList<>();
            for (Hop h : p.hops()) {
                hops.add(new Hop(h.nic(), h.role(), moved(h.log(), r.nextInt(4) == 0 ? h.log().clientIp() : client,
                        clientPort, server, serverPort), h.requestNanos(), h.responseNanos(), h.joinedBy()));
            }
            paths.add(new ExchangePath(p.key(), hops, p.requestLatencyNanos(), p.responseLatencyNanos(), p.translations(),
                    r.nextBoolean(), r.nextBoolean()));
        }
        Topology.Aggregator all = Topology.aggregator(Long.MIN_VALUE, Long.MAX_VALUE);
        Map<String, TopologyNode> nodes = new LinkedHashMap<>();
        Map<String, long[]> edges = new LinkedHashMap<>();
        for (ExchangePath p : paths) {
            all.add(p);
            Topology one = Topology.aggregate(List.of(p), Long.MIN_VALUE, Long.MAX_VALUE);
            for (TopologyNode n : one.nodes()) {
                nodes.putIfAbsent(n.id(), n);
            }
            for (TopologyEdge e : one.edges()) {
                long[] counts = edges.computeIfAbsent(e.from() + " -> " + e.to(), k -> new long[2]);
                counts[0] += e.exchanges();
                counts[1] += e.errors();
            }
        }
        Topology t = all.topology();
        assertEquals(new ArrayList<>(nodes.values()), t.nodes());
        Map<String, long[]> got = new LinkedHashMap<>();
        for (TopologyEdge e : t.edges()) {
            got.put(e.from() + " -> " + e.to(), new long[] {e.exchanges(), e.errors()});
        }
        assertEquals(edges.keySet().stream().toList(), got.keySet().stream().toList());
        for (Map.Entry<String, long[]> e : edges.entrySet()) {
            assertEquals(e.getValue()[0], got.get(e.getKey())[0], e.getKey());
            assertEquals(e.getValue()[1], got.get(e.getKey())[1], e.getKey());
        }
        assertTrue(t.nodes().size() > 600, "many endpoints: " + t.nodes().size());
    }
}
