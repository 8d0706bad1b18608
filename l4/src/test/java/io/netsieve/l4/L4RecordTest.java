package io.netsieve.l4;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Record fields on real captures: direction from the capture point's addresses, tx/rx split, handshake cost
 * against tshark's iRTT, raw sequence numbers rebuilt from relative + position, scaled windows against tshark's
 * calculated window, Zeek conn_state/history as read off the packets' flags by hand.
 */
class L4RecordTest {

    private static List<L4Log> track(Path file, String... localAddresses) throws Exception {
        List<InetAddress> local = new ArrayList<>();
        for (String a : localAddresses) {
            local.add(InetAddress.getByName(a));
        }
        Nic nic = Nic.builder().host("corpus").nicName("eth0").localAddresses(local).build();
        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().nics(id -> nic).listener(logs::add).build();
        Replay.replay(tracker, file);
        return logs;
    }

    private static Path capture(String name) {
        return Prerequisites.tcpdumpCorpus().resolve(name);
    }

    @Test
    void handshakeOnlyConnection() throws Exception {
        // SYN, SYN-ACK, ACK from 131.155.215.69:46656 to 137.116.81.94:80
        List<L4Log> logs = track(capture("tcp-handshake-nano.pcap"), "131.155.215.69");
        assertEquals(1, logs.size());
        L4Log log = logs.get(0);
        assertEquals(Direction.OUTGOING, log.direction());
        assertEquals(255, log.directionScore());
        assertEquals("client", log.connSide());
        assertEquals("131.155.215.69", log.srcIp());
        assertEquals(46656, log.srcPort());
        assertEquals("137.116.81.94", log.dstIp());
        assertEquals(80, log.dstPort());
        assertEquals(2, log.txPackets());
        assertEquals(1, log.rxPackets());
        assertEquals("S1", log.connState());
        assertEquals("ShA", log.history());
        assertTrue(log.chunkSyn());
        assertTrue(log.lastChunk());
        Tshark.Result t = Tshark.fields(capture("tcp-handshake-nano.pcap"),
                List.of("tcp.seq_raw", "tcp.analysis.initial_rtt"));
        assertEquals(t.rows().get(0)[0] + "_" + t.rows().get(1)[0], log.nicTraceId());
        double irttMs = Double.parseDouble(t.rows().get(2)[1]) * 1000;
        assertEquals(irttMs, log.tcp3whsCost(), 1e-6);
    }

    @Test
    void serverSideSeesTheSameConnectionIncoming() throws Exception {
        L4Log log = track(capture("tcp-handshake-nano.pcap"), "137.116.81.94").get(0);
        assertEquals(Direction.INCOMING, log.direction());
        assertEquals("137.116.81.94", log.srcIp());
        assertEquals("131.155.215.69", log.clientIp());
        assertEquals(46656, log.clientPort());
        assertEquals(80, log.serverPort());
        assertEquals(1, log.txPackets());
        assertEquals(2, log.rxPackets());
    }

    @Test
    void unknownWithoutLocalAddresses() throws Exception {
        L4Log log = track(capture("tcp-handshake-nano.pcap")).get(0);
        assertEquals(Direction.UNKNOWN, log.direction());
        assertEquals(0, log.directionScore());
        assertEquals("131.155.215.69", log.srcIp(), "src is the client when the SYN was seen");
    }

    @Test
    void fullLifecycleOnLoopback() throws Exception {
        // redis over loopback: handshake, data both ways, FIN from the client then the server, last ACK
        Path file = capture("resp_2_inline.pcap");
        List<L4Log> logs = track(file, "127.0.0.1");
        assertEquals(1, logs.size());
        L4Log log = logs.get(0);
        assertEquals(Direction.OUTGOING, log.direction(), "both ends local: the client's view");
        assertEquals(6379, log.dstPort());
        assertEquals("SF", log.connState());
        assertEquals("ShADadFf", log.history());
        assertTrue(log.chunkFin());
        assertTrue(log.lastChunk());
        assertEquals(12 + 144 + 11, log.txBytes());
        assertEquals(1288, log.rxBytes());
        Tshark.Result t = Tshark.fields(file, List.of("frame.time_epoch", "tcp.flags.fin"));
        int firstFin = -1;
        for (int i = 0; i < t.rows().size(); i++) {
            if (t.rows().get(i)[1].equals("1") || t.rows().get(i)[1].equals("True")) {
                firstFin = i;
                break;
            }
        }
        long finNs = Tshark.epochNanos(t.rows().get(firstFin)[0]);
        long lastNs = Tshark.epochNanos(t.rows().get(t.rows().size() - 1)[0]);
        assertEquals((lastNs - finNs) / 1e6, log.tcp4whsCost(), 1e-6);
    }

    @Test
    void packetSeriesRebuildsRawSequenceNumbersAndScaledWindows() throws Exception {
        for (String name : List.of("ssh.pcap", "resp_1_benchmark.pcap", "bgp-4byte-asn.pcap", "mptcp-v0.pcap")) {
            Path file = capture(name);
            Tshark.Result t = Tshark.fields(file, List.of("tcp.stream", "tcp.seq_raw", "tcp.ack_raw", "tcp.len",
                    "tcp.window_size", "tcp.flags.syn", "tcp.flags.ack"), "-Y", "tcp");
            List<L4Log> logs = track(file);
            // tshark rows of one stream appear in capture order, as do the rows of our chunks of one connection.
            java.util.Map<String, List<String[]>> byStream = new java.util.LinkedHashMap<>();
            for (String[] row : t.rows()) {
                byStream.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row);
            }
            java.util.Map<String, List<long[]>> ours = new java.util.LinkedHashMap<>();
            for (L4Log log : logs) {
                PacketSeries s = log.packets();
                for (int i = 0; i < s.size(); i++) {
                    boolean tx = s.isTx(i);
                    long pos = tx ? log.txSeqPos() : log.rxSeqPos();
                    long peerPos = tx ? log.rxSeqPos() : log.txSeqPos();
                    long seq = (s.seq(i) + pos) & 0xFFFF_FFFFL;
                    long ack = (s.flags(i) & 0x10) != 0 ? (s.ack(i) + peerPos) & 0xFFFF_FFFFL : -1;
                    ours.computeIfAbsent(log.innerTraceId(), k -> new ArrayList<>())
                            .add(new long[] {seq, ack, s.payloadSize(i), s.window(i)});
                }
            }
            assertEquals(byStream.size(), ours.size(), name + " connections");
            List<List<long[]>> ourLists = new ArrayList<>(ours.values());
            List<List<String[]>> theirLists = new ArrayList<>(byStream.values());
            int checked = 0;
            for (int c = 0; c < theirLists.size(); c++) {
                List<String[]> theirs = theirLists.get(c);
                List<long[]> mine = ourLists.stream().filter(l -> l.get(0)[0] == Long.parseLong(theirs.get(0)[1]))
                        .findFirst().orElseThrow(() -> new AssertionError(name + ": no connection starts at seq "
                                + theirs.get(0)[1]));
                assertEquals(theirs.size(), mine.size(), name + " stream " + c);
                boolean handshake = theirs.get(0)[5].equals("1") || theirs.get(0)[5].equals("True");
                for (int i = 0; i < theirs.size(); i++) {
                    String[] r = theirs.get(i);
                    long[] m = mine.get(i);
                    assertEquals(Long.parseLong(r[1]), m[0], name + " stream " + c + " packet " + i + " seq");
                    if (m[1] >= 0) {
                        assertEquals(Long.parseLong(r[2]), m[1], name + " stream " + c + " packet " + i + " ack");
                    }
                    assertEquals(Long.parseLong(r[3]), m[2], name + " payload");
                    if (handshake && !r[4].isEmpty()) {
                        assertEquals(Long.parseLong(r[4]), m[3], name + " stream " + c + " packet " + i + " window");
                    }
                    checked++;
                }
            }
            assertTrue(checked > 0);
        }
    }
}
