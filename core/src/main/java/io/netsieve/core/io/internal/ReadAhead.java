package io.netsieve.core.io.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reads a channel on a thread of its own, one chunk ahead of its consumer ({@link ChannelReadBuffer}): while the
 * consumer decodes one chunk, the next is copied out of the page cache on the other core.
 *
 * <p>The buffers are heap buffers: the frames are then read by array index, and L7 scans HTTP heads and
 * Content-Length bodies in place instead of copying them (perf, the 600 000-frame bulk-download capture under C1:
 * the pipeline thread ≈ 850 → ≈ 700 ms of CPU against direct buffers); the extra copy a channel read into a heap
 * buffer makes (through the JDK's temporary direct buffer) is this thread's, on the other core.
 *
 * <p>Two buffers, each {@code headroom + chunk} bytes, go round between the two threads: the reader fills a
 * free buffer from index {@code headroom} on and queues it; the consumer takes it, copies the unread tail of the
 * buffer it leaves (a record cut by the chunk boundary, at most {@code headroom} bytes) in front of the new bytes,
 * and gives the old buffer back. Bounded: two buffers and two queue slots, whatever the file size; nothing is
 * allocated per chunk.
 */
final class ReadAhead implements Runnable {
    /** A filled buffer as handed over: one per buffer, reused. */
    static final class Chunk {
        final ByteBuffer buffer;
        /** Bytes read into it, from index {@code headroom}. */
        int length;
        /** The channel ended after these bytes. */
        boolean end;
        /** The read failed after these bytes (then {@code end} is set too). */
        IOException error;

        Chunk(ByteBuffer buffer) {
            this.buffer = buffer;
        }
    }

    private final ReadableByteChannel channel;
    private final int headroom;
    private final int chunk;
    private final Chunk[] chunks = new Chunk[2];
    private final ArrayBlockingQueue<Chunk> free = new ArrayBlockingQueue<>(2);
    private final ArrayBlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(2);
    private final Thread thread;
    private volatile boolean closed;

    ReadAhead(ReadableByteChannel channel, int chunk, int headroom) {
        this.channel = channel;
        this.headroom = headroom;
        this.chunk = chunk;
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = new Chunk(ByteBuffer.allocate(headroom + chunk).order(ByteOrder.BIG_ENDIAN));
            free.add(chunks[i]);
        }
        thread = new Thread(this, "netsieve-read-ahead");
        thread.setDaemon(true); // a reader its user forgot to close must not keep the JVM alive
        thread.start();
    }

    int headroom() {
        return headroom;
    }

    /** The chunk whose buffer is {@code b}, or null when {@code b} is not one of ours. */
    Chunk chunkOf(ByteBuffer b) {
        for (Chunk c : chunks) {
            if (c.buffer == b) {
                return c;
            }
        }
        return null;
    }

    /** The next filled chunk, waiting for it. */
    Chunk take() throws IOException {
        try {
            return filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the capture to be read");
        }
    }

    /** Gives a chunk's buffer back to be filled again (its bytes are overwritten from now on). */
    void release(Chunk c) {
        free.add(c); // never full: there are as many slots as chunks
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                Chunk c = free.take();
                ByteBuffer b = c.buffer;
                b.limit(headroom + chunk).position(headroom);
                boolean end = false;
                IOException error = null;
                try {
                    while (b.hasRemaining()) {
                        if (channel.read(b) < 0) {
                            end = true;
                            break;
                        }
                    }
                } catch (IOException e) {
                    end = true;
                    error = closed ? null : e; // closing interrupts a read: not an error of the file
                }
                c.length = b.position() - headroom;
                c.end = end;
                c.error = error;
                filled.put(c);
                if (end) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed while waiting for a free buffer or a free slot
        }
    }

    /** Stops the reading thread (interrupting a read in progress) and waits a little for it to end. */
    void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
