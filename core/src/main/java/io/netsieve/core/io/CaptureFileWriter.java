package io.netsieve.core.io;

import io.netsieve.core.packet.PacketView;

import java.io.IOException;

/**
 * Writes frames to a capture file that tcpdump, tshark and Wireshark open. Not thread-safe. Closing flushes and
 * closes the underlying stream.
 */
public interface CaptureFileWriter extends AutoCloseable {

    /** Appends the captured bytes of {@code packet}, with its timestamp and wire length. */
    void write(PacketView packet) throws IOException;

    /** Packets written so far. */
    long packetsWritten();

    void flush() throws IOException;

    @Override
    void close() throws IOException;
}
