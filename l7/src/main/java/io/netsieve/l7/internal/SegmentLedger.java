package io.netsieve.l7.internal;

/**
 * The TCP segments of one direction (from {@code StreamHandler.onSegment}: every captured packet with payload,
 * retransmissions included) kept until the messages they carry are emitted, so that an exchange can count the
 * packets, retransmissions and L4 chunks whose payload overlaps its request or response seq range.
 *
 * <p>Bounded: past {@link #MAX_ENTRIES} entries the two oldest are merged into one run (its packets then count
 * for any range that overlaps the run: an over-count at the run's edges, only for a message of more than that many
 * segments still in progress). The entries are a ring in one {@code long[]}: nothing is allocated per segment.
 */
final class SegmentLedger {
    static final int MAX_ENTRIES = 4096;
    /** Per entry: seq, end seq (seq + length, raw, may wrap), packets, retransmissions, first chunk, last chunk. */
    private static final int SEQ = 0;
    private static final int END = 1;
    private static final int PACKETS = 2;
    private static final int RETRANS = 3;
    private static final int FIRST_CHUNK = 4;
    private static final int LAST_CHUNK = 5;
    private static final int STRIDE = 6;

    /** Entry {@code k} (0 the oldest) at {@code STRIDE * ((head + k) & (capacity - 1))}; allocated at the first. */
    private long[] ring = {};
    private int head;
    private int size;

    private int capacity() {
        return ring.length / STRIDE;
    }

    /** Where entry {@code k} starts. */
    private int at(int k) {
        return STRIDE * ((head + k) & (capacity() - 1));
    }

    void add(long seq, int length, boolean retransmission, int chunkId) {
        if (size == capacity()) {
            grow();
        }
        int i = at(size);
        ring[i + SEQ] = seq;
        ring[i + END] = (seq + length) & 0xffffffffL;
        ring[i + PACKETS] = 1;
        ring[i + RETRANS] = retransmission ? 1 : 0;
        ring[i + FIRST_CHUNK] = chunkId;
        ring[i + LAST_CHUNK] = chunkId;
        size++;
        if (size > MAX_ENTRIES) {
            int a = at(0);
            int b = at(1);
            ring[b + SEQ] = diff(ring[b + SEQ], ring[a + SEQ]) < 0 ? ring[b + SEQ] : ring[a + SEQ];
            ring[b + END] = diff(ring[b + END], ring[a + END]) > 0 ? ring[b + END] : ring[a + END];
            ring[b + PACKETS] += ring[a + PACKETS];
            ring[b + RETRANS] += ring[a + RETRANS];
            ring[b + FIRST_CHUNK] = Math.min(ring[a + FIRST_CHUNK], ring[b + FIRST_CHUNK]);
            ring[b + LAST_CHUNK] = Math.max(ring[a + LAST_CHUNK], ring[b + LAST_CHUNK]);
            head = (head + 1) & (capacity() - 1);
            size--;
        }
    }

    private void grow() {
        long[] to = new long[Math.max(4, capacity() * 2) * STRIDE];
        for (int k = 0; k < size; k++) {
            System.arraycopy(ring, at(k), to, k * STRIDE, STRIDE);
        }
        ring = to;
        head = 0;
    }

    /**
     * Adds the segments overlapping raw seq range {@code [seq, seq + length)} to {@code out}: {packets,
     * retransmissions, first chunk, last chunk} (chunks -1 when none so far).
     */
    void count(long seq, long length, long[] out) {
        if (seq < 0 || length <= 0) {
            return;
        }
        long to = (seq + length) & 0xffffffffL;
        for (int k = 0; k < size; k++) {
            int i = at(k);
            if (diff(ring[i + END], seq) > 0 && diff(to, ring[i + SEQ]) > 0) {
                out[0] += ring[i + PACKETS];
                out[1] += ring[i + RETRANS];
                out[2] = out[2] < 0 ? ring[i + FIRST_CHUNK] : Math.min(out[2], ring[i + FIRST_CHUNK]);
                out[3] = Math.max(out[3], ring[i + LAST_CHUNK]);
            }
        }
    }

    /** Forgets the segments that end at or before raw seq {@code seq} (the messages before it were emitted). */
    void releaseBefore(long seq) {
        if (seq < 0) {
            return;
        }
        while (size > 0 && diff(ring[at(0) + END], seq) <= 0) {
            head = (head + 1) & (capacity() - 1);
            size--;
        }
    }

    /** Signed distance a - b of two raw 32-bit sequence numbers. */
    private static int diff(long a, long b) {
        return (int) (a - b);
    }
}
