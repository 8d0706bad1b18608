package io.netsieve.l7.http;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.Captures;
import io.netsieve.l7.HandlerTee;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/1 head scanner against netty's decoders ({@link L7Config.Http1Decoder#SCANNER} vs
 * {@link L7Config.Http1Decoder#NETTY}): the same calls into two trackers give equal records (every field, in order)
 * and equal counters. On the corpus HTTP captures and the demo captures (whole, re-cut at random boundaries, and with
 * bytes flipped, segments lost and cut as in {@code L7MutationTest}), the benchmark's keep-alive capture when it is
 * there, nginx/wrk-like keep-alive streams, and hand-written conversations with every framing and odd syntax the
 * scanner leaves to netty, cut at random and mutated.
 */
class Http1DifferentialTest {
    private static final List<String> CORPUS = List.of("ipv4_tcp_http_xml.pcap", "ipv4_tcp_http_xml_tso.pcap",
            "accecn_handshake.pcap", "print-flags.pcap");
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo");
    private static final Path BENCH = Path.of(System.getProperty("java.io.tmpdir"), "netsieve-bench-600000.pcap");
    private static final L7Config SCANNER = L7Config.builder().http1Decoder(L7Config.Http1Decoder.SCANNER).build();
    private static final L7Config NETTY = L7Config.builder().http1Decoder(L7Config.Http1Decoder.NETTY).build();
    private static final L7Config SMALL_LIMITS = L7Config.builder().httpMaxInitialLineLength(64)
            .httpMaxHeaderBytes(200).httpMaxChunkSize(16)
            .httpHeaderAllowlist(Set.of("host", "server", "etag", "x-b3-traceid", "content-length", "x-dup"))
            .build();
    private static final L7Config SMALL_LIMITS_NETTY = L7Config.builder().httpMaxInitialLineLength(64)
            .httpMaxHeaderBytes(200).httpMaxChunkSize(16)
            .httpHeaderAllowlist(Set.of("host", "server", "etag", "x-b3-traceid", "content-length", "x-dup"))
            .http1Decoder(L7Config.Http1Decoder.NETTY).build();

    private static long compared;

    @AfterAll
    static void report() {
        System.out.println("[http1 differential] " + compared + " HTTP records compared");
    }

    /** Two trackers fed the same calls; {@link #check} compares what they emitted. */
    private static final class Pair {
        final List<L7Log> a = new ArrayList<>();
        final List<L7Log> b = new ArrayList<>();
        final L7Tracker scanner;
        final L7Tracker netty;

        Pair(L7Config scannerConfig, L7Config nettyConfig) {
            scanner = L7Tracker.builder().config(scannerConfig).listener(a::add).build();
            netty = L7Tracker.builder().config(nettyConfig).listener(b::add).build();
        }

        Pair() {
            this(SCANNER, NETTY);
        }

        void check(String what) {
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                assertEquals(b.get(i), a.get(i), what + ": record " + i);
            }
            assertEquals(b.size(), a.size(), what + ": records");
            assertEquals(netty.stats(), scanner.stats(), what + ": counters");
            for (L7Log l : a) {
                if (l.http() != null) {
                    compared++;
                }
            }
        }
    }

    /** Segment handling between L4 and the two trackers: whole, re-cut, or mutated and lost. */
    private enum Mode { WHOLE, RECUT, MUTATE }

    private static void runCapture(Path file, Pair pair, Mode mode, SplittableRandom random, int maxPackets)
            throws Exception {
        StreamHandlerFactory streams = info -> tee(StreamHandler.class, pair.scanner.streams().open(info),
                pair.netty.streams().open(info), mode, random);
        DatagramHandlerFactory datagrams = info -> tee(DatagramHandler.class, pair.scanner.datagrams().open(info),
                pair.netty.datagrams().open(info), Mode.WHOLE, random);
        L4Tracker l4 = L4Tracker.builder().listener(log -> { }).streams(streams).datagrams(datagrams).build();
        int[] packets = {0};
        Captures.replay(file, l4, d -> ++packets[0] > maxPackets);
        assertEquals(0, l4.streamStats().handlerFailures(), file.toString());
    }

    /**
     * A handler that makes every call on both {@code x} and {@code y} (each its own view of a buffer); stream data
     * re-cut at random boundaries ({@link Mode#RECUT}) or mutated and sometimes lost ({@link Mode#MUTATE}) the same
     * way for both.
     */
    @SuppressWarnings("unchecked")
    private static <T> T tee(Class<T> type, T x, T y, Mode mode, SplittableRandom random) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("equals") ? proxy == args[0]
                        : m.getName().equals("hashCode") ? System.identityHashCode(proxy) : "tee";
            }
            if (m.getName().equals("onData") && mode != Mode.WHOLE) {
                data((StreamHandler) x, (StreamHandler) y, mode, random, args);
                return null;
            }
            return HandlerTee.invokeBoth(m, x, y, args);
        });
    }

    private static void data(StreamHandler x, StreamHandler y, Mode mode, SplittableRandom random, Object[] args) {
        int dir = (int) args[0];
        ByteBuffer data = (ByteBuffer) args[1];
        int offset = (int) args[2];
        int length = (int) args[3];
        long seq = (long) args[4];
        long ts = (long) args[5];
        byte[] b = new byte[length];
        data.get(offset, b);
        if (mode == Mode.MUTATE) {
            if (random.nextInt(20) == 0) {
                x.onGap(dir, seq, length, ts);
                y.onGap(dir, seq, length, ts);
                return;
            }
            mutate(b, random);
        }
        int at = 0;
        while (at < length) {
            int n = mode == Mode.MUTATE ? length - at : 1 + random.nextInt(length - at);
            long s = seq < 0 ? seq : (seq + at) & 0xffffffffL;
            x.onData(dir, ByteBuffer.wrap(b), at, n, s, ts);
            y.onData(dir, ByteBuffer.wrap(b), at, n, s, ts);
            at += n;
        }
    }

    private static void mutate(byte[] b, SplittableRandom random) {
        int flips = b.length == 0 ? 0 : random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
    }

    private static List<Path> captures() {
        List<Path> files = new ArrayList<>();
        for (String f : CORPUS) {
            files.add(Prerequisites.tcpdumpCorpus().resolve(f));
        }
        for (String stem : List.of("pod-a-eth0", "pod-c-eth0", "node1-br0", "node2-eth0", "ext-eth0")) {
            files.add(DEMO.resolve(stem + ".pcap"));
        }
        return files;
    }

    @Test
    void capturesWholeAndRecut() throws Exception {
        long before = compared;
        for (Path f : captures()) {
            Pair whole = new Pair();
            runCapture(f, whole, Mode.WHOLE, null, Integer.MAX_VALUE);
            whole.check(f + " whole");
            assertTrue(f.toString().contains("demo") || !whole.a.isEmpty(), f.toString());
            for (int round = 0; round < 10; round++) {
                Pair cut = new Pair();
                runCapture(f, cut, Mode.RECUT, new SplittableRandom(round), Integer.MAX_VALUE);
                cut.check(f + " recut " + round);
            }
        }
        System.out.println("[http1 differential] capturesWholeAndRecut: " + (compared - before) + " HTTP records");
    }

    @Test
    void capturesMutated() throws Exception {
        long before = compared;
        for (int round = 0; round < 40; round++) {
            for (Path f : captures()) {
                Pair p = new Pair();
                runCapture(f, p, Mode.MUTATE, new SplittableRandom(round * 31L + f.hashCode()), Integer.MAX_VALUE);
                p.check(f + " mutated " + round);
            }
        }
        System.out.println("[http1 differential] capturesMutated: " + (compared - before) + " HTTP records");
    }

    /** The benchmark's capture (nginx + wrk keep-alive), when a benchmark run left it in the temporary folder. */
    @Test
    void benchmarkCapture() throws Exception {
        long before = compared;
        if (!Files.isRegularFile(BENCH)) {
            System.out.println("[http1 differential] no " + BENCH + ": benchmark capture not compared");
            return;
        }
        Pair p = new Pair();
        runCapture(BENCH, p, Mode.WHOLE, null, 60_000);
        p.check("bench whole");
        assertTrue(p.a.size() > 10_000, "records " + p.a.size());
        Pair cut = new Pair();
        runCapture(BENCH, cut, Mode.RECUT, new SplittableRandom(5), 20_000);
        cut.check("bench recut");
        Pair m = new Pair();
        runCapture(BENCH, m, Mode.MUTATE, new SplittableRandom(6), 20_000);
        m.check("bench mutated");
        System.out.println("[http1 differential] benchmarkCapture: " + (compared - before) + " HTTP records");
    }

    // ---------------------------------------------------------------- written streams

    /**
     * Feeds the pieces (as in {@link HttpParserTest}) to both trackers, cut at random boundaries when {@code random}
     * is given, with bytes flipped and segments lost when {@code mutate}; in read-only buffers when
     * {@code readOnly} (the scanner then reads from its copy, not from the segment).
     */
    private static void feed(List<HttpParserTest.Piece> pieces, SplittableRandom random, boolean mutate,
                             boolean readOnly, Pair pair) {
        StreamInfo info = new StreamInfo(1, "198.18.0.1", 40000, "198.18.0.2", 8080, true, "d");
        StreamHandler h = tee(StreamHandler.class, pair.scanner.streams().open(info),
                pair.netty.streams().open(info), Mode.WHOLE, random);
        long[] seq = {1000, 900_000};
        long ts = 1_000_000;
        for (HttpParserTest.Piece p : pieces) {
            int dir = p.direction();
            byte[] b = p.text().getBytes(StandardCharsets.ISO_8859_1);
            if (mutate) {
                mutate(b, random);
            }
            int at = 0;
            while (at < b.length) {
                int n = random == null ? b.length - at : 1 + random.nextInt(b.length - at);
                if (mutate && random.nextInt(40) == 0) {
                    h.onGap(dir, seq[dir], n, ts);
                } else {
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    h.onData(dir, readOnly ? buf.asReadOnlyBuffer() : buf, at, n, seq[dir], ts);
                }
                seq[dir] += n;
                at += n;
                ts += 1_000;
            }
        }
        h.onEnd(1, ts);
        h.onEnd(0, ts);
        h.onClose(ts);
    }

    private static HttpParserTest.Piece req(String text) {
        return new HttpParserTest.Piece(0, text);
    }

    private static HttpParserTest.Piece resp(String text) {
        return new HttpParserTest.Piece(1, text);
    }

    /** nginx/wrk-like keep-alive: the benchmark's exchange shape, with the page and the date changing. */
    static List<HttpParserTest.Piece> keepAlive(int exchanges) {
        List<HttpParserTest.Piece> l = new ArrayList<>();
        for (int i = 0; i < exchanges; i++) {
            String page = i % 7 == 3 ? "page.html" : "small.html";
            l.add(req("GET /" + page + (i % 11 == 5 ? "?v=" + i : "") + " HTTP/1.1\r\nHost: 198.18.0.2:8080\r\n\r\n"));
            String body = "x".repeat(page.equals("small.html") ? 600 : 4000);
            l.add(resp("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Thu, 26 Nov 2026 10:00:0" + (i % 10)
                    + " GMT\r\nContent-Type: text/html\r\nContent-Length: " + body.length()
                    + "\r\nLast-Modified: Wed, 25 Nov 2026 09:00:00 GMT\r\nConnection: keep-alive\r\n"
                    + "ETag: \"6745-258\"\r\nAccept-Ranges: bytes\r\n\r\n" + body));
        }
        return l;
    }

    /** Everything the scanner leaves to netty, between ordinary exchanges it reads itself. */
    static List<HttpParserTest.Piece> odd() {
        List<HttpParserTest.Piece> l = new ArrayList<>(HttpParserTest.conversation().subList(0, 13));
        l.add(req("GET /fold HTTP/1.1\r\nHost: h\r\nX-Long: a\r\n  b\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Fold: x\r\n\ty\r\n\r\nok"));
        l.add(req("GET /lf HTTP/1.1\nHost: h\n\n"));
        l.add(resp("HTTP/1.1 200 OK\nContent-Length: 1\n\nz"));
        l.add(req("GET /dup HTTP/1.1\r\nHost: a\r\nhost: b\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"));
        l.add(req("GET http://example.com/abs/path?q=1#frag HTTP/1.1\r\nHOST:   spaced.example   \r\n"
                + "USER-AGENT:\tcurl/8\t\r\nX-B3-TraceId: 463ac35c9f6413ad48485a3953bb6124\r\n"
                + "X-B3-SpanId: a2fb4a1d1a96d312\r\nContent-Length: 0\r\n\r\n"));
        l.add(resp("HTTP/1.1 404  Not  Found \r\nContent-Length: 00\r\n\r\n"));
        l.add(req("get /lower HTTP/1.1\r\nHost: h\r\n\r\n"));
        l.add(resp("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"));
        l.add(req("GET /v HTTP/1.2\r\nHost : h\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n"));
        l.add(req("POST /cl HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd"));
        l.add(resp("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        l.add(req("GET /x?a=b?c&d=http://e HTTP/1.0\r\nsw8: 1-MTIz-NDU2-7-c2Vydg==-aW5zdA==-L2E=-bG9j\r\n"
                + "uber-trace-id: 5af7183fb1d4cf5f:6fb9c2b4cf1c2b5e:0:1\r\n\r\n"));
        l.add(resp("HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=\u00e9\r\nContent-Length: 1\r\n\r\n!"));
        l.add(req("OPTIONS * HTTP/1.1\r\nHost: h\r\nX-Obs: caf\u00e9\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nX-Long: " + "v".repeat(300) + "\r\nContent-Length: 0\r\n\r\n"));
        l.add(req("GET /" + "p".repeat(100) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        l.add(req("GET /expect HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
        l.add(resp("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"));
        l.add(req("ab"));
        l.add(resp("HTTP/1.1 201 Created\r\nContent-Length: 0\r\nContent-Type: a/b\r\n\r\n"));
        l.add(req("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nHEAD /h2 HTTP/1.1\r\nHost: h\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
                + "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"));
        l.add(req("\r\n\r\nGET /after-crlf HTTP/1.1\r\nHost: h\r\nX-Request-Id: \r\n\r\n"));
        l.add(resp("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1\r\nX-B3-TraceId: r\r\n\r\n!"));
        l.add(req("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 Connection Established\r\n\r\n\u0016\u0003\u0001binary"));
        l.add(req("\u0016\u0003\u0001tls bytes GET / HTTP/1.1\r\n\r\n"));
        return l;
    }

    static List<HttpParserTest.Piece> upgrades(boolean h2c) {
        List<HttpParserTest.Piece> l = new ArrayList<>();
        l.add(req("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
        l.add(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"));
        l.add(req("GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: " + (h2c ? "h2c" : "websocket")
                + "\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"));
        l.add(resp("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + (h2c ? "h2c" : "websocket")
                + "\r\n\r\n"));
        l.add(req("\u0081\u0085frame GET /not-http HTTP/1.1\r\n\r\n"));
        return l;
    }

    static List<HttpParserTest.Piece> closeDelimited() {
        return List.of(req("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"),
                resp("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\r\n\r\ndata: 2\r\n"),
                req("GET /never HTTP/1.1\r\nHost: h\r\n\r\nGET /cut HTTP/1.1\r\nHost: h\r\nX-Partial: y"));
    }

    @Test
    void writtenStreams() {
        long before = compared;
        List<List<HttpParserTest.Piece>> streams = List.of(HttpParserTest.conversation(), keepAlive(50), odd(),
                upgrades(false), upgrades(true), closeDelimited());
        for (int i = 0; i < streams.size(); i++) {
            Pair whole = new Pair();
            feed(streams.get(i), null, false, false, whole);
            whole.check("stream " + i + " whole");
            Pair small = new Pair(SMALL_LIMITS, SMALL_LIMITS_NETTY);
            feed(streams.get(i), null, false, true, small);
            small.check("stream " + i + " small limits");
            for (int round = 0; round < 300; round++) {
                SplittableRandom r = new SplittableRandom(round * 1000L + i);
                Pair cut = new Pair();
                feed(streams.get(i), r, false, round % 5 == 0, cut);
                cut.check("stream " + i + " cut " + round);
                Pair mutated = round % 2 == 0 ? new Pair() : new Pair(SMALL_LIMITS, SMALL_LIMITS_NETTY);
                feed(streams.get(i), new SplittableRandom(round * 1000L + i), true, round % 3 == 0, mutated);
                mutated.check("stream " + i + " mutated " + round);
            }
        }
        System.out.println("[http1 differential] writtenStreams: " + (compared - before) + " HTTP records");
    }
}
