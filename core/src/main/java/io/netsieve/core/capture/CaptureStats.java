package io.netsieve.core.capture;

/**
 * Counters of a live capture. {@code received}, {@code kernelDropped} and {@code interfaceDropped} are libpcap's
 * ({@code pcap_stats}: on Linux, packets that passed the kernel filter, packets dropped for lack of buffer space,
 * packets the NIC/driver dropped); {@code delivered} counts frames handed to the consumer and {@code queueDropped}
 * frames netsieve itself dropped because its bounded queue was full (multi-interface capture).
 * {@code filterRejected} counts the packets the kernel filter rejected, when the capture counts them
 * ({@link LiveCaptureConfig.Builder#countRejected}), and is -1 when it does not: libpcap counts them nowhere.
 */
public record CaptureStats(long received, long kernelDropped, long interfaceDropped, long delivered, long queueDropped,
                           long filterRejected) {

    /** True when {@link #filterRejected()} is a count (the capture counts what its kernel filter rejects). */
    public boolean filterRejectedCounted() {
        return filterRejected >= 0;
    }
}
