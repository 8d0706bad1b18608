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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The associated logs of the record model on the bundled demo lab set, for pod-a's {@code GET /chunked} to pod-c:
 * the packets that start its request and response (the seqs tshark gives for the frames holding the HTTP request
 * and response), the exchange of those packets, its packets, its connection's other requests (the README's
 * keep-alive connection), its path over the eight capture points, and its connection on the other seven NICs.
 */
class AssociatedLogsDemoTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    private record Run(AssociatedLogs logs, List<L7Log> podA) {
    }

    private static Run run() throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        AssociatedLogs logs = AssociatedLogs.builder().build();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(logs::addPath).build();
        List<L7Log> podA = new ArrayList<>();
        for (CapturePoint point : set.points()) {
            boolean isPodA = point.nic().podName().equals("pod-a");
            L7Tracker l7 = L7Tracker.builder().listener(log -> {
                logs.addL7(log, point.nic());
                c.offer(log, point.nic());
                if (isPodA) {
                    podA.add(log);
                }
            }).build();
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(log -> logs.addL4(log, point.nic()))
                    .streams(l7.streams()).datagrams(l7.datagrams()).build();
            DemoReplay.replay(point, l4);
        }
        c.flush();
        return new Run(logs, podA);
    }

    @Test
    void theThreeDimensionsAndThePacketsOfAnExchange() throws Exception {
        Prerequisites.requireCommand("tshark");
        Run run = run();
        L7Log chunked = run.podA().stream().filter(x -> x.http() != null && x.http().path().equals("/chunked"))
                .findFirst().orElseThrow();
        AssociatedLogs logs = run.logs();

        // transport layer, and the packets that start the request and the response
        List<L4Log> transport = logs.transport(chunked);
        assertTrue(!transport.isEmpty());
        long requestSeq = -1;
        long responseSeq = -1;
        for (L4Log chunk : transport) {
            for (Map.Entry<Integer, String> e : logs.messageLabels(chunk).entrySet()) {
                int row = e.getKey();
                boolean tx = chunk.packets().isTx(row);
                long seq = ((tx ? chunk.txSeqPos() : chunk.rxSeqPos()) + chunk.packets().seq(row)) & 0xffffffffL;
                if (e.getValue().equals("GET /chunked")) {
                    requestSeq = seq;
                    assertEquals(chunked, logs.exchangeOfPacket(chunk, row).orElseThrow());
                }
                if (e.getValue().equals("HTTP 200") && logs.exchangeOfPacket(chunk, row).orElseThrow() == chunked) {
                    responseSeq = seq;
                }
            }
        }
        Path podAFile = DEMO.resolveSibling("pod-a-eth0.pcap");
        Tshark.Result req = Tshark.fields(podAFile, List.of("tcp.seq_raw"), "-Y",
                "http.request.uri == \"/chunked\"");
        Tshark.Result resp = Tshark.fields(podAFile, List.of("tcp.seq_raw", "tcp.len", "http.prev_response_in"),
                "-Y", "http.response_for.uri contains \"/chunked\"", "-o", "tcp.desegment_tcp_streams:FALSE");
        assertEquals(Long.parseLong(req.rows().get(0)[0]), requestSeq, "the request's first packet");
        assertTrue(resp.rows().size() >= 1, "tshark's response to /chunked");
        long tsharkResponseFirst = Long.parseLong(resp.rows().get(0)[0]);
        assertEquals(tsharkResponseFirst, responseSeq, "the response's first packet");

        // the exchange's packets: as many as its L7 record counts (a separate computation: the L7 segment ledger)
        assertEquals(chunked.txPackets() + chunked.rxPackets(), logs.packetsOf(chunked).size());

        // single connection: the README's keep-alive connection from pod-a
        Set<String> onConnection = new TreeSet<>();
        for (L7Log x : logs.sameConnection(chunked)) {
            onConnection.add(x.http().path());
        }
        assertTrue(onConnection.containsAll(List.of("/", "/chunked", "/slow", "/error", "/missing")),
                onConnection.toString());

        // cross-NIC: the exchange's path, and its connection on the other seven capture points
        assertEquals(8, logs.crossNic(chunked).orElseThrow().hops().size());
        L4Log first = transport.get(0);
        Set<String> others = new TreeSet<>();
        for (L4Log o : logs.crossNic(first)) {
            others.add(logs.nicOf(o).label());
        }
        assertEquals(7, others.size(), others.toString());
        assertTrue(logs.exchanges(first).contains(chunked));
    }

    @Test
    void theOldestRecordsGoFirstWhenFull() throws Exception {
        AssociatedLogs small = AssociatedLogs.builder().maxRecords(3).build();
        Run run = run();
        int n = 0;
        for (L7Log x : run.podA()) {
            small.addL7(x, run.logs().nicOf(x));
            n++;
        }
        assertTrue(n > 3, "records on pod-a: " + n);
        assertEquals(n - 3, small.evicted());
        assertTrue(small.sameConnection(run.podA().get(n - 1)).contains(run.podA().get(n - 1)));
        assertEquals(null, small.nicOf(run.podA().get(0)), "the first record was dropped");
    }
}
