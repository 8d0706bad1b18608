package io.netsieve.l7.internal;

/**
 * The TCP segments of one direction (from {@code StreamHandler.onSegment}: every captured packet with payload,
 * retransmissions included) kept until the messages they carry are emitted, so that an exchange can count the
 * packets, retransmissions and L4 chunks whose payload overlaps its request or response seq range.
 *
 * <p>Bounded: past {@link #MAX_ENTRIES} entries the two oldest are merged into one run (its packets then count
 * for any range that overlaps the run: an over-count at the run's edges, only for a message of more than that many
 * segments still in progress). The entries are a ring of primitive columns: nothing is allocated per segment.
 */
final class SegmentLedger {
    static final int MAX_ENTRIES = 4096;

    /** Per entry: seq, end seq (seq + length, raw, may wrap), packets, retransmissions, first and last chunk. */
    private static final long[] NONE = {};
    private long[] seq = NONE;
    private long[] end = NONE;
    private long[] packets = NONE;
    private long[] retrans = NONE;
    private int[] firstChunk = {};
    private int[] lastChunk = {};
    private int head;
    private int size;

    void add(long seq, int length, boolean retransmission, int chunkId) {
        if (size == this.seq.length) {
            grow();
        }
        int mask = this.seq.length - 1;
        int i = (head + size) & mask;
        this.seq[i] = seq;
        end[i] = (seq + length) & 0xffffffffL;
        packets[i] = 1;
        retrans[i] = retransmission ? 1 : 0;
        firstChunk[i] = chunkId;
        lastChunk[i] = chunkId;
        size++;
        if (size > MAX_ENTRIES) {
            int a = head;
            int b = (head + 1) & mask;
            this.seq[b] = diff(this.seq[b], this.seq[a]) < 0 ? this.seq[b] : this.seq[a];
            end[b] = diff(end[b], end[a]) > 0 ? end[b] : end[a];
            packets[b] += packets[a];
            retrans[b] += retrans[a];
            firstChunk[b] = Math.min(firstChunk[a], firstChunk[b]);
            lastChunk[b] = Math.max(lastChunk[a], lastChunk[b]);
            head = b;
            size--;
        }
    }

    private void grow() {
        int n = Math.max(seq.length, 4);
        seq = unroll(seq, new long[n * 2]);
        end = unroll(end, new long[n * 2]);
        packets = unroll(packets, new long[n * 2]);
        retrans = unroll(retrans, new long[n * 2]);
        int[] f = new int[n * 2];
        int[] l = new int[n * 2];
        for (int k = 0; k < size; k++) {
            f[k] = firstChunk[(head + k) & (firstChunk.length - 1)];
            l[k] = lastChunk[(head + k) & (firstChunk.length - 1)];
        }
        firstChunk = f;
        lastChunk = l;
        head = 0;
    }

    private long[] unroll(long[] from, long[] to) {
        for (int k = 0; k < size; k++) {
            to[k] = from[(head + k) & (from.length - 1)];
        }
        return to;
    }

    /**
     * Adds the segments overlapping raw seq range {@code [seq, seq + length)} to {@code out}: {packets,
     * retransmissions, first chunk, last chunk} (chunks -1 when none so far).
     */
    void count(long seq, long length, long[] out) {
        if (seq < 0 || length <= 0 || size == 0) {
            return;
        }
        long to = (seq + length) & 0xffffffffL;
        int mask = this.seq.length - 1;
        for (int k = 0; k < size; k++) {
            int i = (head + k) & mask;
            if (diff(end[i], seq) > 0 && diff(to, this.seq[i]) > 0) {
                out[0] += packets[i];
                out[1] += retrans[i];
                out[2] = out[2] < 0 ? firstChunk[i] : Math.min(out[2], firstChunk[i]);
                out[3] = Math.max(out[3], lastChunk[i]);
            }
        }
    }

    /** Forgets the segments that end at or before raw seq {@code seq} (the messages before it were emitted). */
    void releaseBefore(long seq) {
        if (seq < 0 || size == 0) {
            return;
        }
        int mask = this.seq.length - 1;
        while (size > 0 && diff(end[head], seq) <= 0) {
            head = (head + 1) & mask;
            size--;
        }
    }

    /** Signed distance a - b of two raw 32-bit sequence numbers. */
    private static int diff(long a, long b) {
        return (int) (a - b);
    }
}
