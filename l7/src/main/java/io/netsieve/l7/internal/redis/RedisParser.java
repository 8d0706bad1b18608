package io.netsieve.l7.internal.redis;

import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Exchange;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.internal.SegmentClock;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Redis of one connection: commands queue in order (pipelining) and each reply completes the oldest; RESP3 pushes
 * ({@code >}) are not replies. Records carry the command name and argument count (never the argument values), the
 * reply type and the error text, as the attributes {@code redis_command}, {@code redis_args},
 * {@code redis_reply_type}, {@code redis_error}. Bad framing: the direction's partial message is dropped and reading
 * restarts with the next delivered segment.
 */
final class RedisParser implements L7Parser {
    /** A command waiting for its reply. */
    private static final class Pending {
        final L7Exchange exchange = new L7Exchange();
        String command;
        long args;
        boolean expired;
    }

    private final L7Context ctx;
    private final SegmentClock[] clocks = {new SegmentClock(), new SegmentClock()};
    private final RespReader[] readers = new RespReader[2];
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final boolean[] resync = new boolean[2];

    RedisParser(L7Context ctx) {
        this.ctx = ctx;
        readers[0] = new RespReader(new RespReader.Sink() {
            @Override
            public void message(char type, String first, long elements, String error, long start, long end) {
                command(type, first, elements, start, end);
            }

            @Override
            public void malformed(String why, long offset) {
                resync[0] = true;
            }
        });
        readers[1] = new RespReader(new RespReader.Sink() {
            @Override
            public void message(char type, String first, long elements, String error, long start, long end) {
                reply(type, error, start, end);
            }

            @Override
            public void malformed(String why, long offset) {
                resync[1] = true;
                Pending p = oldest();
                if (p != null) {
                    emit(p, L7Status.RESPONSE_MALFORMED, null, "malformed: " + why);
                }
            }
        });
    }

    @Override
    public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
        SegmentClock clock = clocks[direction];
        RespReader reader = readers[direction];
        if (resync[direction]) {
            // after bad framing the next segment is taken as the start of a message
            resync[direction] = false;
            reader.reset(clock.received());
        }
        clock.add(length, seq, ts);
        byte[] b = new byte[length];
        data.get(offset, b);
        reader.feed(b, 0, length);
        if (resync[direction]) {
            ctx.countLostBytes(clock.received() - reader.offsetAfterFailure());
        }
    }

    private void command(char type, String first, long elements, long start, long end) {
        if (pending.size() >= ctx.config().maxPendingPerConnection()) {
            pending.pollFirst();
            ctx.countPendingEvicted();
        }
        Pending p = new Pending();
        SegmentClock c = clocks[0];
        p.exchange.request(c.seqAt(start), c.timeAt(start), 0);
        p.exchange.request(-1, c.timeAt(end - 1), end - start);
        p.command = first == null ? null : first.toUpperCase(Locale.ROOT);
        p.args = Math.max(0, elements - 1);
        pending.addLast(p);
        c.release(end);
    }

    private void reply(char type, String error, long start, long end) {
        SegmentClock c = clocks[1];
        if (type == '>') {
            c.release(end);
            return; // a RESP3 push: out-of-band data, not an answer
        }
        Pending p = oldest();
        boolean orphan = p == null;
        if (orphan) {
            p = new Pending();
        }
        p.exchange.response(c.seqAt(start), c.timeAt(start), 0);
        p.exchange.response(-1, c.timeAt(end - 1), end - start);
        c.release(end);
        emit(p, orphan ? L7Status.NO_REQUEST : L7Status.OK, typeName(type), error);
    }

    private Pending oldest() {
        return pending.peekFirst();
    }

    private void emit(Pending p, L7Status status, String replyType, String error) {
        pending.remove(p);
        if (p.expired) {
            ctx.countLateResponse(); // reported as "no response" already; its late reply only keeps the order
            return;
        }
        Map<String, String> a = new HashMap<>();
        if (p.command != null) {
            a.put("redis_command", p.command);
            a.put("redis_args", Long.toString(p.args));
        }
        if (replyType != null) {
            a.put("redis_reply_type", replyType);
        }
        if (error != null) {
            a.put("redis_error", error);
        }
        ctx.emit(p.exchange, status, null, null, a, null);
    }

    static String typeName(char t) {
        return switch (t) {
            case '+' -> "simple_string";
            case '-' -> "error";
            case ':' -> "integer";
            case '$' -> "bulk_string";
            case '*' -> "array";
            case '_' -> "null";
            case '#' -> "boolean";
            case ',' -> "double";
            case '(' -> "big_number";
            case '!' -> "bulk_error";
            case '=' -> "verbatim_string";
            case '%' -> "map";
            case '~' -> "set";
            case '|' -> "attribute";
            default -> "unknown";
        };
    }

    @Override
    public void onGap(int direction, long seq, long length, long ts) {
        if (direction == 1 && readers[1].inMessage() && oldest() != null) {
            emit(oldest(), L7Status.RESPONSE_MALFORMED, null, "reply cut by lost bytes");
        }
        clocks[direction].skip(length);
        readers[direction].reset(clocks[direction].received());
        resync[direction] = false;
    }

    @Override
    public void expire(long now) {
        long timeout = ctx.config().responseTimeoutNanos();
        for (Pending p : pending) {
            if (p.expired) {
                continue;
            }
            if (now - p.exchange.requestStartNanos() < timeout) {
                break;
            }
            p.expired = true;
            noResponse(p);
        }
    }

    private void noResponse(Pending p) {
        Map<String, String> a = new HashMap<>();
        if (p.command != null) {
            a.put("redis_command", p.command);
            a.put("redis_args", Long.toString(p.args));
        }
        ctx.emit(p.exchange, L7Status.NO_RESPONSE, null, null, a, null);
    }

    @Override
    public void onClose(long ts) {
        for (Pending p : pending) {
            if (!p.expired) {
                noResponse(p);
            }
        }
        pending.clear();
    }
}
