package io.netsieve.l4;

/** A connection's direction at one capture point (reference §2, §5). */
public enum Direction {
    /** The local side is the server: {@code src} is the server, {@code dst} the client. */
    INCOMING("incoming", "server"),
    /** The local side is the client: {@code src} is the client, {@code dst} the server. */
    OUTGOING("outgoing", "client"),
    /** Not known: {@code src} is shown as "Local"; client fields take src as the client. */
    UNKNOWN("unknown", "unknown");

    private final String label;
    private final String connSide;

    Direction(String label, String connSide) {
        this.label = label;
        this.connSide = connSide;
    }

    /** The record value: {@code incoming}, {@code outgoing}, {@code unknown}. */
    public String label() { return label; }

    /** The matching {@code conn_side}: {@code server}, {@code client}, {@code unknown}. */
    public String connSide() { return connSide; }
}
