package io.netsieve.l4.stream;

/**
 * Opens a {@link StreamHandler} for each new TCP connection, or returns null to ignore its payload.
 *
 * <p>Threading: called on the pipeline thread, before the connection's first payload byte is delivered.
 */
@FunctionalInterface
public interface StreamHandlerFactory {
    StreamHandler open(StreamInfo connection);
}
