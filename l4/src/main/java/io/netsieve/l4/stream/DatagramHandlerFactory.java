package io.netsieve.l4.stream;

/**
 * Opens a {@link DatagramHandler} for each new UDP flow, or returns null to ignore its payload.
 *
 * <p>Threading: called on the pipeline thread, before the flow's first datagram is delivered.
 */
@FunctionalInterface
public interface DatagramHandlerFactory {
    DatagramHandler open(StreamInfo flow);
}
