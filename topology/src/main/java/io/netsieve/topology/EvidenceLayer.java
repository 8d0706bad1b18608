package io.netsieve.topology;

import java.util.Locale;

/**
 * The steps of the record model's troubleshooting flow (reference §1), in order: a finding's evidence is a list of
 * {@link EvidenceStep}s in this order.
 */
public enum EvidenceLayer {
    /** What the user notices: failed or slow connections and requests, as the client side saw them. */
    SYMPTOM,
    /** The {@code bpf_net_l4_log} records: handshake, resets, retransmissions, windows. */
    L4,
    /** The {@code bpf_net_l7_log} records: status codes, rcodes, response waits. */
    L7,
    /** Where on the path between capture points it happens: hops, latencies, translations. */
    TOPOLOGY,
    /** The same connection or exchange joined across capture points ({@code nic_traceid}, {@code l7_traceid}). */
    CORRELATION,
    /** The other logs of the same connection: its other exchanges, ICMP errors. */
    RELATED;

    /** {@code symptom}, {@code l4}, {@code l7}, {@code topology}, {@code correlation}, {@code related}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
