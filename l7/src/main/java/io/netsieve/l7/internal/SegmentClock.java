package io.netsieve.l7.internal;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Maps stream offsets of one direction to the TCP seq and capture time of the segment that carried them. Keeps the
 * segments from the oldest offset still asked for ({@link #release}) plus the newest: a parser asks for the first
 * byte of the message in progress and for the last byte just consumed, never for the middle of a long body.
 */
public final class SegmentClock {
    private final ArrayDeque<long[]> segments = new ArrayDeque<>();
    private long received;

    /** A segment of {@code length} bytes whose first byte has {@code seq} (-1 unknown) arrived at {@code ts}. */
    public void add(int length, long seq, long ts) {
        segments.addLast(new long[] {received, seq, ts});
        received += length;
        if (segments.size() > 64) {
            // bound: drop the middle (offsets between the oldest kept and the newest are not asked for)
            long[] first = segments.pollFirst();
            long[] last = segments.pollLast();
            segments.clear();
            segments.add(first);
            segments.add(last);
        }
    }

    /** Bytes lost: offsets continue after them, the segments before are forgotten. */
    public void skip(long length) {
        received += length;
        segments.clear();
    }

    public long received() {
        return received;
    }

    /** Offsets before {@code offset} will not be asked for any more. */
    public void release(long offset) {
        while (segments.size() > 1) {
            Iterator<long[]> it = segments.iterator();
            it.next();
            if (it.next()[0] <= offset) {
                segments.pollFirst();
            } else {
                break;
            }
        }
    }

    private long[] at(long offset) {
        long[] found = segments.peekFirst();
        for (long[] s : segments) {
            if (s[0] <= offset) {
                found = s;
            } else {
                break;
            }
        }
        return found;
    }

    public long seqAt(long offset) {
        long[] s = at(offset);
        return s == null || s[1] < 0 ? -1 : (s[1] + (offset - s[0])) & 0xffffffffL;
    }

    public long timeAt(long offset) {
        long[] s = at(offset);
        return s == null ? 0 : s[2];
    }
}
