package io.netsieve.l4;

/**
 * Counters of an {@link L4Tracker}. Every packet given to the tracker ends in exactly one of {@code tcpPackets},
 * {@code udpPackets}, {@code ignoredPackets} (no TCP/UDP header to track: ARP, ICMP, non-first fragments,
 * malformed or truncated headers). Every flow created ends in exactly one of {@code flowsActive},
 * {@code flowsExpired}, {@code flowsEvicted} (table full), {@code portReuses} (replaced by a new connection on the
 * same tuple), {@code flowsFlushed}.
 */
public record L4Stats(
        long tcpPackets,
        long udpPackets,
        long ignoredPackets,
        long flowsCreated,
        long flowsActive,
        long flowsExpired,
        long flowsEvicted,
        long flowsFlushed,
        long portReuses,
        long records,
        long icmpErrorsAttached,
        long icmpErrorsUnmatched) {
}
