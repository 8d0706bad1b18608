package io.netsieve.core.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A flyweight over one captured frame inside a capture buffer: the bytes are not copied.
 *
 * <p>A source (file reader, live capture) {@link #wrap wraps} the same instance over each packet in turn, so a
 * {@code PacketView} handed to a callback is valid only during that call; copy what you need to keep
 * ({@link #copyBytes()}). Offsets given to the accessors are relative to the first byte of the frame and must lie
 * within {@link #captureLength()}; decoders check lengths before reading, so a malformed frame never reads outside
 * the frame.
 *
 * <p>Not thread-safe: one instance per consuming thread.
 */
public final class PacketView {
    /** Direction unknown (pcap files, links without direction information). */
    public static final int DIRECTION_UNKNOWN = 0;
    /** Received by the capture point (pcapng {@code epb_flags} inbound). */
    public static final int DIRECTION_INBOUND = 1;
    /** Sent by the capture point (pcapng {@code epb_flags} outbound). */
    public static final int DIRECTION_OUTBOUND = 2;

    // Big-endian views of a byte[]: the JIT turns these into single (unaligned) loads plus a byte swap, cheaper
    // than going through a heap ByteBuffer. Direct and mapped buffers use the ByteBuffer path.
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    ByteBuffer buffer = ByteBuffer.allocate(0);
    private byte[] wrappedArray;
    /** The array holding the frame (a wrapped array or a heap buffer's), or null for direct and read-only buffers. */
    byte[] array;
    /** Index of the frame's first byte in {@link #array}. */
    int arrayBase;
    int offset;
    private int captureLength;
    private int wireLength;
    private long timestampNanos;
    private int linkType;
    private int capturePointId;
    private int interfaceId;
    private int direction;

    /**
     * Points this view at a frame inside {@code array}. The {@link ByteBuffer} facade over the array is created
     * once per distinct array, so sources that reuse one read buffer wrap without allocating.
     */
    public PacketView wrap(byte[] array, int offset, int captureLength, int wireLength, long timestampNanos,
                           int linkType, int capturePointId) {
        if (array != wrappedArray) {
            wrappedArray = array;
            buffer = ByteBuffer.wrap(array).order(ByteOrder.BIG_ENDIAN);
        }
        if (this.array != array) {
            this.array = array; // a reference store costs a GC barrier: skipped when the same array is rewrapped
        }
        set(offset, captureLength, wireLength, timestampNanos, linkType, capturePointId);
        arrayBase = offset;
        return this;
    }

    /**
     * Points this view at a frame inside {@code buffer} (heap, direct or memory-mapped; its position and limit are
     * ignored, absolute indexes are used). The buffer must be in big-endian order.
     */
    public PacketView wrap(ByteBuffer buffer, int offset, int captureLength, int wireLength, long timestampNanos,
                           int linkType, int capturePointId) {
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("buffer must be big-endian");
        }
        this.wrappedArray = null;
        this.buffer = buffer;
        set(offset, captureLength, wireLength, timestampNanos, linkType, capturePointId);
        if (buffer.hasArray()) {
            // A heap buffer: read its array directly, like a wrapped array.
            this.array = buffer.array();
            this.arrayBase = buffer.arrayOffset() + offset;
        } else {
            this.array = null;
            this.arrayBase = 0;
        }
        return this;
    }

    private void set(int offset, int captureLength, int wireLength, long timestampNanos, int linkType,
                           int capturePointId) {
        if (offset < 0 || captureLength < 0 || offset > buffer.capacity() - captureLength) {
            throw new IndexOutOfBoundsException("frame [" + offset + ", +" + captureLength + ") outside buffer of "
                    + buffer.capacity() + " bytes");
        }
        this.offset = offset;
        this.captureLength = captureLength;
        this.wireLength = Math.max(wireLength, captureLength);
        this.timestampNanos = timestampNanos;
        this.linkType = linkType;
        this.capturePointId = capturePointId;
        if (interfaceId != 0) {
            interfaceId = 0; // written only when a pcapng source set it: one store less per packet
        }
        if (direction != DIRECTION_UNKNOWN) {
            direction = DIRECTION_UNKNOWN;
        }
    }

    /** Sets the pcapng interface index the frame was read from (0 for pcap files and live capture). */
    public PacketView interfaceId(int interfaceId) {
        this.interfaceId = interfaceId;
        return this;
    }

    /** Sets the direction reported by the capture format ({@code DIRECTION_*}). */
    public PacketView direction(int direction) {
        this.direction = direction;
        return this;
    }

    /** The buffer holding the frame; the frame starts at {@link #offset()}. */
    public ByteBuffer buffer() { return buffer; }
    /** Index of the frame's first byte in {@link #buffer()}. */
    public int offset() { return offset; }
    /** Bytes captured (may be less than {@link #wireLength()} when the snap length cut the frame). */
    public int captureLength() { return captureLength; }
    /** Length of the frame on the wire. */
    public int wireLength() { return wireLength; }
    /** Capture time, nanoseconds since the Unix epoch. */
    public long timestampNanos() { return timestampNanos; }
    /** The frame's link-layer type ({@link LinkType}). */
    public int linkType() { return linkType; }
    /** The id of the capture point (NIC) this frame was captured on, as assigned by the capture set. */
    public int capturePointId() { return capturePointId; }
    /** The pcapng interface index, 0 otherwise. */
    public int interfaceId() { return interfaceId; }
    /** {@code DIRECTION_*} as reported by the capture format. */
    public int direction() { return direction; }
    /** True when the snap length cut the frame. */
    public boolean isTruncated() { return captureLength < wireLength; }

    /** Unsigned byte at {@code index} (relative to the frame). */
    public int u8(int index) {
        byte[] a = array;
        return a != null ? a[arrayBase + index] & 0xFF : buffer.get(offset + index) & 0xFF;
    }

    /** Unsigned big-endian 16-bit value at {@code index}. */
    public int u16(int index) {
        byte[] a = array;
        return (a != null ? (short) SHORT.get(a, arrayBase + index) : buffer.getShort(offset + index)) & 0xFFFF;
    }

    /** Unsigned little-endian 16-bit value at {@code index} (NULL/LOOP headers of little-endian hosts). */
    public int u16le(int index) {
        return Short.reverseBytes(buffer.getShort(offset + index)) & 0xFFFF;
    }

    /** Big-endian 32-bit value at {@code index}, as an int (use {@link Integer#toUnsignedLong} for unsigned). */
    public int i32(int index) {
        byte[] a = array;
        return a != null ? (int) INT.get(a, arrayBase + index) : buffer.getInt(offset + index);
    }

    /** Unsigned big-endian 32-bit value at {@code index}. */
    public long u32(int index) {
        return i32(index) & 0xFFFF_FFFFL;
    }

    /** Big-endian 64-bit value at {@code index}. */
    public long i64(int index) {
        byte[] a = array;
        return a != null ? (long) LONG.get(a, arrayBase + index) : buffer.getLong(offset + index);
    }

    /** Copies {@code length} bytes starting at {@code index} (relative to the frame) into {@code dst}. */
    public void copyTo(int index, byte[] dst, int dstOffset, int length) {
        if (index < 0 || length < 0 || index > captureLength - length) {
            throw new IndexOutOfBoundsException("[" + index + ", +" + length + ") outside frame of " + captureLength);
        }
        buffer.get(offset + index, dst, dstOffset, length);
    }

    /** A copy of the captured bytes (allocates: not for the hot path). */
    public byte[] copyBytes() {
        byte[] copy = new byte[captureLength];
        copyTo(0, copy, 0, captureLength);
        return copy;
    }

    @Override
    public String toString() {
        return "PacketView[ts=" + timestampNanos + "ns, caplen=" + captureLength + ", len=" + wireLength
                + ", linktype=" + linkType + ", capturePoint=" + capturePointId + "]";
    }
}
