package io.netsieve.topology;

/**
 * Where the filter of a live run ({@link NetSieve.Builder#filter}) runs, and whether what it rejects is counted
 * ({@link NetSieve.Builder#liveFilterPlacement}): the cheapest capture, the kernel counting its rejects, or everything
 * in user space. Offline runs always filter in user space and count exactly.
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
     * In the kernel, as {@link #KERNEL}, and the kernel counts what it rejects: a second packet socket on the interface
     * carries the same program with its verdicts inverted and is never read, so every rejected packet is counted in
     * that socket's statistics without being copied to user space ({@code LiveCaptureConfig.Builder.countRejected}).
     * {@code filtered} is exact and {@code packets} includes it, as with {@link #USER}; both are brought up to date at
     * the pipeline's sweeps (about every 0.5 s) and exactly at the end. Costs a second run of the filter in the kernel
     * per packet and a counter increment per rejected packet; counting starts once the filter is attached.
     */
    KERNEL_COUNTED,
    /**
     * In user space: no filter is attached, every packet of the interface is copied to netsieve's queue and the
     * compiled program runs on it in the pipeline (the JIT, as offline), so {@code filtered} counts exactly the packets
     * it rejects. Costs a copy and a queue slot per rejected packet (a busy interface may then drop at the kernel or at
     * netsieve's queue, both counted), and lets through filters the kernel would refuse (e.g. {@code protochain}).
     */
    USER
}
