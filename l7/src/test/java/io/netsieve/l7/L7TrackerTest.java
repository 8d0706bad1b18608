package io.netsieve.l7;

import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The framework with a user protocol: detection by content across segments, registry order, timings, seqs. */
class L7TrackerTest {
    private static final long MS = 1_000_000L;

    /** "PING\n" answered by "PONG\n"; one exchange per line pair (a user protocol as users would write one). */
    static final class PingProtocol implements L7Protocol {
        @Override
        public String name() {
            return "ping";
        }

        @Override
        public boolean supports(Transport transport) {
            return transport == Transport.TCP;
        }

        @Override
        public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
            byte[] want = (direction == 0 ? "PING\n" : "PONG\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < Math.min(length, want.length); i++) {
                if (data.get(offset + i) != want[i]) {
                    return Detection.NO_MATCH;
                }
            }
            return length >= want.length ? Detection.MATCH : Detection.NEED_MORE;
        }

        @Override
        public L7Parser newParser(L7Context ctx) {
            return new L7Parser() {
                final List<L7Exchange> pending = new ArrayList<>();
                L7Exchange current;
                L7Exchange answering;

                @Override
                public void onData(int dir, ByteBuffer data, int offset, int length, long seq, long ts) {
                    for (int i = 0; i < length; i++) {
                        byte b = data.get(offset + i);
                        if (dir == 0) {
                            if (current == null) {
                                current = new L7Exchange();
                            }
                            current.request(seq + i, ts, 1);
                            if (b == '\n') {
                                pending.add(current);
                                current = null;
                            }
                        } else {
                            if (answering == null) {
                                answering = pending.isEmpty() ? new L7Exchange() : pending.remove(0);
                            }
                            answering.response(seq + i, ts, 1);
                            if (b == '\n') {
                                ctx.emit(answering, answering.hasRequest() ? L7Status.OK : L7Status.NO_REQUEST, null,
                                        null, Map.of("line", "PONG"), null);
                                answering = null;
                            }
                        }
                    }
                }

                @Override
                public void onGap(int dir, long seq, long length, long ts) {
                }

                @Override
                public void expire(long now) {
                }

                @Override
                public void onClose(long ts) {
                    for (L7Exchange x : pending) {
                        ctx.emit(x, L7Status.NO_RESPONSE, null, null, null, null);
                    }
                }
            };
        }
    }

    private static void send(StreamHandler h, int dir, String s, long seq, long ts) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        h.onData(dir, ByteBuffer.wrap(b), 0, b.length, seq, ts);
    }

    @Test
    void userProtocolDetectedByContentAcrossSegments() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add)
                .registry(L7Registry.builder().add(new PingProtocol()).addDefaults().build()).build();
        // port 80 hints HTTP; the content says ping
        StreamHandler h = t.streams().open(new StreamInfo(3, "198.18.0.1", 5000, "198.18.0.2", 80, true, "abc"));
        send(h, 0, "PI", 100, 10 * MS);     // not enough to decide
        send(h, 0, "NG\n", 102, 11 * MS);   // now it is ping: both segments go to the parser
        send(h, 1, "PONG\n", 900, 15 * MS);
        send(h, 0, "PING\n", 105, 20 * MS);
        h.onClose(30 * MS);
        assertEquals(2, logs.size());
        L7Log a = logs.get(0);
        assertEquals("ping", a.l7Proto());
        assertEquals(L7Status.OK, a.status());
        assertEquals("100_900", a.l7TraceId());
        assertEquals(100, a.reqSeq());
        assertEquals(900, a.respSeq());
        assertEquals(10 * MS, a.timestampNanos());
        assertEquals(1 * MS, a.costReqSentNanos());
        assertEquals(4 * MS, a.costRespWaitNanos());
        assertEquals(0, a.costCntDlNanos());
        assertEquals(5 * MS, a.latencyNanos());
        assertEquals(5, a.reqBytes());
        assertEquals("abc", a.innerTraceId());
        assertEquals(3, a.capturePointId());
        assertEquals("PONG", a.attributes().get("line"));
        assertEquals(L7Status.NO_RESPONSE, logs.get(1).status());
        assertEquals("105_0", logs.get(1).l7TraceId());
        L7Stats st = t.stats();
        assertEquals(1, st.connections());
        assertEquals(1, st.detected());
        assertEquals(2, st.records());
    }

    /**
     * The L4 join fields from {@code onSegment}: the capture point is the server ({@code clientIsSrc} false), so the
     * response is tx; packets counted per message from the segments overlapping its seq range, retransmissions
     * included and counted apart, bytes the message's, the chunk range over both messages; a segment that carries
     * the end of one request and the start of the next counts for both.
     */
    @Test
    void l4JoinFieldsFromSegments() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 5000, "198.18.0.2", 80, true, "j", false));
        String req1 = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"; // 28 bytes
        String req2 = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
        String resp = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"; // 42 bytes
        long c = 1000;
        long s = 5000;
        h.onSegment(0, c, 10, false, 0, 1 * MS);
        send(h, 0, req1.substring(0, 10), c, 1 * MS);
        h.onSegment(0, c, 10, true, 0, 2 * MS); // retransmission of the first segment: nothing new delivered
        h.onSegment(0, c + 10, 18 + 5, false, 1, 3 * MS); // the rest of req1 and the start of req2
        send(h, 0, req1.substring(10) + req2.substring(0, 5), c + 10, 3 * MS);
        h.onSegment(1, s, 30, false, 1, 4 * MS);
        send(h, 1, resp.substring(0, 30), s, 4 * MS);
        h.onSegment(1, s + 30, 12, false, 2, 5 * MS);
        send(h, 1, resp.substring(30), s + 30, 5 * MS);
        h.onSegment(0, c + 33, 23, false, 2, 6 * MS);
        send(h, 0, req2.substring(5), c + 33, 6 * MS);
        h.onSegment(1, s + 42, 42, false, 3, 7 * MS);
        send(h, 1, resp, s + 42, 7 * MS);
        h.onClose(8 * MS);
        assertEquals(2, logs.size());
        L7Log a = logs.get(0);
        assertEquals(L7Status.OK, a.status());
        assertEquals(false, a.requestIsTx());
        assertEquals(s, a.txSeq());
        assertEquals(c, a.rxSeq());
        assertEquals(3, a.rxPackets());
        assertEquals(1, a.rxRetrans());
        assertEquals(28, a.rxBytes());
        assertEquals(2, a.txPackets());
        assertEquals(0, a.txRetrans());
        assertEquals(42, a.txBytes());
        assertEquals(0, a.chunkIdMin());
        assertEquals(2, a.chunkIdMax());
        L7Log b = logs.get(1);
        assertEquals(c + 28, b.rxSeq());
        assertEquals(s + 42, b.txSeq());
        assertEquals(2, b.rxPackets()); // the shared segment and the last one
        assertEquals(0, b.rxRetrans());
        assertEquals(1, b.txPackets());
        assertEquals(1, b.chunkIdMin());
        assertEquals(3, b.chunkIdMax());
    }

    @Test
    void undetectedConnectionsAreCounted() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add)
                .config(L7Config.builder().detectionMaxBytes(8).build())
                .registry(L7Registry.builder().add(new PingProtocol()).build()).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "a", 1, "b", 2, true, "x"));
        send(h, 0, "SSH-2.0", 0, 0);
        h.onClose(1);
        StreamHandler p = t.streams().open(new StreamInfo(0, "a", 1, "b", 2, true, "x"));
        for (int i = 0; i < 10; i++) {
            send(p, 0, "P", i, i); // "PP" is no ping: undetected at the second byte, later bytes ignored
        }
        p.onClose(20);
        assertEquals(2, t.stats().undetected());
        assertEquals(0, logs.size());
        assertEquals(0, t.openConnections());
    }

    @Test
    void buildersRefuseSecondCalls() {
        assertThrows(IllegalStateException.class, () -> L7Tracker.builder().listener(l -> { }).listener(l -> { }));
        assertThrows(IllegalStateException.class, () -> L7Tracker.builder().build());
        assertThrows(IllegalStateException.class, () -> L7Registry.builder().addDefaults().add(L7Registry.dns()));
        assertThrows(IllegalArgumentException.class,
                () -> L7Config.builder().httpHeaderAllowlist(java.util.Set.of("Cookie")));
    }
}
