package io.netsieve.l7.internal.http;

import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.internal.ConnectionHandler;
import io.netsieve.l7.internal.SegmentClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.x of one connection. Each message head is read by {@link HeadScanner} in the stream bytes (and a
 * {@code Content-Length} body counted) without copying them where a segment holds the head whole; a head the scanner
 * does not accept with certainty, and every chunked or close-delimited body, is read by netty's decoders, driven
 * directly from a cumulation buffer per direction (with {@link L7Config.Http1Decoder#NETTY}, every message is). Either
 * way the byte offset of every message start and end is known (hence its seq and capture time). Requests queue in order
 * (pipelining); each final response completes the oldest unanswered request and the exchange is emitted at once.
 * 1xx responses are counted on the exchange, 101 and a 2xx to CONNECT hand the rest of the connection over
 * (ignored). A parse failure gives -1 (request) / -2 (response); after it, or after lost bytes, the direction
 * resynchronises on the next request line / status line and counts what it skipped.
 */
final class Http1Parser implements L7Parser {
    private enum State { DECODING, RESYNC, PASSTHROUGH, H2, TUNNEL, ENDED }

    /** Where a decoding direction is in its messages. */
    private enum Framing {
        /** Between messages. */
        IDLE,
        /** A head in progress, read by the scanner (none of its bytes consumed yet). */
        HEAD,
        /** The {@code Content-Length} body of a scanned head: counted, {@link Side#bodyLeft} to go. */
        BODY,
        /** netty's decoder reads this message (from its first byte). */
        NETTY
    }

    /** One direction: the cumulation, and the stream offsets, seqs and capture times of what it holds. */
    private final class Side {
        final int direction;
        State state = State.DECODING;
        Framing framing = Framing.IDLE;
        ByteBuf cum = Unpooled.buffer(256);
        final SegmentClock clock = new SegmentClock();
        /** Null when every message goes to netty. */
        final HeadScanner scanner;
        /** netty's decoder, made when a message first needs it (and anew after a failure or a gap). */
        private Object decoder;
        private DecodeStep step;
        boolean headSeen;
        long messageStart;
        long headerEnd;
        long bodyBytes;
        long bodyLeft;
        PendingExchange current;
        boolean informational;

        Side(int direction) {
            this.direction = direction;
            scanner = config.http1Decoder() == L7Config.Http1Decoder.NETTY ? null
                    : new HeadScanner(direction == 0, HeaderSlots.of(config), config.httpMaxInitialLineLength(),
                            config.httpMaxHeaderBytes());
        }

        boolean inMessage() {
            return framing != Framing.IDLE;
        }

        /** netty's decoder of this direction, as a decode step. */
        DecodeStep decoder() {
            if (decoder == null) {
                HttpDecoderConfig c = new HttpDecoderConfig()
                        .setMaxInitialLineLength(config.httpMaxInitialLineLength())
                        .setMaxHeaderSize(config.httpMaxHeaderBytes())
                        .setMaxChunkSize(config.httpMaxChunkSize())
                        .setValidateHeaders(false);
                if (direction == 0) {
                    RequestDecoder d = new RequestDecoder(c);
                    decoder = d;
                    step = d.step;
                } else {
                    ResponseDecoder d = new ResponseDecoder(c, () -> {
                        String m = answeringMethod();
                        return m == null ? null : HttpMethod.valueOf(m);
                    });
                    decoder = d;
                    step = d.step;
                }
            }
            return step;
        }

        RequestDecoder requestDecoder() {
            decoder();
            return (RequestDecoder) decoder;
        }

        /** The stream offset of the cumulation's reader index. */
        long offset() {
            return clock.received() - cum.readableBytes();
        }

        long seqAt(long off) {
            return clock.seqAt(off);
        }

        long tsAt(long off) {
            return clock.timeAt(off);
        }
    }

    /** Where a message starts in {@code b[from, to)} (a whole token of {@code direction}), or -1. */
    @FunctionalInterface
    interface StartFinder {
        int find(ByteBuf b, int from, int to, int direction);
    }

    private final L7Context ctx;
    private final L7Config config;
    private final StartFinder starts;
    private final Side[] sides;
    private final ArrayDeque<PendingExchange> pending = new ArrayDeque<>();
    private final List<Object> out = new ArrayList<>(4);
    /** The final response being read switches protocols (101, 2xx to CONNECT): hand over after it. */
    private boolean handOver;
    /** ... and it is an upgrade to h2c: the rest of the connection goes to an HTTP/2 parser. */
    private boolean toH2;
    private io.netsieve.l7.internal.http2.Http2Parser h2;
    /** ... and it is a 2xx to CONNECT: the rest of the connection is a tunnel, detected and parsed as a connection. */
    private boolean toTunnel;
    /** ... and it is an upgrade to WebSocket: its frames are counted by a WebSocket reader through the tunnel. */
    private boolean toWebSocket;
    private ConnectionHandler tunnel;
    /** Whether L4's directions are the other way round (decided on the first bytes). */
    private boolean swapped;
    private boolean rolesDecided;

    Http1Parser(L7Context ctx) {
        this(ctx, MessageStarts::find);
    }

    /** With {@code starts} to find message starts when resynchronising (tests give the scan it replaced). */
    Http1Parser(L7Context ctx, StartFinder starts) {
        this.ctx = ctx;
        this.config = ctx.config();
        this.starts = starts;
        this.sides = new Side[] {new Side(0), new Side(1)};
    }

    /** The method of the request the next response answers (for HEAD / CONNECT), or null. */
    private String answeringMethod() {
        for (PendingExchange p : pending) {
            if (!p.responseStarted || p == sides[1].current) {
                return p.request.method();
            }
        }
        return null;
    }

    /**
     * On the first bytes: when the handshake was not seen and L4's client sent a response (or its server a
     * request), the roles are the other way round.
     */
    private int role(int direction, ByteBuffer data, int offset, int length) {
        if (!rolesDecided) {
            rolesDecided = true;
            if (!ctx.connection().handshakeSeen()) {
                boolean response = Http1Protocol.prefix(Http1Protocol.RESPONSE, data, offset, length)
                        == io.netsieve.l7.Detection.MATCH;
                if (response == (direction == 0)) {
                    swapped = true;
                    ctx.reverseRoles();
                }
            }
        }
        return swapped ? 1 - direction : direction;
    }

    @Override
    public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
        int l4 = direction;
        direction = role(direction, data, offset, length);
        Side s = sides[direction];
        if (s.state == State.H2) {
            h2.onData(direction, data, offset, length, seq, ts);
            return;
        }
        if (s.state == State.TUNNEL) {
            tunnel.onData(l4, data, offset, length, seq, ts);
            return;
        }
        if (s.state == State.PASSTHROUGH || s.state == State.ENDED) {
            return;
        }
        s.clock.add(length, seq, ts);
        if (s.scanner != null && s.framing != Framing.NETTY && s.state == State.DECODING && !s.cum.isReadable()
                && data.hasArray()) {
            // in place: heads and Content-Length bodies straight from the segment; only a rest is copied
            int from = data.arrayOffset() + offset;
            int used = scan(s, data.array(), from, from + length, s.clock.received() - length);
            if (used == length || s.state == State.PASSTHROUGH) {
                return;
            }
            offset += used;
            length -= used;
        }
        ByteBuffer d = data.duplicate();
        d.clear();
        d.limit(offset + length).position(offset);
        s.cum.writeBytes(d);
        process(s, false);
    }

    private void process(Side s, boolean last) {
        while (true) {
            if (s.state == State.PASSTHROUGH) {
                s.cum.skipBytes(s.cum.readableBytes());
                break;
            }
            if (s.state == State.H2 || s.state == State.TUNNEL) {
                forward(s);
                break;
            }
            if (s.state == State.RESYNC && !resync(s)) {
                break;
            }
            if (s.scanner != null && s.framing != Framing.NETTY) {
                int from = s.cum.arrayOffset() + s.cum.readerIndex();
                int used = scan(s, s.cum.array(), from, from + s.cum.readableBytes(), s.offset());
                s.cum.skipBytes(used);
                if (s.state != State.DECODING) {
                    continue;
                }
                if (s.framing != Framing.NETTY) {
                    if (!last || s.framing != Framing.HEAD) {
                        break;
                    }
                    s.framing = Framing.NETTY; // the connection ends in a head: netty says what that is
                }
            }
            if (!s.inMessage()) {
                while (s.cum.isReadable() && isSkippable(s.cum.getByte(s.cum.readerIndex()))) {
                    s.cum.skipBytes(1);
                }
                if (!s.cum.isReadable()) {
                    break;
                }
                startMessage(s, s.offset());
            }
            int before = s.cum.readableBytes();
            out.clear();
            try {
                s.decoder().run(s.cum, out, last);
            } catch (Exception e) {
                // netty reports bad input in decoder results; anything thrown still ends as a typed outcome
                failed(s, "decoder: " + e);
            }
            boolean produced = !out.isEmpty();
            for (Object o : out) {
                try {
                    if (s.state == State.DECODING) {
                        handle(s, o);
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
            out.clear();
            if (last || (!produced && before == s.cum.readableBytes())) {
                break;
            }
        }
        s.cum.discardSomeReadBytes();
    }

    private void startMessage(Side s, long at) {
        s.framing = s.scanner != null ? Framing.HEAD : Framing.NETTY;
        s.headSeen = false;
        s.bodyBytes = 0;
        s.messageStart = at;
        s.clock.release(at);
        if (s.scanner != null) {
            s.scanner.reset();
        }
    }

    /**
     * The scanner's part of {@code a[from, to)}, stream offset {@code offset} at {@code from}: message starts, heads
     * it accepts, {@code Content-Length} bodies. Stops at a head that needs more bytes or that goes to netty (none of
     * it consumed), or at a hand-over; returns the bytes consumed.
     */
    private int scan(Side s, byte[] a, int from, int to, long offset) {
        int pos = from;
        while (pos < to && s.state == State.DECODING) {
            switch (s.framing) {
                case IDLE -> {
                    while (pos < to && isSkippable(a[pos])) {
                        pos++;
                    }
                    if (pos < to) {
                        startMessage(s, offset + (pos - from));
                    }
                }
                case BODY -> {
                    int take = (int) Math.min(s.bodyLeft, to - pos);
                    pos += take;
                    s.bodyLeft -= take;
                    s.bodyBytes += take;
                    if (s.bodyLeft == 0) {
                        end(s, offset + (pos - from));
                    }
                }
                case HEAD -> {
                    HeadScanner.Result r = s.scanner.scan(a, pos, to);
                    if (r == HeadScanner.Result.NEED_MORE) {
                        return pos - from;
                    }
                    MessageHead h = s.scanner.head;
                    long body = r == HeadScanner.Result.COMPLETE ? bodyLength(s, h) : -1;
                    if (body < 0) {
                        s.framing = Framing.NETTY;
                        return pos - from;
                    }
                    int len = s.scanner.length();
                    pos += len;
                    s.headerEnd = s.messageStart + len;
                    s.headSeen = true;
                    if (s.direction == 0) {
                        h.trace = s.scanner.trace();
                        requestHead(s, h, false, false);
                    } else {
                        responseHead(s, h, false);
                    }
                    if (body == 0) {
                        end(s, s.headerEnd);
                    } else {
                        s.framing = Framing.BODY;
                        s.bodyLeft = body;
                    }
                }
                default -> {
                    return pos - from;
                }
            }
        }
        return pos - from;
    }

    /**
     * The body length a scanned head announces as netty's decoders read it, or -1 when netty reads the message (a
     * response whose body ends with the connection).
     */
    private long bodyLength(Side s, MessageHead h) {
        if (s.direction == 0) {
            return Math.max(h.contentLength, 0);
        }
        int code = h.code; // 200-599 from the scanner
        if (code == 204 || code == 304) {
            return 0;
        }
        String method = answeringMethod();
        if ("HEAD".equals(method) || code < 300 && "CONNECT".equals(method)) {
            return 0;
        }
        return h.contentLength;
    }

    /** What netty skips before a message (control characters and whitespace). */
    private static boolean isSkippable(byte b) {
        char c = (char) (b & 0xff);
        return Character.isISOControl(c) || Character.isWhitespace(c);
    }

    private void handle(Side s, Object o) {
        DecoderResult result = o instanceof HttpMessage m ? m.decoderResult()
                : o instanceof HttpContent c ? c.decoderResult() : DecoderResult.SUCCESS;
        if (o instanceof HttpMessage m) {
            s.headerEnd = s.offset();
            s.headSeen = true;
            if (result.isFailure()) {
                nettyHead(s, m, true);
                failed(s, String.valueOf(result.cause()));
                return;
            }
            nettyHead(s, m, false);
        }
        if (o instanceof HttpContent c) {
            if (result.isFailure()) {
                failed(s, String.valueOf(result.cause()));
                return;
            }
            s.bodyBytes += c.content().readableBytes();
            if (o instanceof LastHttpContent) {
                end(s, s.offset());
            }
        }
    }

    /** A head netty read: its fields into the direction's {@link MessageHead}, then as the scanner's. */
    private void nettyHead(Side s, HttpMessage m, boolean failed) {
        MessageHead h = null;
        if (s.direction == 0) {
            RequestDecoder decoder = s.requestDecoder();
            boolean smuggling = decoder.chunkedWithContentLength;
            decoder.chunkedWithContentLength = false;
            if (m instanceof HttpRequest r && !failed) {
                h = scratch(s);
                h.method = r.method().name();
                String uri = r.uri();
                int hash = uri.indexOf('#');
                if (hash >= 0) {
                    uri = uri.substring(0, hash);
                }
                int scheme = uri.indexOf("://");
                if (scheme > 0 && scheme < 8) {
                    int slash = uri.indexOf('/', scheme + 3);
                    uri = slash < 0 ? "/" : uri.substring(slash);
                }
                int q = uri.indexOf('?');
                h.path = q < 0 ? uri : uri.substring(0, q);
                h.query = q < 0 ? null : uri.substring(q + 1);
                h.version = r.protocolVersion().text();
                HttpHeaders hh = r.headers();
                h.host = hh.get("host");
                h.userAgent = hh.get("user-agent");
                h.contentType = hh.get("content-type");
                h.requestId = hh.get("x-request-id");
                h.trace = TraceContext.of(hh);
                allow(h, hh);
            } else if (failed && String.valueOf(m.decoderResult().cause()).contains("Content-Length")) {
                smuggling = true; // two different Content-Length values
            }
            requestHead(s, h, failed, smuggling);
            return;
        }
        if (m instanceof HttpResponse r && !failed) {
            h = scratch(s);
            h.code = r.status().code();
            h.reason = r.status().reasonPhrase();
            h.version = r.protocolVersion().text();
            HttpHeaders hh = r.headers();
            h.contentType = hh.get("content-type");
            h.upgrade = hh.get("upgrade");
            allow(h, hh);
        }
        responseHead(s, h, failed);
    }

    private MessageHead netty0;
    private MessageHead netty1;

    /** A cleared head to fill from netty's message (the scanner's when there is one). */
    private MessageHead scratch(Side s) {
        MessageHead h;
        if (s.scanner != null) {
            h = s.scanner.head;
        } else if (s.direction == 0) {
            h = netty0 == null ? netty0 = new MessageHead() : netty0;
        } else {
            h = netty1 == null ? netty1 = new MessageHead() : netty1;
        }
        h.clear();
        return h;
    }

    /** A request head ({@code h} null when it could not be read). */
    private void requestHead(Side s, MessageHead h, boolean failed, boolean smuggling) {
        if (pending.size() >= config.maxPendingPerConnection()) {
            PendingExchange dropped = pending.pollFirst();
            if (dropped == sides[1].current) {
                sides[1].current = null;
            }
            ctx.countPendingEvicted();
        }
        PendingExchange p = new PendingExchange();
        p.hasRequest = true;
        p.exchange.request(s.seqAt(s.messageStart), s.tsAt(s.messageStart), 0);
        p.reqHeaderBytes = s.headerEnd - s.messageStart;
        p.requestFailed = failed;
        p.smuggling = smuggling;
        if (h != null) {
            p.request = lastRequest = h.request(lastRequest);
            p.headers = merges[0].merge(p.headers, h);
        }
        pending.addLast(p);
        s.current = p;
    }

    /** A response head ({@code h} null when it could not be read). */
    private void responseHead(Side s, MessageHead h, boolean failed) {
        int code = h == null || failed ? 0 : h.code;
        if (!failed && code >= 100 && code < 200 && code != 101) {
            // informational: counted on the exchange it precedes, not its answer
            s.informational = true;
            s.current = firstUnanswered();
            if (s.current != null) {
                s.current.informational++;
            }
            return;
        }
        s.informational = false;
        PendingExchange p = firstUnanswered();
        if (p == null) {
            p = new PendingExchange();
        }
        p.responseStarted = true;
        p.exchange.response(s.seqAt(s.messageStart), s.tsAt(s.messageStart), 0);
        p.respHeaderBytes = s.headerEnd - s.messageStart;
        if (h != null && !failed) {
            p.statusCode = code;
            p.reason = h.reason;
            p.responseVersion = h.version;
            p.responseContentType = h.contentType;
            p.headers = merges[1].merge(p.headers, h);
            if (code == 101 || (code >= 200 && code < 300 && "CONNECT".equals(p.request.method()))) {
                // the connection becomes something else (websocket, h2c, a tunnel): handed over after this response
                handOver = true;
                toH2 = code == 101 && "h2c".equalsIgnoreCase(String.valueOf(h.upgrade).trim());
                toWebSocket = code == 101 && "websocket".equalsIgnoreCase(String.valueOf(h.upgrade).trim());
                toTunnel = code != 101;
            }
        }
        s.current = p;
    }

    private PendingExchange firstUnanswered() {
        for (PendingExchange p : pending) {
            if (!p.responseStarted) {
                return p;
            }
        }
        return null;
    }

    /** The message ends at stream offset {@code end}. */
    private void end(Side s, long end) {
        PendingExchange p = s.current;
        s.framing = Framing.IDLE;
        s.headSeen = false;
        s.current = null;
        if (s.direction == 0) {
            if (p != null) {
                p.requestDone = true;
                p.reqBodyBytes = s.bodyBytes;
                p.exchange.request(-1, s.tsAt(end - 1), end - s.messageStart);
            }
            return;
        }
        if (s.informational) {
            s.informational = false;
            return;
        }
        if (p == null) {
            return;
        }
        p.respBodyBytes = s.bodyBytes;
        p.exchange.response(-1, s.tsAt(end - 1), end - s.messageStart);
        finish(p, p.requestFailed ? L7Status.REQUEST_MALFORMED : p.hasRequest ? L7Status.OK : L7Status.NO_REQUEST);
        if (handOver) {
            handOver(p);
        }
    }

    /**
     * After a 101 / a 2xx to CONNECT: h2c goes on as HTTP/2 (stream 1 is the upgrade request); a CONNECT tunnel as a
     * connection of its own (protocol detection on its bytes: e.g. plain HTTP through a proxy is parsed, TLS is
     * not), its records named as this connection's; a WebSocket upgrade as WebSocket frames (one {@code websocket}
     * record per connection with its frame and message counts); any other 101 is ignored.
     */
    private void handOver(PendingExchange upgrade) {
        handOver = false;
        if ((toTunnel || toWebSocket) && ctx instanceof ConnectionHandler connection) {
            tunnel = toWebSocket ? connection.tunnel(io.netsieve.l7.internal.websocket.WebSocketProtocol.INSTANCE)
                    : connection.tunnel();
            sides[0].state = State.TUNNEL;
            sides[1].state = State.TUNNEL;
            forward(sides[0]); // what the client sent after CONNECT, if already here
            return;
        }
        if (!toH2) {
            sides[0].state = State.PASSTHROUGH;
            sides[1].state = State.PASSTHROUGH;
            return;
        }
        h2 = new io.netsieve.l7.internal.http2.Http2Parser(ctx);
        if (upgrade.hasRequest) {
            RequestFields r = upgrade.request;
            h2.upgradedRequest(upgrade.exchange, r.method(), r.path(), r.query(), r.host(), r.userAgent());
        }
        sides[0].state = State.H2;
        sides[1].state = State.H2;
        forward(sides[0]); // what the client sent after the upgrade request (its preface), if already here
    }

    /** Bytes still in the cumulation after the hand-over belong to HTTP/2 or to the tunnel. */
    private void forward(Side s) {
        int n = s.cum.readableBytes();
        if (n == 0) {
            return;
        }
        long off = s.offset();
        byte[] rest = new byte[n];
        s.cum.readBytes(rest);
        s.cum.discardSomeReadBytes();
        if (s.state == State.TUNNEL) {
            tunnel.onData(swapped ? 1 - s.direction : s.direction, ByteBuffer.wrap(rest), 0, n, s.seqAt(off),
                    s.tsAt(off));
        } else {
            h2.onData(s.direction, ByteBuffer.wrap(rest), 0, n, s.seqAt(off), s.tsAt(off));
        }
    }

    /** A parse failure in {@code s}: the message gets -1 / -2, the direction resynchronises. */
    private void failed(Side s, String why) {
        PendingExchange p = s.current;
        if (s.direction == 0) {
            if (p != null) {
                p.requestFailed = true;
                p.reqBodyBytes = s.bodyBytes;
            }
        } else if (!s.informational) {
            if (p == null) {
                p = firstUnanswered();
            }
            if (p == null) {
                p = new PendingExchange();
                p.exchange.response(s.seqAt(s.messageStart), s.tsAt(s.messageStart), 0);
            }
            p.responseStarted = true;
            p.respBodyBytes = s.bodyBytes;
            long end = s.offset();
            p.exchange.response(-1, s.tsAt(Math.max(s.messageStart, end - 1)), end - s.messageStart);
            finish(p, L7Status.RESPONSE_MALFORMED);
        }
        startResync(s);
    }

    private void startResync(Side s) {
        s.framing = Framing.IDLE;
        s.headSeen = false;
        s.current = null;
        s.informational = false;
        s.decoder = null;
        if (s.state == State.DECODING) {
            s.state = State.RESYNC;
        }
    }

    /** Skips to the next request line (or status line); false when none is in the buffer yet. */
    private boolean resync(Side s) {
        ByteBuf b = s.cum;
        int from = b.readerIndex();
        int to = b.writerIndex();
        int i = starts.find(b, from, to, s.direction);
        if (i >= 0) {
            ctx.countLostBytes(i - from);
            b.readerIndex(i);
            s.state = State.DECODING;
            return true;
        }
        // keep a tail that may be the beginning of a request line cut by the segment boundary
        int keep = Math.min(to - from, 10);
        ctx.countLostBytes(to - from - keep);
        b.readerIndex(to - keep);
        return false;
    }

    private void finish(PendingExchange p, L7Status status) {
        pending.remove(p);
        if (sides[1].current == p) {
            sides[1].current = null;
        }
        if (p.expired) {
            ctx.countLateResponse(); // its "no response" record is out already; a late response keeps the order
            return;
        }
        int code = switch (status) {
            case REQUEST_MALFORMED -> -1;
            case RESPONSE_MALFORMED -> -2;
            case NO_RESPONSE -> 0;
            default -> p.statusCode;
        };
        RequestFields r = p.request;
        String contentType = p.responseContentType != null ? p.responseContentType : r.contentType();
        HttpInfo info = new HttpInfo(r.method(), r.path(), r.query(), version(p), r.host(), code, p.reason,
                p.informational, p.reqHeaderBytes, p.reqBodyBytes, p.respHeaderBytes, p.respBodyBytes, contentType,
                r.userAgent(), r.traceId(), r.parentId(), r.requestId(), p.headers, p.smuggling);
        ctx.emit(p.exchange, status, info, null, null, null);
    }

    private void allow(MessageHead into, HttpHeaders h) {
        for (Map.Entry<String, String> e : h) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (config.httpHeaderAllowlist().contains(name) && !L7Config.REDACTED.contains(name)) {
                into.addHeader(name, e.getValue());
            }
        }
    }

    /** The last request's fields, given again to a request that repeats them. */
    private RequestFields lastRequest = RequestFields.NONE;

    /** Per direction: a message's allowlisted headers put over the map so far (request's, then response's). */
    private final HeaderMerge[] merges = {new HeaderMerge(), new HeaderMerge()};

    /**
     * Puts a message's allowlisted headers over a map (a later one of a name replacing an earlier one) into a new
     * immutable map; the same base map and the same headers as last time give the last map again, so that a
     * keep-alive connection repeating its headers makes no map per exchange.
     */
    private static final class HeaderMerge {
        private Map<String, String> base;
        private Map<String, String> result;
        private String[] pairs = new String[0];
        private int count;

        Map<String, String> merge(Map<String, String> base, MessageHead h) {
            int n = h.headerCount;
            if (n == 0) {
                return base;
            }
            if (result != null && base == this.base && n == count
                    && Arrays.equals(pairs, 0, 2 * n, h.headers, 0, 2 * n)) {
                return result;
            }
            Map<String, String> m = base == null ? new HashMap<>() : new HashMap<>(base);
            for (int i = 0; i < n; i++) {
                m.put(h.headers[2 * i], h.headers[2 * i + 1]);
            }
            this.base = base;
            result = Map.copyOf(m);
            pairs = Arrays.copyOf(h.headers, 2 * n);
            count = n;
            return result;
        }
    }

    @Override
    public void onGap(int direction, long seq, long length, long ts) {
        if (!rolesDecided) {
            return; // nothing parsed yet in either direction
        }
        int l4 = direction;
        direction = swapped ? 1 - direction : direction;
        Side s = sides[direction];
        if (s.state == State.H2) {
            h2.onGap(direction, seq, length, ts);
            return;
        }
        if (s.state == State.TUNNEL) {
            tunnel.onGap(l4, seq, length, ts);
            return;
        }
        if (s.state == State.PASSTHROUGH || s.state == State.ENDED) {
            return;
        }
        // what netty would not have consumed: of a head in progress, its last (incomplete) line
        ctx.countLostBytes(s.cum.readableBytes() - (s.framing == Framing.HEAD ? s.scanner.lineStart() : 0));
        s.cum.skipBytes(s.cum.readableBytes());
        s.cum.discardSomeReadBytes();
        s.clock.skip(length);
        if (s.inMessage() && s.headSeen) {
            if (direction == 0) {
                if (s.current != null) {
                    s.current.requestDone = true; // its rest is lost; the response still pairs with it
                }
            } else if (!s.informational && s.current != null) {
                PendingExchange p = s.current;
                p.respBodyBytes = s.bodyBytes;
                finish(p, L7Status.RESPONSE_MALFORMED);
            }
        }
        startResync(s);
    }

    @Override
    public void onEnd(int direction, long ts) {
        int l4 = direction;
        direction = swapped ? 1 - direction : direction;
        Side s = sides[direction];
        if (s.state == State.H2) {
            h2.onEnd(direction, ts);
        }
        if (s.state == State.TUNNEL) {
            tunnel.onEnd(l4, ts);
        }
        if (s.state == State.DECODING && s.inMessage()) {
            // a body delimited by the connection's close ends here (netty's decodeLast)
            process(s, true);
            if (s.inMessage() && s.headSeen) {
                if (direction == 1 && !s.informational) {
                    PendingExchange p = s.current;
                    if (p != null) {
                        p.respBodyBytes = s.bodyBytes;
                        long end = s.offset();
                        p.exchange.response(-1, s.tsAt(Math.max(s.messageStart, end - 1)), end - s.messageStart);
                        finish(p, L7Status.RESPONSE_MALFORMED);
                    }
                } else if (direction == 0 && s.current != null) {
                    s.current.requestDone = true;
                }
            }
        }
        s.state = State.ENDED;
        s.cum.release();
        s.cum = Unpooled.EMPTY_BUFFER;
    }

    @Override
    public void expire(long now) {
        if (h2 != null) {
            h2.expire(now);
        }
        if (tunnel != null) {
            tunnel.expire(now);
        }
        long timeout = config.responseTimeoutNanos();
        for (PendingExchange p : pending) {
            if (p.responseStarted || p.expired) {
                continue;
            }
            if (now - p.exchange.requestStartNanos() < timeout) {
                break;
            }
            p.expired = true;
            emitNoResponse(p);
        }
    }

    /** The request's version, the response's when the request has none. */
    private static String version(PendingExchange p) {
        return p.request.version() != null ? p.request.version() : p.responseVersion;
    }

    private void emitNoResponse(PendingExchange p) {
        RequestFields r = p.request;
        HttpInfo info = new HttpInfo(r.method(), r.path(), r.query(), version(p), r.host(), p.requestFailed ? -1 : 0,
                null, p.informational, p.reqHeaderBytes, p.reqBodyBytes, 0, 0, r.contentType(), r.userAgent(),
                r.traceId(), r.parentId(), r.requestId(), p.headers, p.smuggling);
        ctx.emit(p.exchange, p.requestFailed ? L7Status.REQUEST_MALFORMED : L7Status.NO_RESPONSE, info, null, null,
                null);
    }

    @Override
    public void onClose(long ts) {
        if (h2 != null) {
            h2.onClose(ts);
        }
        for (Side s : sides) {
            if (s.state != State.ENDED) {
                onEnd(swapped ? 1 - s.direction : s.direction, ts);
            }
        }
        if (tunnel != null) {
            tunnel.onClose(ts);
        }
        for (PendingExchange p : new ArrayList<>(pending)) {
            if (p.expired) {
                continue;
            }
            if (p.responseStarted) {
                finish(p, L7Status.RESPONSE_MALFORMED); // cut by the close (an endless body, a lost end)
            } else {
                emitNoResponse(p);
            }
        }
        pending.clear();
    }
}
