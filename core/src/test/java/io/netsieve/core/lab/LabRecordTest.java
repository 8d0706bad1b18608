package io.netsieve.core.lab;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.NicKind;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lab's recording, checked with tshark as the oracle: it shows what later issues rely on. */
class LabRecordTest {
    private static Lab lab;

    @BeforeAll
    static void record() throws Exception {
        Prerequisites.requireCommand("tshark");
        lab = Lab.shared();
    }

    private static List<String[]> rows(String stem, String filter, String... fields) throws Exception {
        Tshark.Result r = Tshark.fields(lab.capture(stem), List.of(fields), "-Y", filter);
        assertEquals(null, r.error(), stem);
        return r.rows();
    }

    @Test
    void manifestDescribesEveryNicAndEveryFileReads() throws Exception {
        CaptureSet set = CaptureManifest.read(lab.manifest());
        assertEquals(16, set.size()); // 14 NICs and the two nodes' vxlan0
        long pods = set.points().stream().filter(p -> !p.nic().podName().isEmpty()).count();
        assertEquals(4, pods);
        assertEquals(2, set.points().stream().filter(p -> p.nic().kind() == NicKind.BRIDGE).count());
        for (CapturePoint point : set.points()) {
            long ours = 0;
            try (CaptureFileReader reader = CaptureFiles.open(point.file())) {
                PacketView view = new PacketView();
                while (reader.next(view)) {
                    ours++;
                }
            }
            long theirs = Tshark.fields(point.file(), List.of("frame.number")).rows().size();
            assertEquals(theirs, ours, point.file().toString());
            assertTrue(ours > 0, point.file() + " is empty");
            assertTrue(point.nic().mac() >= 0, "MAC of " + point.file());
        }
    }

    @Test
    void httpEndpointsSeenByClientAndServer() throws Exception {
        Set<String> expected = Set.of("/", "/chunked", "/slow?ms=300", "/error", "/missing", "/upload");
        for (String stem : List.of("pod-a-eth0", "pod-c-eth0", "node1-eth0", "node2-br0")) {
            Set<String> uris = new HashSet<>();
            for (String[] r : rows(stem, "http.request and ip", "http.request.uri")) {
                uris.add(r[0]);
            }
            assertTrue(uris.containsAll(expected), stem + ": " + uris);
        }
        List<String[]> codes = rows("pod-c-eth0", "http.response", "http.response.code");
        Set<String> seen = new HashSet<>();
        codes.forEach(r -> seen.add(r[0]));
        assertTrue(seen.containsAll(Set.of("200", "404", "500")), seen.toString());
        assertTrue(!rows("pod-c-eth0", "http.transfer_encoding == \"chunked\"", "frame.number").isEmpty());
        assertTrue(!rows("pod-a-eth0", "ipv6 and http.request", "frame.number").isEmpty(), "IPv6 request");
    }

    @Test
    void snatRewritesTheSourceOnTheExternalLink() throws Exception {
        List<String[]> inside = rows("pod-a-eth0", "http.request.uri == \"/external\"", "ip.src", "ip.dst");
        List<String[]> outside = rows("ext-eth0", "http.request.uri == \"/external\"", "ip.src", "ip.dst");
        assertEquals(1, inside.size());
        assertEquals(1, outside.size());
        assertEquals(lab.get("POD_A"), inside.get(0)[0]);
        assertEquals(lab.get("NODE1_SNAT"), outside.get(0)[0]);
        assertEquals(lab.get("EXT"), outside.get(0)[1]);
    }

    @Test
    void dnsOverUdpAndTcpIncludingAFailure() throws Exception {
        assertTrue(rows("pod-d-eth0", "dns.flags.response == 0 and udp", "dns.qry.name").size() >= 3);
        assertTrue(rows("pod-d-eth0", "dns.flags.response == 1 and udp", "dns.qry.name").size() >= 3);
        assertEquals(1, rows("pod-d-eth0", "dns.flags.response == 1 and tcp", "dns.qry.name").size());
        assertEquals(1, rows("pod-d-eth0", "dns.flags.rcode == 5", "dns.qry.name").size());
    }

    @Test
    void redisCommandsIncludingAPipelinedBatch() throws Exception {
        List<String[]> requests = rows("pod-d-eth0", "tcp.dstport == 6379 and tcp.len > 0", "tcp.stream");
        Set<String> connections = new HashSet<>();
        requests.forEach(r -> connections.add(r[0]));
        assertTrue(connections.size() >= 3, "set, get and the pipelined batch: " + connections);
        assertTrue(!rows("pod-d-eth0", "resp", "frame.number").isEmpty(), "tshark sees RESP");
    }

    @Test
    void refusedAndTimedOutConnections() throws Exception {
        String refusedPort = lab.get("REFUSED_PORT");
        assertEquals(1, rows("pod-a-eth0", "tcp.flags.syn == 1 and tcp.flags.ack == 0 and tcp.dstport == "
                + refusedPort, "frame.number").size());
        assertEquals(1, rows("pod-a-eth0", "tcp.flags.reset == 1 and tcp.srcport == " + refusedPort,
                "frame.number").size());
        String timeoutPort = lab.get("TIMEOUT_PORT");
        assertTrue(rows("pod-a-eth0", "tcp.flags.syn == 1 and tcp.dstport == " + timeoutPort, "frame.number")
                .size() >= 2, "the SYN is retransmitted");
        assertEquals(0, rows("pod-a-eth0", "tcp.srcport == " + timeoutPort, "frame.number").size(), "no answer");
    }

    @Test
    void forwardingNicsSeeTheSameRequestAsTheEndpoints() throws Exception {
        // The seq of the /chunked request's first byte is the same on every NIC it crossed (the cross-NIC key).
        Set<String> seqs = new HashSet<>();
        for (String stem : List.of("pod-a-eth0", "node1-veth-a", "node1-br0", "node1-eth0", "node2-eth0",
                "node2-br0", "node2-veth-c", "pod-c-eth0")) {
            List<String[]> r = rows(stem, "http.request.uri == \"/chunked\"", "tcp.seq_raw");
            assertEquals(1, r.size(), stem);
            seqs.add(r.get(0)[0]);
        }
        assertEquals(1, seqs.size(), seqs.toString());
    }
}
