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
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exports from the demo set's pod-a capture, opened by tshark: pod-a's keep-alive connection to pod-c is one TCP
 * conversation with as many frames as its L4 records hold, and its {@code GET /chunked} exchange is exactly that
 * request and its 200 response.
 */
class PcapExportTest {

    @Test
    void aConnectionAndAnExchangeOpenInTshark(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tshark");
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        CapturePoint podA = set.points().stream().filter(p -> p.nic().podName().equals("pod-a")).findFirst()
                .orElseThrow();
        List<L4Log> l4 = new ArrayList<>();
        List<L7Log> l7 = new ArrayList<>();
        L7Tracker l7t = L7Tracker.builder().listener(l7::add).build();
        DemoReplay.replay(podA, L4Tracker.builder().nics(id -> podA.nic()).listener(l4::add)
                .streams(l7t.streams()).datagrams(l7t.datagrams()).build());
        L7Log chunked = l7.stream().filter(x -> x.http() != null && x.http().path().equals("/chunked")).findFirst()
                .orElseThrow();
        List<L4Log> connection = l4.stream().filter(r -> r.innerTraceId().equals(chunked.innerTraceId())).toList();
        long packets = connection.stream().mapToLong(r -> r.txPackets() + r.rxPackets()).sum();

        Path conn = tmp.resolve("connection.pcap");
        long written = PcapExport.connection(podA, connection.get(0), connection.get(connection.size() - 1), conn);
        assertEquals(packets, written);
        Tshark.Result frames = Tshark.fields(conn, List.of("tcp.stream"));
        assertEquals(null, frames.error());
        assertEquals(packets, frames.rows().size(), "frames tshark reads");
        assertTrue(frames.rows().stream().allMatch(r -> r[0].equals("0")), "one TCP conversation");

        Path exchange = tmp.resolve("exchange.pcap");
        assertTrue(PcapExport.exchange(podA, chunked, exchange) > 0);
        Tshark.Result http = Tshark.fields(exchange, List.of("http.request.uri", "http.response.code"),
                "-Y", "http");
        List<String> seen = http.rows().stream().map(r -> r[0] + "|" + r[1]).toList();
        assertEquals(List.of("/chunked|", "|200"), seen);
    }
}
