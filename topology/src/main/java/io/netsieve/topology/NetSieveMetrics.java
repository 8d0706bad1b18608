package io.netsieve.topology;

import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of a run's counters ({@link NetSieve.LiveRun#metrics()} while running,
 * {@link RunSummary#metrics()} at the end). Every packet the pipeline received ends in exactly one of
 * {@code processed} (decoded), {@code filtered}, {@code truncated}, {@code malformed} or {@code unsupported}; on
 * live capture {@code droppedByKernel} and {@code droppedByUs} count the packets that never reached it, and so do
 * the packets a kernel filter rejected uncounted: then {@link #filteredCounted()} is false and
 * {@code filtered} (0) means "not counted" (see {@link NetSieve.Builder#liveFilterPlacement}).
 *
 * <p>Taken while the pipeline threads run, each value is one the counter had (the set is not one instant);
 * the L4 and L7 counters ({@code flows*}, {@code parseFailures}) are those the pipeline threads published at their
 * last sweep (about every 0.5 s, and at the end). Exact after the run.
 *
 * @param packets             packets the pipeline received (the sum of the five outcomes)
 * @param processed           fully decoded packets
 * @param filtered            packets the filter refused (exact when {@code filteredCounted}; otherwise 0: a live
 *                            kernel filter rejects packets uncounted)
 * @param truncated           the snap length cut a header (still tracked)
 * @param malformed           bad bytes (a typed reason in the decoder's counters)
 * @param unsupported         a link type the decoder does not know
 * @param droppedByKernel     live: libpcap's kernel drops over every capture point
 * @param droppedByUs         live: frames dropped at a full queue between capture and pipeline threads
 * @param flowsCreated        TCP connections and UDP flows the L4 trackers created
 * @param flowsActive         of those, the ones open now
 * @param flowsEvicted        flows ended early because an L4 table was full ({@code L4Config.maxFlows})
 * @param flowsExpired        flows ended by an idle timeout
 * @param l4Records           {@code bpf_net_l4_log} records written
 * @param exchanges           {@code bpf_net_l7_log} records (exchanges) written
 * @param exchangesByProtocol exchanges by {@code l7_proto}
 * @param parseFailures       L7 exchanges whose request or response could not be parsed (status -1 / -2) plus
 *                            parsers that threw
 * @param paths               exchanges followed across capture points (correlator paths emitted)
 * @param findings            troubleshooting findings emitted (0 without {@code onFinding})
 * @param callbackFailures    user callbacks (and listener methods) that threw
 * @param capturePoints       per capture point, in the run's order
 * @param filteredCounted     true when {@code filtered} counts every packet the filter refused on every capture point
 *                            (offline; live with {@link FilterPlacement#USER} or
 *                            {@link FilterPlacement#KERNEL_COUNTED}, or without a filter); false when a live filter runs in the kernel uncounted
 *                            ({@link FilterPlacement#KERNEL}, the default)
 */
public record NetSieveMetrics(long packets, long processed, long filtered, long truncated, long malformed,
                              long unsupported, long droppedByKernel, long droppedByUs, long flowsCreated,
                              long flowsActive, long flowsEvicted, long flowsExpired, long l4Records,
                              long exchanges, Map<String, Long> exchangesByProtocol, long parseFailures, long paths,
                              long findings, long callbackFailures, List<CapturePointMetrics> capturePoints,
                              boolean filteredCounted) {

    public NetSieveMetrics {
        exchangesByProtocol = Map.copyOf(exchangesByProtocol);
        capturePoints = List.copyOf(capturePoints);
    }
}
