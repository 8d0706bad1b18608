package io.netsieve.topology;

/**
 * Where a capture point sits on an exchange's path, in the record model's vocabulary (reference §6, DeepFlow's
 * capture-point roles), client side first. Assigned from the capture points' metadata: {@link #CLIENT} is the NIC
 * that holds the client's address (a pod's or host's own interface), {@link #SERVER} the one holding the server's;
 * the other NICs of the client's host are {@link #CLIENT_NODE}, those of the server's host {@link #SERVER_NODE},
 * NICs of any other host {@link #GATEWAY}; {@link #UNKNOWN} when neither end's host is known.
 */
public enum HopRole {
    CLIENT("c"),
    CLIENT_NODE("c-nd"),
    GATEWAY("c-gw"),
    SERVER_NODE("s-nd"),
    SERVER("s"),
    UNKNOWN("-");

    private final String label;

    HopRole(String label) {
        this.label = label;
    }

    /** The short name of the record model ({@code c}, {@code c-nd}, {@code c-gw}, {@code s-nd}, {@code s}). */
    public String label() {
        return label;
    }
}
