package io.netsieve.l7.internal;

/**
 * Maps stream offsets of one direction to the TCP seq and capture time of the segment that carried them. Keeps the
 * segments from the oldest offset still asked for ({@link #release}) plus the newest: a parser asks for the first
 * byte of the message in progress and for the last byte just consumed, never for the middle of a long body. The
 * segments are a ring of primitive columns: nothing is allocated per segment.
 */
public final class SegmentClock {
    private static final int MAX = 64;

    /** Per segment: stream offset of its first byte, its seq (-1 unknown), capture time. */
    private long[] offsets = new long[4];
    private long[] seqs = new long[4];
    private long[] times = new long[4];
    private int head;
    private int size;
    private long received;

    /** A segment of {@code length} bytes whose first byte has {@code seq} (-1 unknown) arrived at {@code ts}. */
    public void add(int length, long seq, long ts) {
        if (size == offsets.length) {
            grow();
        }
        int i = (head + size) & (offsets.length - 1);
        offsets[i] = received;
        seqs[i] = seq;
        times[i] = ts;
        size++;
        received += length;
        if (size > MAX) {
            // bound: drop the middle (offsets between the oldest kept and the newest are not asked for)
            int last = (head + size - 1) & (offsets.length - 1);
            int second = (head + 1) & (offsets.length - 1);
            offsets[second] = offsets[last];
            seqs[second] = seqs[last];
            times[second] = times[last];
            size = 2;
        }
    }

    private void grow() {
        int n = offsets.length;
        long[] o = new long[n * 2];
        long[] s = new long[n * 2];
        long[] t = new long[n * 2];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (n - 1);
            o[k] = offsets[i];
            s[k] = seqs[i];
            t[k] = times[i];
        }
        offsets = o;
        seqs = s;
        times = t;
        head = 0;
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
        int mask = offsets.length - 1;
        while (size > 1 && offsets[(head + 1) & mask] <= offset) {
            head = (head + 1) & mask;
            size--;
        }
    }

    /** The index of the segment holding {@code offset} (the oldest kept when before it), -1 when none. */
    private int at(long offset) {
        if (size == 0) {
            return -1;
        }
        int mask = offsets.length - 1;
        int found = head;
        for (int k = 1; k < size; k++) {
            int i = (head + k) & mask;
            if (offsets[i] <= offset) {
                found = i;
            } else {
                break;
            }
        }
        return found;
    }

    public long seqAt(long offset) {
        int i = at(offset);
        return i < 0 || seqs[i] < 0 ? -1 : (seqs[i] + (offset - offsets[i])) & 0xffffffffL;
    }

    public long timeAt(long offset) {
        int i = at(offset);
        return i < 0 ? 0 : times[i];
    }
}
