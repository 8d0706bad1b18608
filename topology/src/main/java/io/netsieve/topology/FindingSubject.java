package io.netsieve.topology;

import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link Finding} is about: findings are deduplicated per subject and window (one "refused" finding per
 * server endpoint with the count and its records, not one per SYN).
 *
 * @param type  what {@code value} names
 * @param value a server or other endpoint {@code ip:port} ({@code [v6]:port}), or an edge between two capture points
 *              {@code host/netns-or-pod/nic -> host/netns-or-pod/nic}
 */
public record FindingSubject(Type type, String value) {

    /** What a subject names. */
    public enum Type {
        /** The server side of connections or exchanges, as the server-most capture point saw it. */
        SERVER,
        /** One side of connections, client or server (e.g. the one that advertised a zero window). */
        ENDPOINT,
        /** Two consecutive capture points of exchanges' paths, client side first. */
        EDGE;

        /** {@code server}, {@code endpoint}, {@code edge}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FindingSubject {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }
}
