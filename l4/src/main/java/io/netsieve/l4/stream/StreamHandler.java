package io.netsieve.l4.stream;

import java.nio.ByteBuffer;

/**
 * Receives the reassembled byte streams of one TCP connection, in order, per direction: what {@code l7} parsers
 * plug into.
 *
 * <p>Directions are {@link #CLIENT_TO_SERVER} and {@link #SERVER_TO_CLIENT} when the handshake was seen; for a
 * connection picked up mid-stream the side that sent the first captured packet counts as the client.
 *
 * <p>Threading: called on the pipeline thread that feeds the {@code L4Tracker}, one call at a time; the
 * {@code data} buffer and its bytes are valid only during the call (copy what you keep). An exception thrown
 * by a handler is counted and the connection's handler is dropped; the pipeline goes on.
 */
public interface StreamHandler extends ApplicationHints {
    int CLIENT_TO_SERVER = 0;
    int SERVER_TO_CLIENT = 1;

    /**
     * In-order payload: {@code length} bytes at absolute index {@code offset} of {@code data} (position and
     * limit are meaningless), the first of which has sequence number {@code seq}; captured at
     * {@code timestampNanos} (for bytes that arrived out of order: when the segment was captured).
     */
    void onData(int direction, ByteBuffer data, int offset, int length, long seq, long timestampNanos);

    /**
     * One captured TCP segment with payload ({@code length} bytes from raw {@code seq}, the payload length the TCP
     * header implies, captured or not) in {@code direction}, before any of its bytes are delivered by
     * {@link #onData}: every such packet, retransmissions included ({@code retransmission} is the L4 TCP analysis'
     * retransmission, fast, spurious or out-of-order retransmission flag), with the {@code chunk_id} of the
     * {@code L4Log} record whose packet series holds it. What L7 needs to count packets per message and name the
     * L4 chunks an exchange spans.
     */
    default void onSegment(int direction, long seq, int length, boolean retransmission, int chunkId,
                           long timestampNanos) {
    }

    /**
     * {@code length} bytes from {@code seq} will never be delivered: not captured (the peer acknowledged them) or
     * given up when the out-of-order buffer reached its bound. The next {@link #onData} continues after them.
     */
    default void onGap(int direction, long seq, long length, long timestampNanos) {
    }

    /** The direction's FIN was reached in order: no more data that way. */
    default void onEnd(int direction, long timestampNanos) {
    }

    /** Last call: the connection ended (FIN/RST and timeout, idle timeout, eviction or end of input). */
    default void onClose(long timestampNanos) {
    }
}
