package io.netsieve.l7.internal;

import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.Detection;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7ContextBase;
import io.netsieve.l7.L7Exchange;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7LogListener;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.L7Registry;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One connection (or UDP flow) on the L7 side: detects the protocol from the first bytes, then hands everything to
 * that protocol's parser. Bytes seen while no protocol can decide yet are copied (bounded by
 * {@link L7Config#detectionMaxBytes()}) and replayed to the parser in arrival order once one matches.
 */
public final class ConnectionHandler extends L7ContextBase implements StreamHandler, DatagramHandler {
    private enum State { DETECTING, PARSING, IGNORED, CLOSED }

    /** Bytes held while detecting. */
    private record Held(int direction, byte[] bytes, long seq, long timestampNanos) {
    }

    private final L7Registry registry;
    private final L7LogListener listener;
    private final Counters counters;
    private final Consumer<ConnectionHandler> onClosed;
    private final List<Held> held = new ArrayList<>(2);
    private final int[] heldBytes = new int[2];
    private State state = State.DETECTING;
    private L7Protocol protocol;
    private L7Parser parser;
    private boolean reversed;
    /** The L4 direction in which a request was seen (rule 2 of direction), -1 while none was. */
    private int requestDirection = -1;
    private final SegmentLedger[] ledgers;
    /**
     * The bytes a tunnel of another connection's protocol carries (after a 2xx to CONNECT): detected and parsed as a
     * connection, its records joined with that connection's segments; not a connection of its own in the counters.
     */
    private final boolean tunnel;
    /** Per record, of request and response: {packets, retransmissions, first chunk, last chunk} (reused). */
    private final long[] reqCount = new long[4];
    private final long[] respCount = new long[4];

    public ConnectionHandler(StreamInfo info, Transport transport, L7Registry registry, L7Config config,
                             L7LogListener listener, Counters counters, Consumer<ConnectionHandler> onClosed) {
        this(info, transport, registry, config, listener, counters, onClosed,
                new SegmentLedger[] {new SegmentLedger(), new SegmentLedger()}, false);
    }

    private ConnectionHandler(StreamInfo info, Transport transport, L7Registry registry, L7Config config,
                              L7LogListener listener, Counters counters, Consumer<ConnectionHandler> onClosed,
                              SegmentLedger[] ledgers, boolean tunnel) {
        super(info, transport, config);
        this.ledgers = ledgers;
        this.tunnel = tunnel;
        this.registry = registry;
        this.listener = listener;
        this.counters = counters;
        this.onClosed = onClosed;
    }

    /**
     * A handler for what a tunnel through this connection carries (after a 2xx to CONNECT), fed by this connection's
     * parser with L4's directions: protocol detection and parsing as for a connection of its own, records named as
     * this connection's (its client and server, its segments for the L4 join).
     */
    public ConnectionHandler tunnel() {
        ConnectionHandler t = new ConnectionHandler(connection(), transport(), registry, config(), listener, counters,
                h -> { }, ledgers, true);
        t.reversed = reversed;
        return t;
    }

    /**
     * As {@link #tunnel()}, for a protocol that is known rather than detected (WebSocket after its upgrade): parsing
     * starts at once with {@code protocol}.
     */
    public ConnectionHandler tunnel(L7Protocol protocol) {
        ConnectionHandler t = tunnel();
        t.start(protocol);
        return t;
    }

    @Override
    public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long timestampNanos) {
        if (state == State.DETECTING) {
            detect(direction, data, offset, length, seq, timestampNanos);
            return;
        }
        if (state == State.PARSING) {
            try {
                parser.onData(direction, data, offset, length, seq, timestampNanos);
                parser.expire(timestampNanos);
            } catch (RuntimeException e) {
                fail();
            }
        }
    }

    @Override
    public void onSegment(int direction, long seq, int length, boolean retransmission, int chunkId,
                          long timestampNanos) {
        if (state == State.DETECTING || state == State.PARSING) {
            ledgers[direction].add(seq, length, retransmission, chunkId);
        }
    }

    @Override
    public void onDatagram(int direction, ByteBuffer data, int offset, int length, int wireLength,
                           long timestampNanos) {
        onData(direction, data, offset, length, -1, timestampNanos);
    }

    @Override
    public void onGap(int direction, long seq, long length, long timestampNanos) {
        if (state == State.DETECTING) {
            // the bytes held for this direction no longer start a message we can trust: start over after the gap
            held.removeIf(h -> h.direction == direction);
            heldBytes[direction] = 0;
            return;
        }
        if (state == State.PARSING) {
            if (!tunnel) { // the connection's handler counted them
                counters.gaps++;
                counters.lostBytes += length;
            }
            try {
                parser.onGap(direction, seq, length, timestampNanos);
            } catch (RuntimeException e) {
                fail();
            }
        }
    }

    @Override
    public void onEnd(int direction, long timestampNanos) {
        if (state == State.PARSING) {
            try {
                parser.onEnd(direction, timestampNanos);
            } catch (RuntimeException e) {
                fail();
            }
        }
    }

    @Override
    public void onClose(long timestampNanos) {
        if (state == State.DETECTING && !tunnel) {
            // never decided: the bytes seen were too few for any protocol
            counters.undetected++;
        }
        if (state == State.PARSING) {
            try {
                parser.onClose(timestampNanos);
            } catch (RuntimeException e) {
                counters.parserFailures++;
            }
        }
        state = State.CLOSED;
        parser = null;
        held.clear();
        onClosed.accept(this);
    }

    /** Timeout sweep from the tracker. */
    public void expire(long nowNanos) {
        if (state == State.PARSING) {
            try {
                parser.expire(nowNanos);
            } catch (RuntimeException e) {
                fail();
            }
        }
    }

    private void detect(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
        // detection runs over what this direction sent so far: the held bytes plus this call's
        ByteBuffer view = data;
        int from = offset;
        int len = length;
        if (heldBytes[direction] > 0) {
            byte[] joined = new byte[heldBytes[direction] + length];
            int at = 0;
            for (Held h : held) {
                if (h.direction == direction) {
                    System.arraycopy(h.bytes, 0, joined, at, h.bytes.length);
                    at += h.bytes.length;
                }
            }
            data.get(offset, joined, at, length);
            view = ByteBuffer.wrap(joined);
            from = 0;
            len = joined.length;
        }
        boolean needMore = false;
        Transport transport = transport();
        for (L7Protocol p : registry.candidates(transport, connection().serverPort())) {
            Detection d;
            try {
                d = p.detect(transport, direction, view, from, len);
            } catch (RuntimeException e) {
                d = Detection.NO_MATCH;
            }
            if (d == Detection.MATCH) {
                start(p);
                replay();
                onData(direction, data, offset, length, seq, ts);
                return;
            }
            needMore |= d == Detection.NEED_MORE;
        }
        if (!needMore || transport == Transport.UDP || len >= config().detectionMaxBytes()) {
            state = State.IGNORED;
            if (!tunnel) {
                counters.undetected++;
            }
            held.clear();
            return;
        }
        byte[] copy = new byte[length];
        data.get(offset, copy);
        held.add(new Held(direction, copy, seq, ts));
        heldBytes[direction] += length;
    }

    private void start(L7Protocol p) {
        protocol = p;
        if (!tunnel) {
            counters.detected++;
        }
        try {
            parser = p.newParser(this);
            state = State.PARSING;
        } catch (RuntimeException e) {
            counters.parserFailures++;
            state = State.IGNORED;
        }
    }

    private void replay() {
        List<Held> copy = new ArrayList<>(held);
        held.clear();
        heldBytes[0] = heldBytes[1] = 0;
        for (Held h : copy) {
            onData(h.direction, ByteBuffer.wrap(h.bytes), 0, h.bytes.length, h.seq, h.timestampNanos);
        }
    }

    private void fail() {
        counters.parserFailures++;
        state = State.IGNORED;
        parser = null;
    }

    // L7Context

    @Override
    public void emit(String l7Proto, L7Exchange x, L7Status status, HttpInfo http, DnsInfo dns,
                     Map<String, String> attributes, String l7TraceId) {
        boolean req = x.hasRequest();
        boolean resp = x.hasResponse();
        if (req && status != L7Status.REQUEST_MALFORMED && requestDirection < 0) {
            requestDirection = reversed ? StreamHandler.SERVER_TO_CLIENT : StreamHandler.CLIENT_TO_SERVER;
        }
        long start = req ? x.requestStartNanos() : x.responseStartNanos();
        String traceId = l7TraceId != null ? l7TraceId
                : (req ? x.requestSeq() : 0) + "_" + (resp ? x.responseSeq() : 0);
        // L4 join: which stream direction carries the request, which one is the capture point's tx
        int reqDir = reversed ? StreamHandler.SERVER_TO_CLIENT : StreamHandler.CLIENT_TO_SERVER;
        StreamInfo info = connection();
        Transport transport = transport();
        int srcDir = info.clientIsSrc() ? StreamHandler.CLIENT_TO_SERVER : StreamHandler.SERVER_TO_CLIENT;
        boolean reqIsTx = reqDir == srcDir;
        long reqSeq = req ? x.requestSeq() : -1;
        long respSeq = resp ? x.responseSeq() : -1;
        long[] reqCount = counts(this.reqCount);
        long[] respCount = counts(this.respCount);
        if (transport == Transport.TCP) {
            ledgers[reqDir].count(reqSeq, x.requestBytes(), reqCount);
            ledgers[1 - reqDir].count(respSeq, x.responseBytes(), respCount);
            ledgers[reqDir].releaseBefore(reqSeq);
            ledgers[1 - reqDir].releaseBefore(respSeq);
        } else {
            reqCount[0] = req ? 1 : 0;
            respCount[0] = resp ? 1 : 0;
        }
        int chunkMin = (int) (reqCount[2] < 0 ? respCount[2] : respCount[2] < 0 ? reqCount[2]
                : Math.min(reqCount[2], respCount[2]));
        int chunkMax = (int) Math.max(reqCount[3], respCount[3]);
        long[] txCount = reqIsTx ? reqCount : respCount;
        long[] rxCount = reqIsTx ? respCount : reqCount;
        L7Log log = new L7Log(start, info.capturePointId(), transport.l4Proto(),
                l7Proto != null ? l7Proto : protocol.name(),
                reversed ? info.serverIp() : info.clientIp(), reversed ? info.serverPort() : info.clientPort(),
                reversed ? info.clientIp() : info.serverIp(), reversed ? info.clientPort() : info.serverPort(),
                info.innerTraceId(), traceId,
                reqSeq, respSeq, x.requestBytes(), x.responseBytes(),
                reqIsTx ? reqSeq : respSeq, reqIsTx ? respSeq : reqSeq,
                txCount[0], rxCount[0],
                reqIsTx ? x.requestBytes() : x.responseBytes(), reqIsTx ? x.responseBytes() : x.requestBytes(),
                txCount[1], rxCount[1], chunkMin, chunkMax,
                req ? x.requestEndNanos() - x.requestStartNanos() : -1,
                req && resp ? Math.max(0, x.responseStartNanos() - x.requestEndNanos()) : -1,
                resp ? x.responseEndNanos() - x.responseStartNanos() : -1,
                req && resp ? x.responseEndNanos() - x.requestStartNanos() : -1,
                status, http, dns, attributes);
        counters.records++;
        switch (status) {
            case OK -> counters.ok++;
            case NO_RESPONSE -> counters.noResponse++;
            case REQUEST_MALFORMED -> counters.requestMalformed++;
            case RESPONSE_MALFORMED -> counters.responseMalformed++;
            case NO_REQUEST -> counters.noRequest++;
        }
        try {
            listener.onLog(log);
        } catch (RuntimeException e) {
            counters.listenerFailures++;
        }
    }

    private static long[] counts(long[] c) {
        c[0] = 0;
        c[1] = 0;
        c[2] = -1;
        c[3] = -1;
        return c;
    }

    // ApplicationHints (polled by L4 when it writes a record of this connection)

    @Override
    public int requestDirection() {
        return requestDirection;
    }

    @Override
    public String applicationProtocol() {
        return protocol != null ? protocol.name() : null;
    }

    @Override
    public void reverseRoles() {
        reversed = true;
    }

    @Override
    public void countLostBytes(long bytes) {
        counters.lostBytes += bytes;
    }

    @Override
    public void countLateResponse() {
        counters.lateResponses++;
    }

    @Override
    public void countPendingEvicted() {
        counters.pendingEvicted++;
    }
}
