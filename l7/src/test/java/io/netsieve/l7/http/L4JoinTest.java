package io.netsieve.l7.http;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.L4Join;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The L4/L7 join fields of every HTTP exchange against tshark, on the corpus HTTP captures and the lab set.
 *
 * <p>For each request and each response: the first packet found through L4 ({@code L4Log.packetAtSeq} on the
 * records of the exchange's {@code inner_traceid} and chunk range, with {@code req_seq}/{@code resp_seq} and the
 * side {@code tx_seq}/{@code rx_seq} name) is the first frame tshark gives the message (the first of its
 * {@code tcp.segments}, or the {@code http.request}/{@code http.response} frame itself when it was not reassembled),
 * compared by capture time and {@code tcp.seq_raw}. The packet count of the message's direction minus its
 * retransmissions equals tshark's segment count ({@code tcp.segment.count}, 1 when not reassembled: tshark's
 * reassembly keeps one copy of each byte, so it lists no retransmission), and the byte count equals
 * {@code tcp.reassembled.length} (or {@code tcp.len} for a one-segment message that fills its frame; less the HTTP/2
 * frames, {@code http2.length} + 9 bytes each, that follow an upgrade's 101 in its frame). Frames that
 * hold more than one HTTP message (pipelining) are compared by first frame only.
 */
class L4JoinTest {

    @TestFactory
    Stream<DynamicTest> corpus() {
        Prerequisites.requireCommand("tshark");
        return Stream.of("ipv4_tcp_http_xml.pcap", "ipv4_tcp_http_xml_tso.pcap", "accecn_handshake.pcap",
                        "print-flags.pcap")
                .map(n -> DynamicTest.dynamicTest(n, () -> compare(Prerequisites.tcpdumpCorpus().resolve(n))));
    }

    @Test
    void labCaptureSet() throws Exception {
        Prerequisites.requireCommand("tshark");
        Lab lab = Lab.shared();
        List<Path> files;
        try (Stream<Path> s = Files.list(lab.dir())) {
            files = s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        int messages = 0;
        for (Path f : files) {
            messages += compare(f);
        }
        assertTrue(messages >= 20, "HTTP messages joined in the lab set: " + messages);
    }

    /** A message as tshark sees it: its first frame (time, raw seq), segment count, length; -1 when not checked. */
    private record Message(String first, int segments, long bytes) {
    }

    static int compare(Path file) throws Exception {
        // every TCP frame: time and raw seq
        Map<String, String> frameKey = new HashMap<>();
        Map<String, Long> frameLen = new HashMap<>();
        for (String[] row : Tshark.fields(file, List.of("frame.number", "frame.time_epoch", "tcp.seq_raw",
                "tcp.len"), "-Y", "tcp").rows()) {
            frameKey.put(row[0], Tshark.epochNanos(row[1]) + "@" + row[2]);
            frameLen.put(row[0], Long.parseLong(row[3]));
        }
        List<Message> want = new ArrayList<>();
        for (String[] row : Tshark.fields(file, List.of("frame.number", "http.request.method", "http.response.code",
                "tcp.segment", "tcp.reassembled.length", "tcp.seq_raw", "http2.length"),
                "-Y", "http.request || http.response").rows()) {
            int inFrame = count(row[1]) + count(row[2]);
            String[] segments = row[3].isEmpty() ? new String[] {row[0]} : row[3].split(",");
            String first = frameKey.get(segments[0]);
            if (inFrame != 1) {
                for (int i = 0; i < inFrame; i++) {
                    want.add(new Message(i == 0 ? first : frameKey.get(row[0]), -1, -1));
                }
                continue;
            }
            long bytes = row[4].isEmpty() ? frameLen.get(row[0]) : Long.parseLong(row[4].split(",")[0]);
            if (row[4].isEmpty() && !row[6].isEmpty()) {
                for (String h2 : row[6].split(",")) { // h2c after a 101 in the same frame: not the message's bytes
                    bytes -= Long.parseLong(h2) + 9;
                }
            }
            want.add(new Message(first, segments.length, bytes));
        }

        // ours
        List<L7Log> logs = new ArrayList<>();
        Map<String, List<L4Log>> l4 = new HashMap<>();
        L7Tracker l7t = L7Tracker.builder().listener(logs::add).build();
        L4Tracker l4t = L4Tracker.builder()
                .listener(log -> l4.computeIfAbsent(log.innerTraceId(), k -> new ArrayList<>()).add(log))
                .streams(l7t.streams()).datagrams(l7t.datagrams()).build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                decoder.decode(view, d);
                l4t.onPacket(d);
            }
        }
        l4t.flush();
        Map<String, Message> oursByFirst = new HashMap<>();
        List<String> oursFirst = new ArrayList<>();
        for (L7Log log : logs) {
            if (!"http".equals(log.l7Proto())) {
                continue;
            }
            // a request and a response tshark shows: complete messages (ours: not cut, not unparsable)
            if (log.reqSeq() >= 0 && log.status() != L7Status.REQUEST_MALFORMED) {
                boolean tx = log.requestIsTx();
                String first = firstPacket(log, l4.get(log.innerTraceId()), tx, true);
                oursFirst.add(first);
                oursByFirst.put(first, new Message(first, (int) ((tx ? log.txPackets() - log.txRetrans()
                        : log.rxPackets() - log.rxRetrans())), tx ? log.txBytes() : log.rxBytes()));
            }
            if (log.respSeq() >= 0 && (log.status() == L7Status.OK || log.status() == L7Status.NO_REQUEST)) {
                boolean tx = log.txSeq() == log.respSeq();
                assertEquals(tx ? log.txSeq() : log.rxSeq(), log.respSeq());
                assertEquals(!log.requestIsTx() || log.reqSeq() < 0, tx);
                String first = firstPacket(log, l4.get(log.innerTraceId()), tx, false);
                oursFirst.add(first);
                oursByFirst.put(first, new Message(first, (int) ((tx ? log.txPackets() - log.txRetrans()
                        : log.rxPackets() - log.rxRetrans())), tx ? log.txBytes() : log.rxBytes()));
            }
        }
        List<String> wantFirst = new ArrayList<>();
        for (Message m : want) {
            wantFirst.add(m.first());
        }
        Collections.sort(wantFirst);
        List<String> sortedOurs = new ArrayList<>(oursFirst);
        Collections.sort(sortedOurs);
        String name = file.getFileName().toString();
        assertEquals(wantFirst, sortedOurs, name + ": first frames of the HTTP messages");
        int counted = 0;
        for (Message m : want) {
            if (m.segments() < 0) {
                continue;
            }
            Message ours = oursByFirst.get(m.first());
            assertEquals(m, ours, name + ": segments and bytes of the message starting at " + m.first());
            counted++;
        }
        System.out.println("[join] " + name + ": " + want.size() + " HTTP messages, first packet through L4 as "
                + "tshark's first frame; " + counted + " with tshark's segment and byte counts");
        return want.size();
    }

    /** The message's first packet through L4 ({@link L4Join}), as "time@raw seq". */
    private static String firstPacket(L7Log log, List<L4Log> chunks, boolean tx, boolean request) {
        long seq = request ? log.reqSeq() : log.respSeq();
        assertTrue(chunks != null, "no L4 record for inner_traceid " + log.innerTraceId());
        assertTrue(log.chunkIdMin() >= 0 && log.chunkIdMax() >= log.chunkIdMin(), "chunk range of " + log);
        for (L4Log c : chunks) {
            if (c.chunkId() < log.chunkIdMin() || c.chunkId() > log.chunkIdMax()) {
                continue;
            }
            int i = request ? L4Join.requestStart(log, c) : L4Join.responseStart(log, c);
            assertEquals(i, c.packetAtSeq(tx, seq) >= 0 && c.packets().payloadSize(c.packetAtSeq(tx, seq)) > 0
                    ? c.packetAtSeq(tx, seq) : -1);
            if (i >= 0) {
                long abs = (c.packets().seq(i) + (tx ? c.txSeqPos() : c.rxSeqPos())) & 0xffffffffL;
                return (c.timeNanos() + c.packets().tsOffset(i)) + "@" + abs;
            }
        }
        throw new AssertionError("seq " + seq + " not in chunks " + log.chunkIdMin() + ".." + log.chunkIdMax()
                + " of " + log);
    }

    private static int count(String field) {
        return field.isEmpty() ? 0 : field.split(",").length;
    }
}
