package io.netsieve.l4;

/**
 * Counters of an {@link L4Tracker}. Every packet given to the tracker ends in exactly one of {@code tcpPackets},
 * {@code udpPackets}, {@code ignoredPackets} (no TCP/UDP header to track: ARP, ICMP, a fragment that does not
 * complete a datagram (the completing one counts as the datagram's TCP/UDP packet; see {@link FragmentStats}),
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
