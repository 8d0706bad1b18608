package io.netsieve.topology;

import io.netsieve.core.nic.CapturePoint;

import java.util.Map;

/**
 * The outcome of {@link NetSieve#run()} or {@link NetSieve.LiveRun#stop()}: per capture point its counters (and the
 * error that ended its source, if any), the paths the correlator emitted, the user callbacks that failed, the
 * run's final {@link NetSieveMetrics}, and the packets it kept for export ({@link KeptPackets}; exports fail with
 * {@code NOT_KEPT} unless it was built with {@code keepPackets}).
 */
public record RunSummary(Map<CapturePoint, CapturePointStats> capturePoints, Map<CapturePoint, String> errors,
                         CorrelatorStats correlation, long callbackFailures, NetSieveMetrics metrics,
                         KeptPackets keptPackets) {

    public RunSummary {
        capturePoints = Map.copyOf(capturePoints);
        errors = Map.copyOf(errors);
        keptPackets = keptPackets == null ? KeptPackets.none() : keptPackets;
    }

    /** A summary of a run that kept no packets. */
    public RunSummary(Map<CapturePoint, CapturePointStats> capturePoints, Map<CapturePoint, String> errors,
                      CorrelatorStats correlation, long callbackFailures, NetSieveMetrics metrics) {
        this(capturePoints, errors, correlation, callbackFailures, metrics, null);
    }

    /** Packets read over every capture point. */
    public long packets() {
        return capturePoints.values().stream().mapToLong(CapturePointStats::packets).sum();
    }

    /** True when every source was read to its end. */
    public boolean complete() {
        return errors.isEmpty();
    }
}
