package io.netsieve.l7;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.TcpView;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.Direction;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Tracker;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direction rule 2 of the record model (the side that sent an application request is the client) on real
 * captures from which the evidence of the other rules was taken away: the handshake of an HTTP connection, and the
 * first query of a DNS flow (so that its first captured datagram is a response, sent by the server). The expected
 * client comes from tshark on the untouched capture (the SYN's sender; the sender of the queries), never from us.
 * Without the L7 tracker the same packets leave the direction unknown.
 */
class L7DirectionTest {

    /** Client address and port per tshark, from the packets matching {@code displayFilter}. */
    private static String[] tsharkClient(Path file, String displayFilter, String portField) throws Exception {
        Tshark.Result r = Tshark.fields(file, List.of("ip.src", portField), "-Y", displayFilter);
        assertTrue(r.error() == null && !r.rows().isEmpty(), "tshark found no " + displayFilter + " in " + file);
        String[] first = r.rows().get(0);
        for (String[] row : r.rows()) {
            assertEquals(first[0] + ":" + first[1], row[0] + ":" + row[1], "one client in " + file);
        }
        return first;
    }

    private static Nic nicWithAddress(String address) throws Exception {
        return Nic.builder().host("corpus").nicName("eth0")
                .localAddresses(List.of(InetAddress.getByName(address))).build();
    }

    /** The capture's packets minus those {@code drop} matches, through L4 (with L7 when {@code withL7}). */
    private static List<L4Log> track(Path file, Nic nic, boolean withL7, Predicate<DecodedPacket> drop)
            throws Exception {
        List<L4Log> logs = new ArrayList<>();
        L4Tracker.Builder b = L4Tracker.builder().nics(id -> nic).listener(logs::add);
        if (withL7) {
            L7Tracker l7 = L7Tracker.builder().listener(log -> { }).build();
            b.streams(l7.streams()).datagrams(l7.datagrams());
        }
        Captures.replay(file, b.build(), drop);
        assertFalse(logs.isEmpty(), file + ": records");
        return logs;
    }

    private static boolean isSyn(DecodedPacket d) {
        return d.transport() == Layer.TCP && (d.tcp().flags() & TcpView.SYN) != 0;
    }

    @Test
    void anHttpRequestNamesTheClientOfAConnectionWithoutItsHandshake() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve("accecn_handshake.pcap");
        String[] client = tsharkClient(file, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "tcp.srcport");
        String[] server = tsharkClient(file, "tcp.flags.syn == 1 && tcp.flags.ack == 1", "tcp.srcport");

        for (L4Log log : track(file, nicWithAddress(client[0]), false, L7DirectionTest::isSyn)) {
            assertEquals(Direction.UNKNOWN, log.direction(), "no handshake, no L7: no rule applies");
        }
        List<L4Log> fromClient = track(file, nicWithAddress(client[0]), true, L7DirectionTest::isSyn);
        for (L4Log log : fromClient) {
            assertEquals(Direction.OUTGOING, log.direction(), "the NIC of the request's sender");
            assertEquals(client[0] + ":" + client[1], log.clientIp() + ":" + log.clientPort());
            assertEquals(server[0] + ":" + server[1], log.serverIp() + ":" + log.serverPort());
            assertEquals(240, log.directionScore(), "rule 2 without a handshake");
            assertEquals("http", log.l7Proto());
        }
        for (L4Log log : track(file, nicWithAddress(server[0]), true, L7DirectionTest::isSyn)) {
            assertEquals(Direction.INCOMING, log.direction(), "the server's NIC");
            assertEquals(client[0], log.clientIp());
        }
    }

    @Test
    void dnsQueriesNameTheClientOfAFlowWhoseFirstDatagramIsAResponse() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve("edns-opts.pcap");
        String[] client = tsharkClient(file, "dns.flags.response == 0", "udp.srcport");
        String[] server = tsharkClient(file, "dns.flags.response == 1", "udp.srcport");
        // drop the first datagram (a query): the flow starts with the server's response
        int[] seen = {0};
        Predicate<DecodedPacket> dropFirst = d -> seen[0]++ == 0;

        List<L4Log> withoutL7 = track(file, nicWithAddress(client[0]), false, dropFirst);
        seen[0] = 0;
        for (L4Log log : withoutL7) {
            assertEquals(Direction.UNKNOWN, log.direction(), "UDP without a server socket or L7: no rule applies");
        }
        List<L4Log> fromClient = track(file, nicWithAddress(client[0]), true, dropFirst);
        seen[0] = 0;
        assertEquals(1, fromClient.size(), "one flow");
        L4Log log = fromClient.get(0);
        assertEquals(Direction.OUTGOING, log.direction());
        assertEquals(client[0] + ":" + client[1], log.clientIp() + ":" + log.clientPort());
        assertEquals(server[0] + ":" + server[1], log.serverIp() + ":" + log.serverPort());
        assertEquals(client[0], log.srcIp(), "src is the capture point's side");
        assertEquals("dns", log.l7Proto());

        L4Log atServer = track(file, nicWithAddress(server[0]), true, dropFirst).get(0);
        assertEquals(Direction.INCOMING, atServer.direction());
        assertEquals(client[0], atServer.clientIp());
    }
}
