package io.netsieve.l7.dns;

import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Stats;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad DNS input ends in typed, counted outcomes: pointer loops, lying counts, garbage, timeouts, TCP gaps. */
class DnsMalformedTest {
    private static final StreamInfo FLOW = new StreamInfo(0, "198.18.0.1", 40000, "198.18.0.2", 5300, false, "t");
    private static final long S = 1_000_000_000L;

    private final List<L7Log> logs = new ArrayList<>();
    private final L7Tracker tracker = L7Tracker.builder().listener(logs::add)
            .config(L7Config.builder().responseTimeout(Duration.ofSeconds(5)).build()).build();

    /** A message: header, one question {@code name}/A/IN, then {@code tail} (answers, raw). */
    static byte[] message(int id, int flags, int an, String name, byte[] tail) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int[] h = {id, flags, 1, an, 0, 0};
        for (int v : h) {
            b.write(v >> 8);
            b.write(v);
        }
        for (String label : name.split("\\.")) {
            b.write(label.length());
            b.writeBytes(label.getBytes());
        }
        b.write(0);
        b.writeBytes(new byte[] {0, 1, 0, 1});
        b.writeBytes(tail);
        return b.toByteArray();
    }

    /** An A answer whose owner name is a pointer to the question name (offset 12). */
    static byte[] answerA(int ttl) {
        return new byte[] {(byte) 0xc0, 12, 0, 1, 0, 1, (byte) (ttl >> 24), (byte) (ttl >> 16), (byte) (ttl >> 8),
                (byte) ttl, 0, 4, (byte) 198, 18, 0, 9};
    }

    private static void send(DatagramHandler h, int dir, byte[] m, long ts) {
        h.onDatagram(dir, ByteBuffer.wrap(m), 0, m.length, m.length, ts);
    }

    @Test
    void answerAndTtlParsed() {
        DatagramHandler h = tracker.datagrams().open(FLOW);
        send(h, 0, message(7, 0x0100, 0, "example.com", new byte[0]), S);
        send(h, 1, message(7, 0x8180, 1, "example.com", answerA(300)), S + 2_000_000);
        assertEquals(1, logs.size());
        L7Log log = logs.get(0);
        assertEquals(L7Status.OK, log.status());
        assertEquals(2_000_000, log.latencyNanos());
        assertEquals("7_example.com", log.l7TraceId());
        assertEquals(1, log.dns().answers().size());
        assertEquals("198.18.0.9", log.dns().answers().get(0).data());
        assertEquals(300, log.dns().answers().get(0).ttl());
        assertEquals("example.com", log.dns().answers().get(0).name());
        assertNull(log.dns().malformed());
    }

    @Test
    void pointerLoopAndLyingCountsAreMalformed() {
        DatagramHandler h = tracker.datagrams().open(FLOW);
        send(h, 0, message(1, 0x0100, 0, "a.example", new byte[0]), S);
        // the answer's owner name points at itself (offset of the answer = end of the question)
        byte[] q = message(1, 0x8180, 1, "a.example", new byte[0]);
        int self = q.length;
        byte[] loop = message(1, 0x8180, 1, "a.example",
                new byte[] {(byte) 0xc0, (byte) self, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
        send(h, 1, loop, S + 1000);
        send(h, 0, message(2, 0x0100, 0, "b.example", new byte[0]), S + 2000);
        send(h, 1, message(2, 0x8180, 50, "b.example", answerA(1)), S + 3000); // 50 answers announced, 1 present
        // two pointers that point at each other
        send(h, 0, message(3, 0x0100, 0, "c.example", new byte[0]), S + 4000);
        byte[] base = message(3, 0x8180, 1, "c.example", new byte[0]);
        int at = base.length;
        send(h, 1, message(3, 0x8180, 1, "c.example", new byte[] {(byte) 0xc0, (byte) (at + 2), (byte) 0xc0,
                (byte) at, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4}), S + 5000);
        assertEquals(3, logs.size());
        for (L7Log log : logs) {
            assertEquals(L7Status.RESPONSE_MALFORMED, log.status());
        }
        assertTrue(logs.get(0).dns().malformed().contains("compression pointer loop"), logs.get(0).dns().malformed());
        assertTrue(logs.get(1).dns().malformed().contains("past the end"), logs.get(1).dns().malformed());
        assertTrue(logs.get(2).dns().malformed().contains("compression pointer loop"), logs.get(2).dns().malformed());
        assertEquals(3, tracker.stats().responseMalformed());
    }

    @Test
    void queryWithoutAnswerTimesOut() {
        DatagramHandler h = tracker.datagrams().open(FLOW);
        send(h, 0, message(9, 0x0100, 0, "slow.example", new byte[0]), S);
        tracker.advanceTime(S + 4 * S);
        assertTrue(logs.isEmpty(), "not yet: the timeout is 5 s");
        tracker.advanceTime(S + 5 * S);
        assertEquals(1, logs.size());
        assertEquals(L7Status.NO_RESPONSE, logs.get(0).status());
        assertEquals(-1, logs.get(0).dns().rcode());
        assertEquals(-1, logs.get(0).latencyNanos());
        // a late answer then has no query any more
        send(h, 1, message(9, 0x8180, 1, "slow.example", answerA(5)), S + 7 * S);
        assertEquals(L7Status.NO_REQUEST, logs.get(1).status());
        // a query pending at the end of the flow is emitted as no response
        send(h, 0, message(10, 0x0100, 0, "end.example", new byte[0]), S + 8 * S);
        h.onClose(S + 9 * S);
        assertEquals(L7Status.NO_RESPONSE, logs.get(2).status());
        assertEquals(0, tracker.openConnections());
    }

    @Test
    void garbageDatagramsNeverThrow() {
        DatagramHandler h = tracker.datagrams().open(FLOW);
        send(h, 0, message(1, 0x0100, 0, "x.example", new byte[0]), S);
        SplittableRandom random = new SplittableRandom(42);
        byte[] valid = message(5, 0x8180, 1, "x.example", answerA(60));
        for (int i = 0; i < 20_000; i++) {
            byte[] m;
            if (i % 2 == 0) {
                m = new byte[random.nextInt(0, 600)];
                random.nextBytes(m);
            } else { // a valid response with a few bytes flipped
                m = valid.clone();
                for (int k = 0; k < 3; k++) {
                    m[random.nextInt(m.length)] = (byte) random.nextInt(256);
                }
            }
            send(h, random.nextInt(2), m, S + i * 1000L);
        }
        h.onClose(S + 30 * S);
        L7Stats st = tracker.stats();
        assertEquals(0, st.parserFailures());
        assertEquals(st.records(), logs.size());
        assertEquals(st.records(), st.ok() + st.noResponse() + st.requestMalformed() + st.responseMalformed()
                + st.noRequest());
        assertTrue(st.responseMalformed() + st.requestMalformed() > 100, st.toString());
    }

    @Test
    void tcpFramingAcrossSegmentsAndAfterGap() {
        StreamInfo conn = new StreamInfo(0, "198.18.0.1", 40001, "198.18.0.2", 53, true, "t2");
        StreamHandler h = tracker.streams().open(conn);
        byte[] q1 = framed(message(1, 0x0100, 0, "one.example", new byte[0]));
        byte[] r1 = framed(message(1, 0x8180, 1, "one.example", answerA(1)));
        // the query split 1 byte + rest, the response byte by byte
        h.onData(0, ByteBuffer.wrap(q1), 0, 1, 1000, S);
        h.onData(0, ByteBuffer.wrap(q1), 1, q1.length - 1, 1001, S + 10);
        for (int i = 0; i < r1.length; i++) {
            h.onData(1, ByteBuffer.wrap(r1), i, 1, 5000 + i, S + 100 + i);
        }
        assertEquals(1, logs.size());
        assertEquals(L7Status.OK, logs.get(0).status());
        assertEquals("1000_5000", logs.get(0).l7TraceId());
        assertEquals(S + 100 + r1.length - 1 - S, logs.get(0).latencyNanos());
        // a second query, then half of its response and a gap: the framer resynchronises on the next segment
        byte[] q2 = framed(message(2, 0x0100, 0, "two.example", new byte[0]));
        byte[] r2 = framed(message(2, 0x8180, 1, "two.example", answerA(1)));
        byte[] q3 = framed(message(3, 0x0100, 0, "three.example", new byte[0]));
        byte[] r3 = framed(message(3, 0x8180, 1, "three.example", answerA(1)));
        h.onData(0, ByteBuffer.wrap(q2), 0, q2.length, 1000 + q1.length, 2 * S);
        h.onData(1, ByteBuffer.wrap(r2), 0, 10, 5000 + r1.length, 2 * S + 1);
        h.onGap(1, 5000 + r1.length + 10, r2.length - 10, 2 * S + 2);
        h.onData(0, ByteBuffer.wrap(q3), 0, q3.length, 1000 + q1.length + q2.length, 3 * S);
        h.onData(1, ByteBuffer.wrap(r3), 0, r3.length, 5000 + r1.length + r2.length, 3 * S + 1);
        h.onClose(4 * S);
        assertEquals(3, logs.size());
        assertEquals(3, logs.get(1).dns().id());
        assertEquals(L7Status.OK, logs.get(1).status());
        assertEquals(2, logs.get(2).dns().id());
        assertEquals(L7Status.NO_RESPONSE, logs.get(2).status());
        assertEquals(1, tracker.stats().gaps());
        assertEquals(r2.length - 10 + 10, tracker.stats().lostBytes());
    }

    static byte[] framed(byte[] m) {
        byte[] f = new byte[m.length + 2];
        f[0] = (byte) (m.length >> 8);
        f[1] = (byte) m.length;
        System.arraycopy(m, 0, f, 2, m.length);
        return f;
    }
}
