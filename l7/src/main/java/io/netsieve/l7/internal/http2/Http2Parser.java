package io.netsieve.l7.internal.http2;

import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.internal.SegmentClock;
import io.netsieve.l7.internal.http.TraceContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/2 (prior knowledge) of one connection: frames read per direction with a resumable state machine, header
 * blocks (HEADERS + CONTINUATION) decoded with netty's HPACK decoder, one per direction so that each keeps its
 * dynamic table; one record per stream, emitted when the response's END_STREAM arrives, at RST_STREAM, or as "no
 * response" after a GOAWAY that excludes it, the timeout or the connection's end; {@code l7_proto} is {@code http2},
 * or {@code grpc} for a gRPC call (content type {@code application/grpc}). gRPC service and method come from
 * the path, {@code grpc-status} / {@code grpc-message} from the trailers (attributes {@code grpc_service},
 * {@code grpc_method}, {@code grpc_status}, {@code grpc_message}; {@code http2_rst_error}, {@code http2_goaway};
 * {@code http2_stream_id}, the stream's id on its connection, as tshark's {@code http2.streamid}).
 * A header block the decoder refuses breaks that direction's HPACK state: the connection is then given up, its
 * open streams emitted as -1 / -2.
 */
public final class Http2Parser implements L7Parser {
    private enum State { PREFACE, HEADER, PAYLOAD, DEAD }

    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int GOAWAY = 7;
    private static final int CONTINUATION = 9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;

    /** One direction's frame reader. */
    private final class Side {
        final int direction;
        final SegmentClock clock = new SegmentClock();
        final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);
        State state;
        final byte[] header = new byte[9];
        int headerHave;
        int length;
        int type;
        int flags;
        int streamId;
        long frameStart;
        byte[] payload;
        int payloadHave;
        long offset;
        /** The header block being gathered (HEADERS then CONTINUATION frames). */
        byte[] block = new byte[0];
        int blockLength;
        int blockStream;
        int blockFlags;
        long blockStart;

        Side(int direction) {
            this.direction = direction;
            state = direction == 0 ? State.PREFACE : State.HEADER;
        }
    }

    private final L7Context ctx;
    private final L7Config config;
    private final Side[] sides = {new Side(0), new Side(1)};
    private final Map<Integer, Http2Stream> streams = new LinkedHashMap<>();

    public Http2Parser(L7Context ctx) {
        this.ctx = ctx;
        this.config = ctx.config();
    }

    /**
     * After an HTTP/1.1 upgrade to h2c: the upgrade request is stream 1 (RFC 9113 §3.2), whose response comes as
     * HTTP/2 frames; the client then sends the preface.
     */
    public void upgradedRequest(io.netsieve.l7.L7Exchange request, String method, String path, String query,
                                String authority, String userAgent) {
        Http2Stream st = new Http2Stream(1);
        st.requestSeen = true;
        st.exchange.request(request.requestSeq(), request.requestStartNanos(), 0);
        st.exchange.request(-1, request.requestEndNanos(), request.requestBytes());
        st.method = method;
        st.path = path;
        st.query = query;
        st.authority = authority;
        st.userAgent = userAgent;
        st.reqHeaderBytes = request.requestBytes();
        streams.put(1, st);
    }

    @Override
    public void onData(int direction, ByteBuffer data, int off, int length, long seq, long ts) {
        Side s = sides[direction];
        s.clock.add(length, seq, ts);
        int p = off;
        int end = off + length;
        while (p < end && s.state != State.DEAD) {
            switch (s.state) {
                case PREFACE -> {
                    int n = (int) Math.min(end - p, Http2Protocol.PREFACE.length - s.offset);
                    p += n;
                    s.offset += n;
                    if (s.offset == Http2Protocol.PREFACE.length) {
                        s.state = State.HEADER;
                    }
                }
                case HEADER -> {
                    if (s.headerHave == 0) {
                        s.frameStart = s.offset;
                    }
                    s.header[s.headerHave++] = data.get(p++);
                    s.offset++;
                    if (s.headerHave == 9) {
                        s.headerHave = 0;
                        s.length = ((s.header[0] & 0xff) << 16) | ((s.header[1] & 0xff) << 8) | (s.header[2] & 0xff);
                        s.type = s.header[3] & 0xff;
                        s.flags = s.header[4] & 0xff;
                        s.streamId = (((s.header[5] & 0x7f) << 24) | ((s.header[6] & 0xff) << 16)
                                | ((s.header[7] & 0xff) << 8) | (s.header[8] & 0xff));
                        boolean keep = s.type != DATA;
                        if (keep && s.length > config.httpMaxHeaderBytes()) {
                            dead(s, "frame of " + s.length + " bytes over the header bound");
                            break;
                        }
                        s.payload = keep ? new byte[s.length] : null;
                        s.payloadHave = 0;
                        s.state = State.PAYLOAD;
                        if (s.length == 0) {
                            frame(s);
                        }
                    }
                }
                case PAYLOAD -> {
                    int n = Math.min(end - p, s.length - s.payloadHave);
                    if (s.payload != null) {
                        data.get(p, s.payload, s.payloadHave, n);
                    }
                    s.payloadHave += n;
                    p += n;
                    s.offset += n;
                    if (s.payloadHave == s.length) {
                        frame(s);
                    }
                }
                default -> {
                }
            }
        }
    }

    /** A whole frame was read in {@code s}. */
    private void frame(Side s) {
        s.state = State.HEADER;
        long frameEnd = s.offset;
        switch (s.type) {
            case DATA -> {
                Http2Stream st = streams.get(s.streamId);
                if (st != null) {
                    int body = s.length;
                    if ((s.flags & PADDED) != 0 && s.length > 0) {
                        body = Math.max(0, s.length - 1); // the pad length byte; pad bytes are not read
                    }
                    if (s.direction == 0) {
                        st.reqBodyBytes += body;
                        st.exchange.request(-1, s.clock.timeAt(frameEnd - 1), frameEnd - s.frameStart);
                    } else {
                        st.respBodyBytes += body;
                        st.exchange.response(-1, s.clock.timeAt(frameEnd - 1), frameEnd - s.frameStart);
                    }
                    if ((s.flags & END_STREAM) != 0 && s.direction == 1) {
                        finish(st, L7Status.OK);
                    }
                }
            }
            case HEADERS -> {
                int from = 0;
                int to = s.length;
                if ((s.flags & PADDED) != 0) {
                    if (s.length < 1) {
                        dead(s, "padded HEADERS without pad length");
                        return;
                    }
                    to -= s.payload[0] & 0xff;
                    from = 1;
                }
                if ((s.flags & PRIORITY) != 0) {
                    from += 5;
                }
                if (from > to) {
                    dead(s, "HEADERS padding or priority past the frame");
                    return;
                }
                s.blockLength = 0;
                s.blockStream = s.streamId;
                s.blockFlags = s.flags;
                s.blockStart = s.frameStart;
                append(s, from, to);
                if ((s.flags & END_HEADERS) != 0) {
                    headerBlock(s, frameEnd);
                }
            }
            case CONTINUATION -> {
                if (s.streamId != s.blockStream) {
                    dead(s, "CONTINUATION of another stream");
                    return;
                }
                append(s, 0, s.length);
                if ((s.flags & END_HEADERS) != 0) {
                    headerBlock(s, frameEnd);
                }
            }
            case RST_STREAM -> {
                Http2Stream st = streams.get(s.streamId);
                if (st != null && s.length >= 4) {
                    st.attributes.put("http2_rst_error", Long.toString(u32(s.payload, 0)));
                    finish(st, st.responseSeen ? L7Status.RESPONSE_MALFORMED : L7Status.NO_RESPONSE);
                }
            }
            case SETTINGS -> {
                if ((s.flags & 0x1) == 0) {
                    for (int i = 0; i + 6 <= s.length; i += 6) {
                        int id = ((s.payload[i] & 0xff) << 8) | (s.payload[i + 1] & 0xff);
                        if (id == 1) {
                            // the sender's HEADER_TABLE_SIZE bounds the table of what it receives
                            try {
                                sides[1 - s.direction].hpack.maxHeaderTableSize(u32(s.payload, i + 2));
                            } catch (Http2Exception e) {
                                dead(s, "bad SETTINGS_HEADER_TABLE_SIZE");
                                return;
                            }
                        }
                    }
                }
            }
            case GOAWAY -> {
                if (s.length >= 8) {
                    long last = u32(s.payload, 0) & 0x7fffffffL;
                    for (Http2Stream st : new ArrayList<>(streams.values())) {
                        if (st.id > last && !st.responseSeen) {
                            st.attributes.put("http2_goaway", Long.toString(u32(s.payload, 4)));
                            finish(st, L7Status.NO_RESPONSE);
                        }
                    }
                }
            }
            default -> {
            }
        }
        s.payload = null;
    }

    private void append(Side s, int from, int to) {
        int n = to - from;
        if (s.blockLength + n > config.httpMaxHeaderBytes()) {
            dead(s, "header block over the header bound");
            return;
        }
        if (s.block.length < s.blockLength + n) {
            s.block = java.util.Arrays.copyOf(s.block, Math.max(s.blockLength + n, s.block.length * 2));
        }
        System.arraycopy(s.payload, from, s.block, s.blockLength, n);
        s.blockLength += n;
    }

    private void headerBlock(Side s, long frameEnd) {
        if (s.state == State.DEAD) {
            return;
        }
        Http2Headers h;
        try {
            h = s.hpack.decodeHeaders(s.blockStream, Unpooled.wrappedBuffer(s.block, 0, s.blockLength));
        } catch (Http2Exception | RuntimeException e) {
            dead(s, "HPACK: " + e.getMessage());
            return;
        }
        boolean endStream = (s.blockFlags & END_STREAM) != 0;
        long bytes = frameEnd - s.blockStart;
        Http2Stream st = streams.get(s.blockStream);
        if (s.direction == 0) {
            if (st == null) {
                if (streams.size() >= config.maxPendingPerConnection()) {
                    Iterator<Http2Stream> it = streams.values().iterator();
                    it.next();
                    it.remove();
                    ctx.countPendingEvicted();
                }
                st = new Http2Stream(s.blockStream);
                streams.put(st.id, st);
                st.requestSeen = true;
                st.exchange.request(s.clock.seqAt(s.blockStart), s.clock.timeAt(s.blockStart), 0);
                st.method = str(h.method());
                String path = str(h.path());
                if (path != null) {
                    int q = path.indexOf('?');
                    st.path = q < 0 ? path : path.substring(0, q);
                    st.query = q < 0 ? null : path.substring(q + 1);
                }
                st.authority = str(h.authority());
                st.userAgent = str(h.get("user-agent"));
                st.contentType = str(h.get("content-type"));
                st.requestId = str(h.get("x-request-id"));
                Http2Headers hh = h;
                TraceContext t = TraceContext.of(name -> str(hh.get(name)));
                st.traceId = t.traceId();
                st.parentId = t.parentId();
                if (st.contentType != null && st.contentType.startsWith("application/grpc") && st.path != null) {
                    int slash = st.path.lastIndexOf('/');
                    if (slash > 0) {
                        st.attributes.put("grpc_service", st.path.substring(1, slash));
                        st.attributes.put("grpc_method", st.path.substring(slash + 1));
                    }
                }
                allow(st.headers, h);
            }
            st.reqHeaderBytes += bytes;
            st.exchange.request(-1, s.clock.timeAt(frameEnd - 1), bytes);
            return;
        }
        if (st == null) {
            st = new Http2Stream(s.blockStream); // a response whose request was not captured
            streams.put(st.id, st);
        }
        CharSequence status = h.status();
        if (status != null && !st.responseSeen) {
            int code = parse(status.toString());
            if (code >= 100 && code < 200) {
                st.informational++;
                return;
            }
            st.responseSeen = true;
            st.status = code;
            st.exchange.response(s.clock.seqAt(s.blockStart), s.clock.timeAt(s.blockStart), 0);
            String ct = str(h.get("content-type"));
            if (ct != null) {
                st.contentType = ct;
            }
            allow(st.headers, h);
        }
        CharSequence grpcStatus = h.get("grpc-status");
        if (grpcStatus != null) {
            st.attributes.put("grpc_status", grpcStatus.toString());
        }
        CharSequence grpcMessage = h.get("grpc-message");
        if (grpcMessage != null) {
            st.attributes.put("grpc_message", grpcMessage.toString());
        }
        st.respHeaderBytes += bytes;
        st.exchange.response(-1, s.clock.timeAt(frameEnd - 1), bytes);
        if (endStream) {
            finish(st, st.requestSeen ? L7Status.OK : L7Status.NO_REQUEST);
        }
    }

    private void finish(Http2Stream st, L7Status status) {
        streams.remove(st.id);
        st.attributes.put("http2_stream_id", Integer.toString(st.id));
        int code = switch (status) {
            case REQUEST_MALFORMED -> -1;
            case RESPONSE_MALFORMED -> st.responseSeen && st.attributes.containsKey("http2_rst_error") ? st.status
                    : -2;
            case NO_RESPONSE -> 0;
            default -> st.status;
        };
        HttpInfo info = new HttpInfo(st.method, st.path, st.query, "HTTP/2", st.authority, code, null,
                st.informational, st.reqHeaderBytes, st.reqBodyBytes, st.respHeaderBytes, st.respBodyBytes,
                st.contentType, st.userAgent, st.traceId, st.parentId, st.requestId, st.headers, false);
        ctx.emit(st.attributes.containsKey("grpc_service") ? "grpc" : "http2", st.exchange, status, info, null,
                st.attributes, null);
    }

    /** The direction cannot be read any more: the connection's open streams end as -1 / -2. */
    private void dead(Side s, String why) {
        s.state = State.DEAD;
        sides[1 - s.direction].state = State.DEAD;
        for (Http2Stream st : new ArrayList<>(streams.values())) {
            st.attributes.put("http2_error", why);
            finish(st, s.direction == 0 ? L7Status.REQUEST_MALFORMED : L7Status.RESPONSE_MALFORMED);
        }
    }

    private void allow(Map<String, String> into, Http2Headers h) {
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            String name = e.getKey().toString().toLowerCase(Locale.ROOT);
            if (config.httpHeaderAllowlist().contains(name) && !L7Config.REDACTED.contains(name)) {
                into.put(name, e.getValue().toString());
            }
        }
    }

    private static String str(CharSequence c) {
        return c == null ? null : c.toString();
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8)
                | (b[at + 3] & 0xff);
    }

    @Override
    public void onGap(int direction, long seq, long length, long ts) {
        // frames cannot be found again in the middle of a stream, and HPACK state is lost with them
        Side s = sides[direction];
        s.clock.skip(length);
        if (s.state != State.DEAD) {
            dead(s, "bytes lost");
        }
    }

    @Override
    public void expire(long now) {
        long timeout = config.responseTimeoutNanos();
        for (Http2Stream st : new ArrayList<>(streams.values())) {
            if (!st.responseSeen && st.requestSeen && now - st.exchange.requestStartNanos() >= timeout) {
                finish(st, L7Status.NO_RESPONSE);
            }
        }
    }

    @Override
    public void onClose(long ts) {
        for (Http2Stream st : new ArrayList<>(streams.values())) {
            finish(st, st.responseSeen ? L7Status.RESPONSE_MALFORMED : L7Status.NO_RESPONSE);
        }
    }
}
