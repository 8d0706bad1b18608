package io.netsieve.topology;

import java.util.Arrays;

/**
 * Latency samples of an edge: how many, and their percentiles (nearest rank) and maximum, in ns; all -1 when
 * there is no sample.
 */
public record LatencySummary(int count, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos) {

    static final LatencySummary NONE = new LatencySummary(0, -1, -1, -1, -1);

    /** Summarises the non-negative values of {@code samples} (negative ones mean "unknown" and are skipped). */
    static LatencySummary of(long[] samples, int n) {
        long[] v = Arrays.stream(samples, 0, n).filter(x -> x >= 0).sorted().toArray();
        if (v.length == 0) {
            return NONE;
        }
        return new LatencySummary(v.length, rank(v, 50), rank(v, 90), rank(v, 99), v[v.length - 1]);
    }

    private static long rank(long[] sorted, int percentile) {
        int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, i)];
    }
}
