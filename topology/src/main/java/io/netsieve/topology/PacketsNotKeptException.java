package io.netsieve.topology;

/**
 * An export asked for packets that {@link KeptPackets} does not hold, with the reason: {@link #reason()} and a
 * message that names the connection, the capture point and the bound involved.
 */
public final class PacketsNotKeptException extends Exception {
    /** Why the packets are not there. */
    public enum Reason {
        /** The run was built without {@link NetSieve.Builder#keepPackets}. */
        NOT_KEPT,
        /**
         * No packet of this connection was kept on that capture point: the filter refused them, they were not TCP
         * or UDP, the capture point or connection belongs to another run, or it was evicted longer ago than the
         * store remembers (the last {@code max(maxConnections, 1024)} evictions).
         */
        UNKNOWN,
        /**
         * The connection was evicted: the store needed room ({@code totalBytes}) or a slot ({@code maxConnections}).
         */
        EVICTED,
        /** Frames of the connection in the range asked for were cut by {@code bytesPerConnection}. */
        CUT
    }

    private final Reason reason;

    public PacketsNotKeptException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
