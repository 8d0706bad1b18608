package io.netsieve.l4;

/**
 * IP fragment reassembly counters of an {@link L4Tracker} ({@link L4Tracker#fragmentStats()}).
 *
 * <p>Every fragment given to the tracker ends in exactly one of: {@code reassembled} (part of a datagram that was
 * rebuilt, {@code datagrams} counts those), {@code duplicates} (wholly inside bytes already received: dropped, its
 * datagram goes on), {@code overlaps} (partly overlapping received bytes: its whole datagram is dropped, RFC 5722,
 * and so are the datagram's fragments that arrive later, until its timeout), {@code timedOut} (its datagram was not
 * complete within {@link L4Config#fragmentTimeoutNanos()}), {@code evicted} (a bound was reached and its datagram was
 * the oldest), {@code oversize} (the datagram would exceed 65535 bytes of IP length), {@code malformed} (bad
 * fragment length or offset, an inconsistent last fragment, headers that do not reach the fragment header),
 * {@code flushed} (still incomplete at {@link L4Tracker#flush()}), or {@code pending} (still being reassembled):
 * {@code fragments == reassembled + duplicates + overlaps + timedOut + evicted + oversize + malformed + flushed +
 * pending}.
 *
 * <p>{@code atomic} counts IPv6 atomic fragments (offset 0, no more fragments, RFC 6946), which are whole datagrams
 * and not counted in {@code fragments}. {@code datagramsInFlight} (tombstones of dropped datagrams included) and
 * {@code bytesBuffered} are the current state.
 */
public record FragmentStats(
        long fragments,
        long datagrams,
        long reassembled,
        long duplicates,
        long overlaps,
        long timedOut,
        long evicted,
        long oversize,
        long malformed,
        long flushed,
        long pending,
        long atomic,
        long datagramsInFlight,
        long bytesBuffered) {
}
