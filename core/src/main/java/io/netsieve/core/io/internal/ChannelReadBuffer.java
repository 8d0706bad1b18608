package io.netsieve.core.io.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * A read-ahead buffer over a channel for record-oriented formats: callers {@link #ensure} that a whole record is in
 * the array and then read it in place, so frames are handed out without copying. Reads are large (the buffer size)
 * so a page-cached file costs one system call per buffer, not per packet.
 *
 * <p>Bytes before {@link #position()} may be discarded by the next {@code ensure} (compaction), which is why a
 * {@code PacketView} over the array is valid only until the next record is requested.
 */
public final class ChannelReadBuffer {
    private final ReadableByteChannel channel;
    private final int maxCapacity;
    private byte[] array;
    private ByteBuffer bytes;
    private int position;
    private int limit;
    private long arrayFileOffset;
    private boolean eof;
    private ByteOrder order = ByteOrder.BIG_ENDIAN;

    /**
     * @param initialCapacity the read size
     * @param maxCapacity     the largest record that can be held; {@link #ensure} refuses more (a corrupt length
     *                        must not make us allocate gigabytes)
     */
    public ChannelReadBuffer(ReadableByteChannel channel, int initialCapacity, int maxCapacity) {
        this.channel = channel;
        this.maxCapacity = maxCapacity;
        this.array = new byte[initialCapacity];
        this.bytes = ByteBuffer.wrap(array);
    }

    /** Byte order used by the {@code u16}/{@code u32} accessors (the file's order). */
    public void order(ByteOrder order) {
        this.order = order;
    }

    public ByteOrder order() {
        return order;
    }

    /** The current array (changes when the buffer grows). */
    public byte[] array() {
        return array;
    }

    /** Index in {@link #array()} of the next unread byte. */
    public int position() {
        return position;
    }

    /** Offset in the file of the next unread byte. */
    public long fileOffset() {
        return arrayFileOffset + position;
    }

    /** Bytes available without reading. */
    public int available() {
        return limit - position;
    }

    /** Advances past {@code n} bytes that are in the buffer. */
    public void skip(int n) {
        if (n < 0 || n > limit - position) {
            throw new IllegalArgumentException("skip " + n + " with " + (limit - position) + " available");
        }
        position += n;
    }

    /**
     * Makes {@code n} bytes from the current position available in the array.
     *
     * @return false if the channel ends first (then {@link #available()} tells how many there were)
     * @throws IllegalArgumentException if {@code n} exceeds the maximum capacity
     */
    public boolean ensure(int n) throws IOException {
        if (limit - position >= n) {
            return true;
        }
        if (n > maxCapacity) {
            throw new IllegalArgumentException(n + " bytes exceed the read buffer limit of " + maxCapacity);
        }
        if (n > array.length) {
            byte[] bigger = new byte[Math.min(maxCapacity, Math.max(n, array.length * 2))];
            System.arraycopy(array, position, bigger, 0, limit - position);
            array = bigger;
            bytes = ByteBuffer.wrap(array);
        } else if (position > 0) {
            System.arraycopy(array, position, array, 0, limit - position);
        }
        arrayFileOffset += position;
        limit -= position;
        position = 0;
        while (limit < n && !eof) {
            bytes.limit(array.length).position(limit);
            int read = channel.read(bytes);
            if (read < 0) {
                eof = true;
            } else {
                limit += read;
            }
        }
        return limit - position >= n;
    }

    /** Unsigned 16-bit value at {@code position + index} in the file's byte order. */
    public int u16(int index) {
        int i = position + index;
        int a = array[i] & 0xFF;
        int b = array[i + 1] & 0xFF;
        return order == ByteOrder.BIG_ENDIAN ? (a << 8) | b : (b << 8) | a;
    }

    /** 32-bit value at {@code position + index} in the file's byte order. */
    public int i32(int index) {
        int i = position + index;
        int a = array[i] & 0xFF;
        int b = array[i + 1] & 0xFF;
        int c = array[i + 2] & 0xFF;
        int d = array[i + 3] & 0xFF;
        return order == ByteOrder.BIG_ENDIAN ? (a << 24) | (b << 16) | (c << 8) | d : (d << 24) | (c << 16) | (b << 8) | a;
    }

    /** Unsigned 32-bit value at {@code position + index}. */
    public long u32(int index) {
        return i32(index) & 0xFFFF_FFFFL;
    }

    /** Unsigned byte at {@code position + index}. */
    public int u8(int index) {
        return array[position + index] & 0xFF;
    }

    public void close() throws IOException {
        channel.close();
    }
}
