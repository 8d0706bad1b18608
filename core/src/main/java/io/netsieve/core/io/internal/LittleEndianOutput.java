package io.netsieve.core.io.internal;

import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A buffered little-endian writer for capture-file headers and frame bytes. Frames backed by an array are written
 * straight from it; others go through one reusable scratch buffer, so writing allocates nothing per packet.
 */
public final class LittleEndianOutput {
    private final OutputStream out;
    private final byte[] scratch = new byte[64 * 1024];
    private int used;
    private long written;

    public LittleEndianOutput(OutputStream out) {
        this.out = out;
    }

    private void room(int n) throws IOException {
        if (used + n > scratch.length) {
            flushScratch();
        }
    }

    private void flushScratch() throws IOException {
        if (used > 0) {
            out.write(scratch, 0, used);
            used = 0;
        }
    }

    public void u8(int v) throws IOException {
        room(1);
        scratch[used++] = (byte) v;
        written++;
    }

    public void u16(int v) throws IOException {
        room(2);
        scratch[used++] = (byte) v;
        scratch[used++] = (byte) (v >>> 8);
        written += 2;
    }

    public void u32(long v) throws IOException {
        room(4);
        scratch[used++] = (byte) v;
        scratch[used++] = (byte) (v >>> 8);
        scratch[used++] = (byte) (v >>> 16);
        scratch[used++] = (byte) (v >>> 24);
        written += 4;
    }

    public void zeros(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            u8(0);
        }
    }

    public void bytes(byte[] data, int offset, int length) throws IOException {
        if (length <= scratch.length - used) {
            System.arraycopy(data, offset, scratch, used, length);
            used += length;
        } else {
            flushScratch();
            out.write(data, offset, length);
        }
        written += length;
    }

    /** Writes the captured bytes of a frame. */
    public void frame(PacketView packet) throws IOException {
        ByteBuffer buffer = packet.buffer();
        int length = packet.captureLength();
        if (buffer.hasArray()) {
            bytes(buffer.array(), buffer.arrayOffset() + packet.offset(), length);
            return;
        }
        int done = 0;
        while (done < length) {
            room(1);
            int n = Math.min(length - done, scratch.length - used);
            buffer.get(packet.offset() + done, scratch, used, n);
            used += n;
            done += n;
        }
        written += length;
    }

    public long written() {
        return written;
    }

    public void flush() throws IOException {
        flushScratch();
        out.flush();
    }

    public void close() throws IOException {
        try {
            flushScratch();
        } finally {
            out.close();
        }
    }
}
