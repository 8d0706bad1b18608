package io.netsieve.core.capture.internal;

import io.netsieve.core.packet.PacketView;

/**
 * A bounded single-producer single-consumer queue of captured frames: the bytes in one preallocated array (a
 * record that does not fit before the end starts again at 0), the metadata in slot arrays. Nothing is allocated
 * per packet. When a frame does not fit (too many slots in use or too few free bytes) the producer drops it and
 * counts it: the capture thread never blocks.
 */
public final class PacketRing {
    private final byte[] data;
    private final int slots;
    private final int[] offset;
    private final int[] caplen;
    private final int[] wire;
    private final long[] timestamp;
    private final long[] endPosition;
    private volatile long head;
    private volatile long tail;
    private volatile long releasedBytes;
    private volatile long dropped;
    private long writtenBytes;

    public PacketRing(int bytes, int slots) {
        this.data = new byte[bytes];
        this.slots = slots;
        this.offset = new int[slots];
        this.caplen = new int[slots];
        this.wire = new int[slots];
        this.timestamp = new long[slots];
        this.endPosition = new long[slots];
    }

    /** Producer: copies the frame in, or drops it (returns false) when the ring is full. */
    public boolean offer(PacketView frame) {
        int length = frame.captureLength();
        long h = head;
        if (h - tail == slots || length > data.length) {
            dropped++;
            return false;
        }
        long position = writtenBytes;
        int at = (int) (position % data.length);
        long needed = length;
        if (at + length > data.length) {
            needed += data.length - at; // skip the tail end, start again at 0
            at = 0;
        }
        if (position + needed - releasedBytes > data.length) {
            dropped++;
            return false;
        }
        frame.copyTo(0, data, at, length);
        int s = (int) (h % slots);
        offset[s] = at;
        caplen[s] = length;
        wire[s] = frame.wireLength();
        timestamp[s] = frame.timestampNanos();
        endPosition[s] = position + needed;
        writtenBytes = position + needed;
        head = h + 1; // publishes the slot
        return true;
    }

    /** Consumer: true when a frame is waiting. */
    public boolean isEmpty() {
        return head == tail;
    }

    /** Consumer: the timestamp of the oldest waiting frame (the ring must not be empty). */
    public long peekTimestamp() {
        return timestamp[(int) (tail % slots)];
    }

    /** Consumer: points {@code view} at the oldest waiting frame (valid until {@link #release()}). */
    public void wrap(PacketView view, int linkType, int capturePointId) {
        int s = (int) (tail % slots);
        view.wrap(data, offset[s], caplen[s], wire[s], timestamp[s], linkType, capturePointId);
    }

    /** Consumer: frees the oldest frame. */
    public void release() {
        long t = tail;
        releasedBytes = endPosition[(int) (t % slots)];
        tail = t + 1;
    }

    /** Frames dropped because the ring was full. */
    public long dropped() {
        return dropped;
    }
}
