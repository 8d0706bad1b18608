package io.netsieve.l7;

import java.nio.ByteBuffer;

/**
 * A protocol netsieve can recognise and parse: the SPI users implement to add their own (register it with
 * {@link L7Registry.Builder#add}).
 *
 * <p>Detection is by content: {@link #detect} sees the first bytes a connection sent in one direction (or a UDP
 * flow's first datagram). Ports are only a hint: protocols whose {@link #portHints()} contain the server port are
 * asked first, but a protocol on another port is still found, and one on its own port must still match.
 *
 * <p>Implementations must be stateless and thread-safe: one instance serves every connection of every tracker;
 * per-connection state lives in the {@link L7Parser} that {@link #newParser} returns.
 */
public interface L7Protocol {

    /** The {@code l7_proto} value of its records, e.g. {@code http}, {@code dns}. */
    String name();

    /** Whether it runs on this transport. */
    boolean supports(Transport transport);

    /** Server ports asked first (a hint only). */
    default int[] portHints() {
        return new int[0];
    }

    /**
     * Looks at the first {@code length} bytes at absolute index {@code offset} of {@code data} (position and limit
     * are meaningless; do not keep the buffer) that were sent in {@code direction}
     * ({@link io.netsieve.l4.stream.StreamHandler#CLIENT_TO_SERVER} or {@code SERVER_TO_CLIENT}). Must not throw.
     */
    Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length);

    /** A parser for one connection (or UDP flow) that {@link #detect} matched. */
    L7Parser newParser(L7Context context);
}
