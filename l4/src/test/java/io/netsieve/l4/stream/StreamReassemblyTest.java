package io.netsieve.l4.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reassembly edge cases on hand-built Ethernet/IPv4/TCP frames (expected streams written out by hand). */
class StreamReassemblyTest {
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int RST = 0x04;

    /** Records deliveries as text events. */
    static final class Events implements StreamHandler {
        final List<String> events = new ArrayList<>();
        final StringBuilder[] text = {new StringBuilder(), new StringBuilder()};

        @Override
        public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
            byte[] b = new byte[length];
            data.get(offset, b);
            String s = new String(b, StandardCharsets.US_ASCII);
            text[direction].append(s);
            events.add("data " + direction + " " + seq + " " + s);
        }

        @Override
        public void onGap(int direction, long seq, long length, long ts) {
            events.add("gap " + direction + " " + seq + " " + length);
        }

        @Override
        public void onEnd(int direction, long ts) {
            events.add("end " + direction);
        }

        @Override
        public void onClose(long ts) {
            events.add("close");
        }
    }

    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket decoded = new DecodedPacket();
    private long time = 1_000_000_000L;

    /** client 198.18.0.1:40000 <-> server 198.18.0.2:80 */
    private static byte[] frame(boolean fromClient, long seq, long ack, int flags, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + data.length);
        b.put(new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + data.length)).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0);
        byte[] c = {(byte) 198, 18, 0, 1};
        byte[] s = {(byte) 198, 18, 0, 2};
        b.put(fromClient ? c : s).put(fromClient ? s : c);
        b.putShort((short) (fromClient ? 40000 : 80)).putShort((short) (fromClient ? 80 : 40000));
        b.putInt((int) seq).putInt((int) ack).put((byte) 0x50).put((byte) flags).putShort((short) 65535)
                .putShort((short) 0).putShort((short) 0);
        b.put(data);
        return b.array();
    }

    private void send(L4Tracker t, boolean fromClient, long seq, long ack, int flags, String payload) {
        byte[] f = frame(fromClient, seq & 0xffffffffL, ack & 0xffffffffL, flags, payload);
        PacketView v = new PacketView().wrap(f, 0, f.length, f.length, time, LinkType.ETHERNET, 0);
        time += 1_000_000;
        decoder.decode(v, decoded);
        t.onPacket(decoded);
    }

    private static L4Tracker tracker(Events e, L4Config config) {
        return L4Tracker.builder().config(config).listener(log -> { }).streams(info -> e).build();
    }

    @Test
    void inOrderWithHandshakeAndClose() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.defaults());
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, true, 101, 501, ACK | PSH, "GET / ");
        send(t, false, 501, 107, ACK | PSH, "200 OK");
        send(t, true, 107, 507, ACK | FIN, "");
        send(t, false, 507, 108, ACK | FIN, "");
        send(t, true, 108, 508, ACK, "");
        t.flush();
        assertEquals(List.of("data 0 101 GET / ", "data 1 501 200 OK", "end 0", "end 1", "close"), e.events);
        StreamStats s = t.streamStats();
        assertEquals(12, s.deliveredBytes());
        assertEquals(0, s.gaps());
    }

    @Test
    void outOfOrderSegmentsAreDeliveredInOrderAndOverlapsOnce() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.defaults());
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, true, 111, 501, ACK, "klmno");      // [111, 116) ahead of a hole
        send(t, true, 106, 501, ACK, "fghij");      // [106, 111) still ahead
        send(t, true, 101, 501, ACK, "abcde");      // fills the hole: all three delivered
        send(t, true, 104, 501, ACK, "defgh");      // retransmission overlapping delivered bytes
        send(t, true, 114, 501, ACK, "nopqr");      // overlaps the end: only "pqr" is new
        t.flush();
        assertEquals("abcdefghijklmnopqr", e.text[0].toString());
        StreamStats s = t.streamStats();
        assertEquals(2, s.outOfOrderSegments());
        assertEquals(5 + 2, s.duplicateBytes());
        assertEquals(0, s.gaps());
    }

    @Test
    void sequenceNumbersWrapAround() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.defaults());
        long isn = 0xfffffffdL;
        send(t, true, isn, 0, SYN, "");                           // data starts at 0xfffffffe
        send(t, false, 500, isn + 1, SYN | ACK, "");
        send(t, true, 0x00000002L, 501, ACK, "cdef");           // after the wrap, ahead of "ab"+"??"
        send(t, true, 0xfffffffeL, 501, ACK, "ab??");           // crosses 2^32: fills the hole
        t.flush();
        assertEquals("ab??cdef", e.text[0].toString());
        assertEquals(0, t.streamStats().gaps());
    }

    @Test
    void bytesTheServerAcknowledgedButWeNeverSawAreAGap() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.defaults());
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, true, 101, 501, ACK, "01234");
        // [106, 111) lost before the capture point
        send(t, true, 111, 501, ACK, "ABCDE");
        send(t, false, 501, 116, ACK, "");                        // the server has everything
        send(t, true, 116, 501, ACK, "xyz");
        t.flush();
        assertEquals(List.of("data 0 101 01234", "gap 0 106 5", "data 0 111 ABCDE", "data 0 116 xyz", "close"),
                e.events);
        StreamStats s = t.streamStats();
        assertEquals(1, s.gaps());
        assertEquals(5, s.missedBytes());
    }

    @Test
    void theOutOfOrderBufferIsBoundedAndGivesUpTheHole() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.builder().reassemblyMaxBytesPerFlow(8).build());
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, true, 111, 501, ACK, "12345");                   // 5 bytes buffered
        send(t, true, 116, 501, ACK, "67890");                   // 10 > 8: give up [101, 111)
        t.flush();
        assertEquals(List.of("gap 0 101 10", "data 0 111 12345", "data 0 116 67890", "close"), e.events);
        assertEquals(1, t.streamStats().bufferOverflows());
    }

    @Test
    void holesLeftAtTheEndAreReportedBeforeTheBufferedBytes() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.defaults());
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, true, 104, 501, ACK, "defg");
        t.flush();
        assertEquals(List.of("gap 0 101 3", "data 0 104 defg", "close"), e.events);
    }

    @Test
    void aResetEndsTheStreamsAndItsDiagnosticPayloadIsDelivered() {
        Events e = new Events();
        L4Tracker t = tracker(e, L4Config.defaults());
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, false, 501, 101, RST | ACK, "bye");
        send(t, true, 101, 504, ACK, "late");                    // after the reset: ignored
        t.flush();
        assertEquals(List.of("data 1 501 bye", "close"), e.events);
    }

    @Test
    void aFailingHandlerIsCountedAndDropped() {
        L4Tracker t = L4Tracker.builder().config(L4Config.defaults()).listener(log -> { })
                .streams(info -> (direction, data, offset, length, seq, ts) -> {
                    throw new IllegalStateException("parser bug");
                }).build();
        send(t, true, 100, 0, SYN, "");
        send(t, false, 500, 101, SYN | ACK, "");
        send(t, true, 101, 501, ACK, "one");
        send(t, true, 104, 501, ACK, "two");
        t.flush();
        assertEquals(1, t.streamStats().handlerFailures());
        assertTrue(t.stats().records() > 0, "the L4 records are unaffected");
    }
}
