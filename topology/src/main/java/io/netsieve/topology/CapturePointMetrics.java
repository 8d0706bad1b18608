package io.netsieve.topology;

import io.netsieve.core.nic.CapturePoint;

/**
 * One capture point's counters in a {@link NetSieveMetrics} snapshot: what the pipeline did with the packets it
 * received ({@code stats}: filtered / decoded / truncated / malformed / unsupported, records written) and, on live
 * capture, the packets that never reached it (those a kernel filter rejected are not counted: see
 * {@link CapturePointStats#filteredCounted()}).
 *
 * @param droppedByKernel libpcap's {@code ps_drop}: packets the kernel dropped for lack of buffer space (0 offline)
 * @param droppedByUs     frames netsieve dropped because the capture point's bounded queue between its capture
 *                        thread and its pipeline thread was full (drop newest; 0 offline)
 */
public record CapturePointMetrics(CapturePoint point, CapturePointStats stats, long droppedByKernel,
                                  long droppedByUs) {
}
