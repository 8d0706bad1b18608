package io.netsieve.topology;

import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.l4.L4Stats;
import io.netsieve.l7.L7Stats;

import java.util.List;
import java.util.Objects;

/**
 * What happened to one capture point's packets: every packet read ends in exactly one of {@code filtered} (the
 * filter refused it), {@code decoded}, {@code truncated} (the snap length cut a header), {@code malformed} or
 * {@code unsupported} (a link type the decoder does not know). Every packet the filter let through goes on to L4,
 * which decides what it can track (a malformed packet whose TCP header is intact, e.g. a bad TCP option, is tracked;
 * the rest count as L4's {@code ignoredPackets}), so {@code l4.tcpPackets + l4.udpPackets + l4.ignoredPackets} is
 * {@link #analysed()}.
 *
 * <p><b>Filtered, live.</b> A live interface whose filter runs in the kernel ({@link FilterPlacement#KERNEL}, the
 * default) never reads the packets the filter rejects: they are in no counter, {@code filtered} is 0 and
 * {@link #filteredCounted()} is false — read it as "not counted", never as "nothing was filtered".
 * {@code packets} is then the packets the filter let through. With {@link FilterPlacement#KERNEL_COUNTED} the kernel
 * counts them (added to {@code filtered} and {@code packets} at the pipeline's sweeps, about every 0.5 s, and exactly
 * at the end), with {@link FilterPlacement#USER} the pipeline reads and rejects them; then, as offline or without a
 * filter, {@code filteredCounted} is true and {@code filtered} is exact.
 *
 * <p>The byte counts, time span and {@link #decode} details cover the packets the filter let through. All are plain
 * counters of the pipeline (no per-packet allocation); a snapshot taken while a live run goes on holds, for each
 * counter, a value it had ({@link #l4()} and {@link #l7()}: those of the last sweep, about every 0.5 s).
 *
 * @param packets       packets read (with {@link FilterPlacement#KERNEL_COUNTED}, plus those the kernel filter
 *                      rejected)
 * @param filtered      packets the filter rejected (0 and meaningless when {@code filteredCounted} is false)
 * @param l4Records     L4 records written
 * @param l7Records     L7 records written
 * @param format        the source's format: {@code pcap} or {@code pcapng} for a file, {@code live} for an interface
 *                      ({@code ""} before the source was opened)
 * @param linkTypes     the link types of the packets read (their names as {@code LinkType.name}, sorted); a link type
 *                      for which the filter could not be compiled is not among them
 * @param capturedBytes bytes captured of the packets the filter let through
 * @param wireBytes     their length on the wire
 * @param snapped       of those, packets captured shorter than on the wire (the snap length cut them, whether or not
 *                      a header was cut: {@code truncated} counts the latter)
 * @param firstNanos    timestamp of the earliest packet the filter let through (0 when there was none)
 * @param lastNanos     timestamp of the latest one (0 when there was none)
 * @param decode        the decoder's counts for the packets the filter let through (outcomes, malformed reasons,
 *                      layers)
 * @param l4            the L4 tracker's counters for this capture point (packets tracked by transport and ignored,
 *                      flows created / expired / evicted / port reuses, records…): every capture point has its own
 *                      trackers, also live interfaces that share a pipeline thread; null only before its pipeline
 *                      first published them
 * @param l7            the L7 tracker's counters (connections, detected protocols, exchanges by status, gaps, parser
 *                      failures…); null when {@code l4} is
 * @param filteredCounted true when {@code filtered} counts every packet the filter rejected: offline, live with the
 *                      filter in user space ({@link FilterPlacement#USER}) or counted by the kernel
 *                      ({@link FilterPlacement#KERNEL_COUNTED}), or without a filter; false live with the filter in
 *                      the kernel uncounted ({@link FilterPlacement#KERNEL}), which rejects packets before netsieve
 *                      reads them
 */
public record CapturePointStats(long packets, long filtered, long decoded, long truncated, long malformed,
                                long unsupported, long l4Records, long l7Records, String format,
                                List<String> linkTypes, long capturedBytes, long wireBytes, long snapped,
                                long firstNanos, long lastNanos, DecodeCounts decode, L4Stats l4, L7Stats l7,
                                boolean filteredCounted) {

    public CapturePointStats {
        Objects.requireNonNull(format, "format");
        linkTypes = List.copyOf(linkTypes);
        Objects.requireNonNull(decode, "decode");
    }

    /** Packets the filter let through: decoded, truncated, malformed or unsupported. */
    public long analysed() {
        return packets - filtered;
    }

    /** From the first to the last packet the filter let through, in ns (0 with fewer than two). */
    public long durationNanos() {
        return analysed() == 0 ? 0 : lastNanos - firstNanos;
    }

    /** Packets that ended with {@code outcome} (the same as the matching component). */
    public long count(DecodeOutcome outcome) {
        return switch (outcome) {
            case DECODED -> decoded;
            case TRUNCATED -> truncated;
            case MALFORMED -> malformed;
            case UNSUPPORTED_LINK_TYPE -> unsupported;
        };
    }
}
