package io.netsieve.core.nic;

import java.util.Locale;

/** What kind of NIC a capture point is; decides which node fields the topology shows. */
public enum NicKind {
    /** A veth, tap or other software NIC (pod or container side, or the node side of a veth pair). */
    VIRTUAL,
    /** A physical (or hypervisor-provided) NIC of a host. */
    PHYSICAL,
    /** A Linux bridge or other switching device: sees traffic it neither sends nor receives. */
    BRIDGE,
    /** Not known (plain capture files without metadata). */
    UNKNOWN;

    /** The manifest spelling: {@code virtual}, {@code physical}, {@code bridge}, or empty for unknown. */
    public String label() {
        return this == UNKNOWN ? "" : name().toLowerCase(Locale.ROOT);
    }

    /** Parses the manifest spelling (case-insensitive; empty means {@link #UNKNOWN}). */
    public static NicKind parse(String text) {
        if (text == null || text.isBlank()) {
            return UNKNOWN;
        }
        for (NicKind kind : values()) {
            if (kind.name().equalsIgnoreCase(text.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown nic kind '" + text + "' (expected virtual, physical or bridge)");
    }
}
