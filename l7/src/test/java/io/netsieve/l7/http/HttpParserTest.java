package io.netsieve.l7.http;

import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Stats;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/1.x message framing and pairing on streams written byte for byte (what each case is about is in its name),
 * the segmentation property (any segment boundaries give the same records) and bad input.
 */
class HttpParserTest {
    private static final long REQ_ISN = 1000;
    private static final long RESP_ISN = 900_000;

    /** One direction's piece of a conversation, in the order the two sides sent them. */
    record Piece(int direction, String text) {
    }

    /** A keep-alive connection with pipelining, chunked bodies, HEAD, 204, 304, 100-continue and a close. */
    static List<Piece> conversation() {
        return List.of(
                new Piece(0, "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n"
                        + "Authorization: Bearer secret\r\nCookie: s=1\r\n"
                        + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
                        + "X-Request-Id: r-1\r\n\r\n"),
                new Piece(1, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                        + "Set-Cookie: s=2\r\n\r\nhello"),
                // two pipelined requests, one with a chunked body
                new Piece(0, "POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\nHEAD /head HTTP/1.1\r\nHost: example.com\r\n"
                        + "b3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\n\r\n"),
                new Piece(1, "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
                new Piece(0, "DELETE /thing HTTP/1.1\r\nHost: example.com\r\n\r\n"),
                new Piece(1, "HTTP/1.1 204 No Content\r\n\r\n"),
                new Piece(0, "GET /cached HTTP/1.1\r\nHost: example.com\r\nIf-None-Match: \"x\"\r\n\r\n"),
                new Piece(1, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"),
                new Piece(0, "PUT /big HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\n"
                        + "Content-Length: 3\r\n\r\n"),
                new Piece(1, "HTTP/1.1 100 Continue\r\n\r\n"),
                new Piece(0, "xyz"),
                new Piece(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                new Piece(0, "GET /last HTTP/1.0\r\n\r\n"),
                new Piece(1, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>until the close</html>"));
    }

    /** Feeds the pieces cut at random boundaries (or whole when {@code random} is null), then ends and closes. */
    static List<L7Log> feed(List<Piece> pieces, SplittableRandom random, L7Tracker tracker) {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = tracker != null ? tracker : L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(1, "198.18.0.1", 40000, "198.18.0.2", 8080, true, "it"));
        long[] seq = {REQ_ISN, RESP_ISN};
        long ts = 1_000_000;
        for (Piece p : pieces) {
            byte[] b = p.text.getBytes(StandardCharsets.ISO_8859_1);
            int at = 0;
            while (at < b.length) {
                int n = random == null ? b.length : 1 + random.nextInt(b.length - at);
                h.onData(p.direction, ByteBuffer.wrap(b), at, n, seq[p.direction], ts);
                seq[p.direction] += n;
                at += n;
                ts += 1_000;
            }
        }
        h.onEnd(1, ts);
        h.onEnd(0, ts);
        h.onClose(ts);
        return logs;
    }

    @Test
    void keepAlivePipeliningChunkedHeadNoBodyInformationalAndClose() {
        List<L7Log> logs = feed(conversation(), null, null);
        assertEquals(7, logs.size(), logs.toString());
        for (L7Log l : logs) {
            assertEquals(L7Status.OK, l.status(), l.toString());
        }
        HttpInfo a = logs.get(0).http();
        assertEquals("GET", a.method());
        assertEquals("/a/b", a.path());
        assertEquals("x=1&y=2", a.query());
        assertEquals("HTTP/1.1", a.version());
        assertEquals("example.com", a.host());
        assertEquals(200, a.statusCode());
        assertEquals("OK", a.reason());
        assertEquals("text/plain", a.contentType());
        assertEquals("t/1", a.userAgent());
        assertEquals("0af7651916cd43dd8448eb211c80319c", a.traceId());
        assertEquals("b7ad6b7169203331", a.parentId());
        assertEquals("r-1", a.requestId());
        assertEquals(5, a.respBodyBytes());
        assertFalse(a.headers().containsKey("authorization"));
        assertFalse(a.headers().containsKey("cookie"));
        assertFalse(a.headers().containsKey("set-cookie"));
        assertEquals("example.com", a.headers().get("host"));
        assertEquals(REQ_ISN + "_" + RESP_ISN, logs.get(0).l7TraceId());
        assertEquals(REQ_ISN, logs.get(0).reqSeq());

        HttpInfo post = logs.get(1).http();
        assertEquals("POST", post.method());
        assertEquals(201, post.statusCode());
        assertEquals(7, post.reqBodyBytes()); // decoded chunk payload
        assertEquals(2, post.respBodyBytes());
        // the second request's seq: right after the first request's bytes
        String first = conversation().get(0).text;
        assertEquals(REQ_ISN + first.length(), logs.get(1).reqSeq());
        String firstResp = conversation().get(1).text;
        assertEquals(RESP_ISN + firstResp.length(), logs.get(1).respSeq());

        HttpInfo head = logs.get(2).http();
        assertEquals("HEAD", head.method());
        assertEquals(200, head.statusCode());
        assertEquals(0, head.respBodyBytes()); // Content-Length 1234 announces the GET's body, none follows
        assertEquals("80f198ee56343ba864fe8b2a57d3eff7", head.traceId());
        assertEquals("e457b5a2e4d86bd1", head.parentId());

        assertEquals(204, logs.get(3).http().statusCode());
        assertEquals(304, logs.get(4).http().statusCode());
        assertEquals(0, logs.get(4).http().respBodyBytes());
        HttpInfo put = logs.get(5).http();
        assertEquals(200, put.statusCode());
        assertEquals(1, put.informational());
        assertEquals(3, put.reqBodyBytes());
        HttpInfo last = logs.get(6).http();
        assertEquals("HTTP/1.0", last.version());
        assertEquals("<html>until the close</html>".length(), last.respBodyBytes());
        assertNull(last.host());
    }

    /** The same conversation cut at random boundaries (1 byte up to whole pieces) gives the same records. */
    @Test
    void segmentationDoesNotChangeRecords() {
        List<String> whole = texts(feed(conversation(), null, null));
        SplittableRandom seeds = new SplittableRandom(20261126);
        for (int run = 0; run < 300; run++) {
            long seed = seeds.nextLong();
            List<String> cut = texts(feed(conversation(), new SplittableRandom(seed), null));
            assertEquals(whole, cut, "seed " + seed);
        }
        // one byte per segment
        List<Piece> bytes = new ArrayList<>();
        for (Piece p : conversation()) {
            for (char c : p.text.toCharArray()) {
                bytes.add(new Piece(p.direction, String.valueOf(c)));
            }
        }
        assertEquals(whole, texts(feed(bytes, null, null)));
    }

    /** Every record field that does not depend on capture times. */
    private static List<String> texts(List<L7Log> logs) {
        List<String> t = new ArrayList<>();
        for (L7Log l : logs) {
            t.add(l.status() + " " + l.l7TraceId() + " " + l.reqSeq() + " " + l.respSeq() + " " + l.reqBytes() + " "
                    + l.respBytes() + " " + l.http());
        }
        return t;
    }

    @Test
    void binaryGarbageOnPort80IsUndetected() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        byte[] junk = new byte[4096];
        new SplittableRandom(7).nextBytes(junk);
        junk[0] = (byte) 0x80; // not a method's first letter nor 'H'
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 1, "198.18.0.2", 80, true, "g"));
        h.onData(0, ByteBuffer.wrap(junk), 0, junk.length, 1, 1);
        h.onData(1, ByteBuffer.wrap(junk), 0, junk.length, 1, 2);
        h.onClose(3);
        assertTrue(logs.isEmpty());
        assertEquals(1, t.stats().undetected());
    }

    @Test
    void megabyteHeaderIsUnparsableRequest() {
        StringBuilder big = new StringBuilder("GET /big HTTP/1.1\r\nHost: h\r\nX-Big: ");
        big.append("a".repeat(1 << 20)).append("\r\n\r\n");
        List<L7Log> logs = feed(List.of(new Piece(0, big.toString()),
                new Piece(1, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n"),
                new Piece(0, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n"),
                new Piece(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")), new SplittableRandom(3), null);
        assertEquals(2, logs.size(), logs.toString());
        assertEquals(L7Status.REQUEST_MALFORMED, logs.get(0).status());
        assertEquals(-1, logs.get(0).http().statusCode());
        // the direction resynchronised on the next request line
        assertEquals(L7Status.OK, logs.get(1).status());
        assertEquals("/after", logs.get(1).http().path());
    }

    @Test
    void endlessChunkedBodyEndsAtCloseAsCutResponse() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 1, "198.18.0.2", 80, true, "e"));
        byte[] req = "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(0, ByteBuffer.wrap(req), 0, req.length, 1, 1);
        byte[] head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(1, ByteBuffer.wrap(head), 0, head.length, 1, 2);
        byte[] chunk = ("4000\r\n" + "z".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long seq = 1 + head.length;
        long before = usedHeap();
        for (int i = 0; i < 20_000; i++) { // 320 MB of body
            h.onData(1, ByteBuffer.wrap(chunk), 0, chunk.length, seq, 3 + i);
            seq += chunk.length;
        }
        assertTrue(usedHeap() - before < 64 << 20, "the body is counted, not kept");
        assertTrue(logs.isEmpty());
        h.onClose(1_000_000);
        assertEquals(1, logs.size());
        assertEquals(L7Status.RESPONSE_MALFORMED, logs.get(0).status());
        assertEquals(-2, logs.get(0).http().statusCode());
        assertEquals(20_000L * 0x4000, logs.get(0).http().respBodyBytes());
    }

    private static long usedHeap() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    @Test
    void responseWithoutRequest() {
        List<L7Log> logs = feed(List.of(new Piece(1, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno")),
                null, null);
        assertEquals(1, logs.size());
        assertEquals(L7Status.NO_REQUEST, logs.get(0).status());
        assertEquals(404, logs.get(0).http().statusCode());
        assertEquals(-1, logs.get(0).reqSeq());
        assertEquals(RESP_ISN, logs.get(0).respSeq());
    }

    @Test
    void unparsableResponseAndSmuggling() {
        List<L7Log> logs = feed(List.of(
                new Piece(0, "POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n"),
                new Piece(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                new Piece(0, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"),
                new Piece(1, "HTTP/1.1 abc\r\nContent-Length: zz\r\n\r\n")), null, null);
        assertEquals(2, logs.size(), logs.toString());
        // netty refuses Content-Length with Transfer-Encoding (RFC 9112 §6.3): unparsable, flagged
        assertTrue(logs.get(0).http().smuggling(), logs.get(0).toString());
        assertEquals(L7Status.REQUEST_MALFORMED, logs.get(0).status());
        assertEquals(-1, logs.get(0).http().statusCode());
        assertEquals(L7Status.RESPONSE_MALFORMED, logs.get(1).status());
        assertEquals(-2, logs.get(1).http().statusCode());
        assertEquals("/x", logs.get(1).http().path());
    }

    @Test
    void requestWithoutResponseTimesOut() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 1, "198.18.0.2", 80, true, "n"));
        byte[] req = "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(0, ByteBuffer.wrap(req), 0, req.length, 1, 1_000_000_000L);
        t.advanceTime(10_000_000_000L);
        assertTrue(logs.isEmpty());
        t.advanceTime(11_000_000_000L);
        assertEquals(1, logs.size());
        assertEquals(L7Status.NO_RESPONSE, logs.get(0).status());
        assertEquals(0, logs.get(0).http().statusCode());
        // the late response is consumed in order (the next request pairs with the next response), not recorded again
        byte[] late = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(1, ByteBuffer.wrap(late), 0, late.length, 1, 11_500_000_000L);
        byte[] next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(0, ByteBuffer.wrap(next), 0, next.length, 1 + req.length, 11_600_000_000L);
        byte[] nextResp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(1, ByteBuffer.wrap(nextResp), 0, nextResp.length, 1 + late.length, 11_700_000_000L);
        h.onClose(12_000_000_000L);
        assertEquals(2, logs.size(), "the slow request emitted once");
        assertEquals("/next", logs.get(1).http().path());
        assertEquals(404, logs.get(1).http().statusCode());
        L7Stats st = t.stats();
        assertEquals(1, st.noResponse());
        assertEquals(1, st.lateResponses());
    }

    @Test
    void gapInResponseResynchronises() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 1, "198.18.0.2", 80, true, "g"));
        byte[] r1 = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(0, ByteBuffer.wrap(r1), 0, r1.length, 1, 1);
        byte[] a = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".getBytes(StandardCharsets.US_ASCII);
        h.onData(1, ByteBuffer.wrap(a), 0, a.length, 1, 2);
        h.onGap(1, 1 + a.length, 90, 3);
        byte[] b = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        h.onData(1, ByteBuffer.wrap(b), 0, b.length, 1 + a.length + 90, 4);
        h.onClose(5);
        assertEquals(2, logs.size());
        assertEquals(L7Status.RESPONSE_MALFORMED, logs.get(0).status());
        assertEquals("/1", logs.get(0).http().path());
        assertEquals(L7Status.OK, logs.get(1).status());
        assertEquals("/2", logs.get(1).http().path());
        assertEquals(404, logs.get(1).http().statusCode());
        assertEquals(1, t.stats().gaps());
    }

    /** After a 2xx to CONNECT the tunnel is detected and parsed: plain HTTP through a proxy gives its own records. */
    @Test
    void connectTunnelIsParsedAsAConnection() {
        List<Piece> pieces = List.of(
                new Piece(0, "CONNECT origin.example:80 HTTP/1.1\r\nHost: origin.example:80\r\n\r\n"),
                new Piece(1, "HTTP/1.1 200 Connection Established\r\n\r\n"),
                new Piece(0, "GET /through?x=1 HTTP/1.1\r\nHost: origin.example\r\n\r\n"),
                new Piece(1, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!"),
                new Piece(0, "GET /again HTTP/1.1\r\nHost: origin.example\r\n\r\n"),
                new Piece(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        List<String> whole = null;
        SplittableRandom seeds = new SplittableRandom(11);
        for (int run = 0; run < 50; run++) {
            List<L7Log> logs = new ArrayList<>();
            L7Tracker t = L7Tracker.builder().listener(logs::add).build();
            feed(pieces, run == 0 ? null : new SplittableRandom(seeds.nextLong()), t);
            assertEquals(3, logs.size(), logs.toString());
            assertEquals("CONNECT", logs.get(0).http().method());
            assertEquals(200, logs.get(0).http().statusCode());
            HttpInfo inner = logs.get(1).http();
            assertEquals("http", logs.get(1).l7Proto());
            assertEquals("/through", inner.path());
            assertEquals("x=1", inner.query());
            assertEquals(404, inner.statusCode());
            assertEquals(3, inner.respBodyBytes());
            assertEquals("/again", logs.get(2).http().path());
            // the inner exchanges keep the connection's seqs: right after the CONNECT request and its response
            assertEquals(REQ_ISN + pieces.get(0).text.length(), logs.get(1).reqSeq());
            assertEquals(RESP_ISN + pieces.get(1).text.length(), logs.get(1).respSeq());
            assertEquals("198.18.0.1", logs.get(1).clientIp());
            L7Stats st = t.stats();
            assertEquals(1, st.connections());
            assertEquals(1, st.detected(), st.toString());
            assertEquals(0, st.undetected());
            assertEquals(3, st.ok());
            if (whole == null) {
                whole = texts(logs);
            } else {
                assertEquals(whole, texts(logs));
            }
        }
    }

    /** A tunnel of something no protocol detects (TLS here) gives no records and no undetected connection. */
    @Test
    void connectTunnelOfTlsIsIgnored() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        feed(List.of(new Piece(0, "CONNECT origin.example:443 HTTP/1.1\r\nHost: origin.example:443\r\n\r\n"
                        + "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"),
                new Piece(1, "HTTP/1.1 200 OK\r\n\r\n\u0016\u0003\u0003\u0000\u007a\u0002"),
                new Piece(0, "\u0017\u0003\u0003\u0000\u0020" + "x".repeat(32))), null, t);
        assertEquals(1, logs.size(), logs.toString());
        assertEquals("CONNECT", logs.get(0).http().method());
        L7Stats st = t.stats();
        assertEquals(1, st.connections());
        assertEquals(1, st.detected());
        assertEquals(0, st.undetected());
        assertEquals(0, st.parserFailures());
    }
}
