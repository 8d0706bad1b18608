package io.netsieve.l7.internal;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The TCP segments of one direction (from {@code StreamHandler.onSegment}: every captured packet with payload,
 * retransmissions included) kept until the messages they carry are emitted, so that an exchange can count the
 * packets, retransmissions and L4 chunks whose payload overlaps its request or response seq range.
 *
 * <p>Bounded: past {@link #MAX_ENTRIES} entries the two oldest are merged into one run (its packets then count
 * for any range that overlaps the run: an over-count at the run's edges, only for a message of more than that many
 * segments still in progress).
 */
final class SegmentLedger {
    static final int MAX_ENTRIES = 4096;

    /** {seq, end seq (seq + length, raw, may wrap), packets, retransmissions, first chunk, last chunk}. */
    private final ArrayDeque<long[]> entries = new ArrayDeque<>();

    void add(long seq, int length, boolean retransmission, int chunkId) {
        entries.addLast(new long[] {seq, (seq + length) & 0xffffffffL, 1, retransmission ? 1 : 0, chunkId, chunkId});
        if (entries.size() > MAX_ENTRIES) {
            long[] a = entries.pollFirst();
            long[] b = entries.pollFirst();
            long start = diff(b[0], a[0]) < 0 ? b[0] : a[0];
            long end = diff(b[1], a[1]) > 0 ? b[1] : a[1];
            entries.addFirst(new long[] {start, end, a[2] + b[2], a[3] + b[3], Math.min(a[4], b[4]),
                    Math.max(a[5], b[5])});
        }
    }

    /**
     * Adds the segments overlapping raw seq range {@code [seq, seq + length)} to {@code out}: {packets,
     * retransmissions, first chunk, last chunk} (chunks -1 when none so far).
     */
    void count(long seq, long length, long[] out) {
        if (seq < 0 || length <= 0) {
            return;
        }
        long end = (seq + length) & 0xffffffffL;
        for (long[] e : entries) {
            if (diff(e[1], seq) > 0 && diff(end, e[0]) > 0) {
                out[0] += e[2];
                out[1] += e[3];
                out[2] = out[2] < 0 ? e[4] : Math.min(out[2], e[4]);
                out[3] = Math.max(out[3], e[5]);
            }
        }
    }

    /** Forgets the segments that end at or before raw seq {@code seq} (the messages before it were emitted). */
    void releaseBefore(long seq) {
        if (seq < 0) {
            return;
        }
        Iterator<long[]> it = entries.iterator();
        while (it.hasNext()) {
            long[] e = it.next();
            if (diff(e[1], seq) <= 0) {
                it.remove();
            } else {
                break;
            }
        }
    }

    /** Signed distance a - b of two raw 32-bit sequence numbers. */
    private static int diff(long a, long b) {
        return (int) (a - b);
    }
}
