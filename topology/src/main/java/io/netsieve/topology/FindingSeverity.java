package io.netsieve.topology;

import java.util.Locale;

/** How bad a {@link Finding} is. */
public enum FindingSeverity {
    /** Worth knowing, not a fault by itself (e.g. NAT in the path). */
    INFO,
    /** Degraded: slow, lossy, some client errors. */
    WARNING,
    /** Failed: connections or requests that did not get through. */
    ERROR;

    /** {@code info}, {@code warning}, {@code error}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
