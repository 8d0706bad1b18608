package io.netsieve.topology;

/** What joined two observations of one exchange on different capture points. */
public enum JoinKey {
    /**
     * {@code l7_traceid}: the raw TCP seqs of the request's and response's first bytes (or DNS's id and name), equal
     * on every NIC the exchange crosses, NAT included; guarded by a time window and the message's fingerprint
     * (protocol, method and path, command or query name).
     */
    L7_TRACEID,
    /** The {@code x-request-id} header, across a proxy that terminates TCP (new seqs on the far side). */
    X_REQUEST_ID,
    /** The trace id of the request's trace context ({@code traceparent}, B3, …), across such a proxy. */
    TRACE_ID
}
