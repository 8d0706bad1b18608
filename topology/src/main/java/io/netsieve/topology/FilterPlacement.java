package io.netsieve.topology;

/**
 * Where the filter of a live run ({@link NetSieve.Builder#filter}) runs: the choice between the cheapest capture and
 * an exact {@code filtered} count ({@link NetSieve.Builder#liveFilterPlacement}). Offline runs always filter in user
 * space and count exactly.
 */
public enum FilterPlacement {
    /**
     * In the kernel (the default): the program netsieve compiles for each interface's link type is attached to the
     * capture socket ({@code pcap_setfilter}), so packets it rejects never leave the kernel — no copy, no wake-up, no
     * queue slot. They are not counted individually either: {@link CapturePointStats#filteredCounted()} and
     * {@link NetSieveMetrics#filteredCounted()} are false and {@code filtered} is 0 (it then means nothing).
     */
    KERNEL,
    /**
     * In user space: no filter is attached, every packet of the interface is copied to netsieve's queue and the
     * compiled program runs on it in the pipeline (the JIT, as offline), so {@code filtered} counts exactly the packets
     * it rejects. Costs a copy and a queue slot per rejected packet (a busy interface may then drop at the kernel or at
     * netsieve's queue, both counted), and lets through filters the kernel would refuse (e.g. {@code protochain}).
     */
    USER
}
