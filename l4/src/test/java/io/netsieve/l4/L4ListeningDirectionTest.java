package io.netsieve.l4;

import io.netsieve.core.nic.ListeningSockets;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Direction rule 1 (a server socket of the capture point decides, even without a handshake) on real captures:
 * a TCP connection picked up mid-stream and a UDP DNS exchange, each seen from the server's NIC, from a NIC that
 * only shares the host's port numbers (a bridge: other MAC), and without the rule.
 */
class L4ListeningDirectionTest {

    private static L4Log trackOne(String capture, Nic nic) throws Exception {
        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().nics(id -> nic).listener(logs::add).build();
        Replay.replay(tracker, Prerequisites.tcpdumpCorpus().resolve(capture));
        assertEquals(1, logs.size(), capture + ": one flow");
        return logs.get(0);
    }

    private static Nic nic(String address, String mac, String... listening) throws Exception {
        Nic.Builder b = Nic.builder().host("corpus").nicName("eth0");
        if (address != null) {
            b.localAddresses(List.of(InetAddress.getByName(address)));
        }
        if (mac != null) {
            b.mac(Nic.parseMac(mac));
        }
        if (listening.length > 0) {
            b.listeningSockets(ListeningSockets.parse(List.of(listening)));
        }
        return b.build();
    }

    // ipv4_tcp_http_xml.pcap: one data segment from the server's port 80 (MAC 00:50:56:9f:36:9f) to the client,
    // no handshake in the capture; the addresses are the capture's own, read with tshark
    private static final String MID_STREAM = "ipv4_tcp_http_xml.pcap";

    /** Source and destination address of a corpus capture's first packet, as tshark reads them. */
    private static String[] firstPacket(String capture) throws Exception {
        Prerequisites.requireCommand("tshark");
        Tshark.Result r = Tshark.fields(Prerequisites.tcpdumpCorpus().resolve(capture), List.of("ip.src", "ip.dst"));
        return r.rows().get(0);
    }

    private static String server() throws Exception {
        return firstPacket(MID_STREAM)[0];
    }

    @Test
    void midStreamTcpIsUnknownWithoutTheServerSocket() throws Exception {
        L4Log log = trackOne(MID_STREAM, nic(server(), null));
        assertEquals(Direction.UNKNOWN, log.direction());
        assertEquals(0, log.directionScore());
    }

    @Test
    void midStreamTcpToAListeningPortIsIncoming() throws Exception {
        L4Log log = trackOne(MID_STREAM, nic(server(), "00:50:56:9f:36:9f", "tcp/80"));
        assertEquals(Direction.INCOMING, log.direction());
        assertEquals(255, log.directionScore());
        assertEquals("server", log.connSide());
        assertEquals(server(), log.srcIp());
        assertEquals(80, log.srcPort());
        assertEquals(firstPacket(MID_STREAM)[1], log.clientIp());
        assertEquals(5767, log.clientPort());
        assertEquals(80, log.serverPort());
        assertEquals(1, log.txPackets());
        assertEquals(0, log.rxPackets());
    }

    @Test
    void anAddressBoundSocketMatchesOnlyItsAddress() throws Exception {
        assertEquals(Direction.INCOMING,
                trackOne(MID_STREAM, nic(server(), null, "tcp/" + server() + ":80")).direction());
        assertEquals(Direction.UNKNOWN,
                trackOne(MID_STREAM, nic(server(), null, "tcp/127.0.0.1:80")).direction());
        assertEquals(Direction.UNKNOWN,
                trackOne(MID_STREAM, nic(server(), null, "udp/80")).direction(), "a UDP socket is no TCP server");
    }

    @Test
    void aNicThatIsNotTheEndpointIgnoresTheHostsPorts() throws Exception {
        // a bridge or forwarding hop: same port numbers on the host, but the frames are not the NIC's
        L4Log log = trackOne(MID_STREAM, nic(null, "02:00:00:00:00:01", "tcp/80"));
        assertEquals(Direction.UNKNOWN, log.direction());
        // where the NIC's MAC is unknown, its addresses decide
        assertEquals(Direction.UNKNOWN, trackOne(MID_STREAM, nic("198.18.0.1", null, "tcp/80")).direction());
    }

    // dns_udp.pcap: a query from the client's port 43966 to a server's port 53 and the answer back
    @Test
    void udpToABoundServerSocketIsIncomingOnTheServer() throws Exception {
        L4Log server = trackOne("dns_udp.pcap", nic("209.87.249.18", "00:11:22:33:44:66", "udp/53"));
        assertEquals(Direction.INCOMING, server.direction());
        assertEquals(255, server.directionScore());
        assertEquals(firstPacket("dns_udp.pcap")[0], server.clientIp());
        assertEquals(53, server.serverPort());
        assertEquals(1, server.txPackets());
        assertEquals(1, server.rxPackets());

        L4Log before = trackOne("dns_udp.pcap", nic(firstPacket("dns_udp.pcap")[0], null));
        assertEquals(Direction.UNKNOWN, before.direction(), "UDP without a server socket: no rule applies");
    }
}
