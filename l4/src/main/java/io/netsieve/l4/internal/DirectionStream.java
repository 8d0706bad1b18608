package io.netsieve.l4.internal;

import io.netsieve.l4.stream.StreamHandler;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One direction of a TCP connection put back in order. In-order payload goes to the handler straight from the
 * capture buffer (no copy); segments ahead of a hole are copied into a bounded buffer and delivered when the hole
 * fills. Retransmitted and overlapping bytes are delivered once (the first copy seen wins). A hole is given up —
 * reported with {@code onGap} and skipped — when the peer acknowledges past it (the bytes were sent but not
 * captured), when the buffer bound is reached, or at the end of the connection. Sequence numbers are compared
 * modulo 2^32.
 */
final class DirectionStream {
    private record Segment(long seq, byte[] data, long ts) {
    }

    private final int direction;
    private final StreamCounters counters;
    private boolean started;
    private long next;
    private boolean finKnown;
    private long finSeq;
    private boolean ended;
    private final List<Segment> pending = new ArrayList<>(0);
    private long pendingBytes;

    DirectionStream(int direction, StreamCounters counters) {
        this.direction = direction;
        this.counters = counters;
    }

    private static int delta(long a, long b) {
        return (int) (a - b); // signed distance modulo 2^32
    }

    private static long add(long seq, long n) {
        return (seq + n) & 0xffffffffL;
    }

    /**
     * A segment of this direction: {@code captured} payload bytes at {@code offset} of {@code buf} out of
     * {@code length} on the wire (the rest was cut by the snap length).
     */
    void segment(TcpStreams owner, long seq, boolean syn, boolean fin, ByteBuffer buf, int offset, int captured,
                 int length, long ts) {
        if (syn) {
            if (!started) {
                started = true;
                next = add(seq, 1);
            }
            seq = add(seq, 1);
        }
        if (!started) {
            if (length == 0 && !fin) {
                return; // a bare ACK says nothing about where this direction's data starts
            }
            started = true;
            next = seq;
        }
        if (length > 0 && !deliverIfDue(owner, seq, buf, offset, captured, length, ts)) {
            bufferAhead(owner, seq, buf, offset, captured, length, ts);
        }
        if (fin && !finKnown) {
            finKnown = true;
            finSeq = add(seq, length);
        }
        checkEnd(owner, ts);
    }

    /**
     * A segment that starts at or before {@code next}: its bytes already delivered count as duplicates, the rest is
     * delivered, followed by what was buffered behind it. False (nothing done) when it starts after {@code next}.
     */
    private boolean deliverIfDue(TcpStreams owner, long seq, ByteBuffer buf, int offset, int captured, int length,
                                 long ts) {
        int d = delta(seq, next);
        if (d > 0) {
            return false;
        }
        long skip = -(long) d;
        if (skip >= length) {
            counters.duplicate += length;
        } else {
            counters.duplicate += skip;
            deliverInOrder(owner, seq, buf, offset, captured, length, (int) skip, ts);
            drain(owner);
        }
        return true;
    }

    /** Delivers bytes [seq+skip, seq+length) of a segment that starts at or before {@code next}. */
    private void deliverInOrder(TcpStreams owner, long seq, ByteBuffer buf, int offset, int captured, int length,
                                int skip, long ts) {
        if (skip < captured) {
            owner.data(direction, buf, offset + skip, captured - skip, add(seq, skip), ts);
        }
        counters.delivered += Math.max(0, captured - skip);
        if (captured < length) {
            // the capture cut the payload: the rest of the segment is a hole the handler must know of
            int from = Math.max(skip, captured);
            gap(owner, add(seq, from), length - from, ts);
        }
        next = add(seq, length);
    }

    private void bufferAhead(TcpStreams owner, long seq, ByteBuffer buf, int offset, int captured, int length,
                             long ts) {
        while (pendingBytes + length > counters.maxBufferedPerFlow
                || counters.buffered + length > counters.maxBufferedTotal) {
            // give the hole up: skip to the first thing we have
            counters.overflows++;
            long target = pending.isEmpty() ? seq : pending.get(0).seq;
            if (delta(seq, target) < 0) {
                target = seq;
            }
            gap(owner, next, Integer.toUnsignedLong(delta(target, next)), ts);
            next = target;
            drain(owner);
            if (deliverIfDue(owner, seq, buf, offset, captured, length, ts)) {
                return;
            }
        }
        byte[] copy = new byte[captured];
        buf.get(offset, copy);
        // a segment cut by the snap length keeps only its captured bytes; the cut part becomes a hole later
        Segment s = new Segment(seq, copy, ts);
        int i = pending.size();
        while (i > 0 && delta(pending.get(i - 1).seq, seq) > 0) {
            i--;
        }
        pending.add(i, s);
        pendingBytes += captured;
        counters.buffered += captured;
        counters.outOfOrder++;
    }

    /** Delivers the buffered segments that now start at or before {@code next}. */
    private void drain(TcpStreams owner) {
        while (!pending.isEmpty()) {
            Segment s = pending.get(0);
            int d = delta(s.seq, next);
            if (d > 0) {
                return;
            }
            pending.remove(0);
            pendingBytes -= s.data.length;
            counters.buffered -= s.data.length;
            long skip = -(long) d;
            int len = s.data.length;
            if (skip >= len) {
                counters.duplicate += len;
                continue;
            }
            counters.duplicate += skip;
            owner.data(direction, ByteBuffer.wrap(s.data), (int) skip, len - (int) skip, add(s.seq, skip), s.ts);
            counters.delivered += len - skip;
            next = add(s.seq, len);
        }
    }

    /** The peer acknowledged up to {@code ack}: bytes before it that we never saw will not come. */
    void acked(TcpStreams owner, long ack, long ts) {
        if (!started) {
            return;
        }
        long limit = ack;
        if (finKnown && delta(ack, finSeq) > 0) {
            limit = finSeq; // the ack covers our FIN's sequence number too
        }
        if (delta(limit, next) <= 0) {
            return;
        }
        long target = limit;
        if (!pending.isEmpty() && delta(pending.get(0).seq, target) < 0) {
            target = pending.get(0).seq;
        }
        if (delta(target, next) > 0) {
            gap(owner, next, Integer.toUnsignedLong(delta(target, next)), ts);
            next = target;
        }
        drain(owner);
        checkEnd(owner, ts);
    }

    /** End of the connection: whatever is still buffered is delivered behind explicit holes. */
    void close(TcpStreams owner, long ts) {
        while (!pending.isEmpty()) {
            Segment s = pending.get(0);
            int d = delta(s.seq, next);
            if (d > 0) {
                gap(owner, next, d, ts);
                next = s.seq;
            }
            drain(owner);
        }
        checkEnd(owner, ts);
    }

    private void gap(TcpStreams owner, long seq, long length, long ts) {
        if (length <= 0) {
            return;
        }
        counters.gaps++;
        counters.missed += length;
        owner.gap(direction, seq, length, ts);
    }

    private void checkEnd(TcpStreams owner, long ts) {
        if (finKnown && !ended && delta(next, finSeq) >= 0 && pending.isEmpty()) {
            ended = true;
            owner.end(direction, ts);
        }
    }

    long bufferedBytes() {
        return pendingBytes;
    }

    static int directionOf(int side, int clientSide) {
        return side == clientSide ? StreamHandler.CLIENT_TO_SERVER : StreamHandler.SERVER_TO_CLIENT;
    }
}
