package io.netsieve.topology;

/** What a topology node stands for. */
public enum NodeKind {
    /** A virtual NIC capture point (a pod's interface, a veth, a tap): shows pod and Kubernetes names. */
    VIRTUAL_NIC,
    /** A physical NIC or bridge capture point of a host: shows host, NIC, protocols. */
    PHYSICAL_NIC,
    /** An endpoint, {@code ip:port} (in the aggregate view a client is its address alone, {@code ip}). */
    PORT,
    /** An endpoint that no capture point observed as its own ({@code N/A}). */
    NOT_AVAILABLE
}
