package io.netsieve.l4.stream;

import java.nio.ByteBuffer;

/**
 * Receives the payload of each datagram of one UDP flow, in capture order: what {@code l7} parsers of UDP protocols
 * (DNS) plug into.
 *
 * <p>Directions are {@link StreamHandler#CLIENT_TO_SERVER} and {@link StreamHandler#SERVER_TO_CLIENT}: the client is
 * the side the capture point's server sockets say is not the server, otherwise the sender of the flow's first
 * captured datagram.
 *
 * <p>Threading: called on the pipeline thread that feeds the {@code L4Tracker}, one call at a time; the
 * {@code data} buffer and its bytes are valid only during the call (copy what you keep). An exception thrown by a
 * handler is counted ({@link StreamStats#handlerFailures()}) and the flow's handler is dropped; the pipeline goes on.
 */
public interface DatagramHandler extends ApplicationHints {

    /**
     * One datagram's captured payload: {@code length} bytes at absolute index {@code offset} of {@code data}
     * (position and limit are meaningless). {@code wireLength} is the payload length the UDP header declares; it is
     * larger than {@code length} when the snap length cut the datagram. IP fragments arrive reassembled.
     */
    void onDatagram(int direction, ByteBuffer data, int offset, int length, int wireLength, long timestampNanos);

    /** Last call: the flow ended (idle timeout, eviction or end of input). */
    default void onClose(long timestampNanos) {
    }
}
