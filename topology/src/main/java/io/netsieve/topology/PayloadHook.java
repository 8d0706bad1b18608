package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;

/**
 * Zero-copy access to the payload for advanced users ({@link NetSieve.Builder#onPayload}): every in-order run of
 * reassembled TCP stream bytes (what L7 parsers get: each byte once, retransmissions and overlaps removed, holes
 * skipped) and every UDP datagram's captured payload, before L7 sees them.
 *
 * <p><b>The view is valid only during the call:</b> {@code data} is the capture buffer (or reassembly buffer) itself;
 * read {@code length} bytes at absolute index {@code offset} (position and limit are meaningless) and copy what you
 * keep. Do not modify the bytes.
 *
 * <p>Threading: called on the pipeline thread of the capture point, one call at a time per capture point; with
 * several pipeline threads ({@link NetSieve.Builder#threads}), calls for capture points of different threads run
 * concurrently. It is on the hot path: keep it short and allocation free. An exception is caught, counted
 * ({@link NetSieveMetrics#callbackFailures()}), logged and reported to {@link NetSieveListener#callbackFailed}; the
 * pipeline goes on.
 */
@FunctionalInterface
public interface PayloadHook {

    /**
     * @param nic            the capture point's NIC
     * @param flow           the connection (or UDP flow): endpoints, {@code inner_traceid}, capture-point id
     * @param transport      TCP or UDP
     * @param direction      {@link StreamHandler#CLIENT_TO_SERVER} or {@link StreamHandler#SERVER_TO_CLIENT}
     * @param data           the bytes (see above: valid during the call only)
     * @param offset         absolute index of the first byte in {@code data}
     * @param length         number of bytes
     * @param seq            raw TCP sequence number of the first byte; -1 on UDP
     * @param timestampNanos capture time of the packet that carried the bytes
     */
    void onPayload(Nic nic, StreamInfo flow, Transport transport, int direction, ByteBuffer data, int offset,
                   int length, long seq, long timestampNanos);
}
