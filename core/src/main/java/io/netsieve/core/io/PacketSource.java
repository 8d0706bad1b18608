package io.netsieve.core.io;

import io.netsieve.core.packet.PacketView;

import java.io.IOException;

/**
 * A pull source of captured frames (a capture file, a section of one, a test fixture).
 *
 * <p>{@link #next(PacketView)} wraps the caller's view over the source's own read buffer: no bytes are copied and
 * nothing is allocated per packet. The view is valid until the next call to {@code next} or {@code close}.
 *
 * <p>Not thread-safe: one consuming thread.
 */
public interface PacketSource extends AutoCloseable {

    /**
     * Points {@code view} at the next frame.
     *
     * @return {@code false} at the clean end of the source
     * @throws CaptureFileException if the source is corrupt or truncated; every frame before the damage has been
     *                              delivered by earlier calls, and the exception names the source and byte offset
     * @throws IOException          on an I/O error of the underlying channel
     */
    boolean next(PacketView view) throws IOException;

    /** A name for messages and summaries (file path, interface name). */
    String name();

    @Override
    void close() throws IOException;
}
