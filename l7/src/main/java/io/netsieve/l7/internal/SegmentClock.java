package io.netsieve.l7.internal;

/**
 * Maps stream offsets of one direction to the TCP seq and capture time of the segment that carried them. Keeps the
 * segments from the oldest offset still asked for ({@link #release}) plus the newest: a parser asks for the first
 * byte of the message in progress and for the last byte just consumed, never for the middle of a long body. The
 * segments are a ring in one {@code long[]}: nothing is allocated per segment.
 */
public final class SegmentClock {
    private static final int MAX = 64;
    /** Per segment: stream offset of its first byte, its seq (-1 unknown), capture time. */
    private static final int OFFSET = 0;
    private static final int SEQ = 1;
    private static final int TIME = 2;
    private static final int STRIDE = 3;

    /** Segment {@code k} (0 the oldest) at {@code STRIDE * ((head + k) & (capacity - 1))}. */
    private long[] ring = new long[4 * STRIDE];
    private int head;
    private int size;
    private long received;

    private int capacity() {
        return ring.length / STRIDE;
    }

    /** Where segment {@code k} starts. */
    private int at(int k) {
        return STRIDE * ((head + k) & (capacity() - 1));
    }

    /** A segment of {@code length} bytes whose first byte has {@code seq} (-1 unknown) arrived at {@code ts}. */
    public void add(int length, long seq, long ts) {
        if (size == capacity()) {
            long[] to = new long[ring.length * 2];
            for (int k = 0; k < size; k++) {
                System.arraycopy(ring, at(k), to, k * STRIDE, STRIDE);
            }
            ring = to;
            head = 0;
        }
        int i = at(size);
        ring[i + OFFSET] = received;
        ring[i + SEQ] = seq;
        ring[i + TIME] = ts;
        size++;
        received += length;
        if (size > MAX) {
            // bound: drop the middle (offsets between the oldest kept and the newest are not asked for)
            System.arraycopy(ring, at(size - 1), ring, at(1), STRIDE);
            size = 2;
        }
    }

    /** Bytes lost: offsets continue after them, the segments before are forgotten. */
    public void skip(long length) {
        received += length;
        size = 0;
    }

    public long received() {
        return received;
    }

    /** Offsets before {@code offset} will not be asked for any more. */
    public void release(long offset) {
        while (size > 1 && ring[at(1) + OFFSET] <= offset) {
            head = (head + 1) & (capacity() - 1);
            size--;
        }
    }

    /** Where the segment holding {@code offset} starts (the oldest kept when before it), -1 when none. */
    private int find(long offset) {
        if (size == 0) {
            return -1;
        }
        int found = at(0);
        for (int k = 1; k < size; k++) {
            int i = at(k);
            if (ring[i + OFFSET] <= offset) {
                found = i;
            } else {
                break;
            }
        }
        return found;
    }

    public long seqAt(long offset) {
        int i = find(offset);
        return i < 0 || ring[i + SEQ] < 0 ? -1 : (ring[i + SEQ] + (offset - ring[i + OFFSET])) & 0xffffffffL;
    }

    public long timeAt(long offset) {
        int i = find(offset);
        return i < 0 ? 0 : ring[i + TIME];
    }
}
