package io.netsieve.topology.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The slow-hop rule: per edge between two capture points and direction (request, response), the latest
 * {@code size} latencies; a new latency is an outlier when there are at least {@code minSamples} earlier ones and
 * it exceeds their median by more than {@code factor} median absolute deviations and by at least
 * {@code minExcessNanos}, and — once there are {@value #P99_SAMPLES} earlier ones, enough for a p99 that is not
 * simply their maximum — their p99 (nearest rank). Outliers join the history like any latency: a burst of slow
 * exchanges is flagged one by one (a handful does not move the median), a lasting change becomes the new normal
 * once it is half the history. A median/MAD rule, so a constant clock offset between two hosts (a cross-host
 * edge's latencies all shifted, even negative) changes nothing. Bounded: at most {@code maxEdges} histories; the
 * latencies of further edges are not judged (counted).
 */
public final class FindingHopHistory {
    /** Earlier latencies from which their p99 must be exceeded too (below, the p99 is their maximum). */
    static final int P99_SAMPLES = 100;

    /**
     * The verdict on one latency.
     *
     * @param outlier   it is an outlier
     * @param samples   earlier latencies it was judged against (0: not judged)
     * @param median    their median, ns
     * @param mad       their median absolute deviation, ns
     * @param p99       their p99, ns
     * @param threshold what it had to exceed, ns
     */
    public record Verdict(boolean outlier, int samples, long median, long mad, long p99, long threshold) {
        static final Verdict NOT_JUDGED = new Verdict(false, 0, 0, 0, 0, 0);
    }

    private static final class Ring {
        final long[] values;
        int size;
        int next;

        Ring(int capacity) {
            values = new long[capacity];
        }

        void add(long v) {
            values[next] = v;
            next = (next + 1) % values.length;
            size = Math.min(size + 1, values.length);
        }

        long[] sorted() {
            long[] v = Arrays.copyOf(values, size);
            Arrays.sort(v);
            return v;
        }
    }

    private final int size;
    private final int minSamples;
    private final double factor;
    private final long minExcessNanos;
    private final int maxEdges;
    private final Map<String, Ring> rings = new HashMap<>();
    private long dropped;

    public FindingHopHistory(int size, int minSamples, double factor, long minExcessNanos, int maxEdges) {
        this.size = size;
        this.minSamples = minSamples;
        this.factor = factor;
        this.minExcessNanos = minExcessNanos;
        this.maxEdges = maxEdges;
    }

    /** Judges {@code latencyNanos} on {@code edge} against its history, then adds it to the history. */
    public Verdict judge(String edge, long latencyNanos) {
        Ring r = rings.get(edge);
        if (r == null) {
            if (rings.size() >= maxEdges) {
                dropped++;
                return Verdict.NOT_JUDGED;
            }
            r = new Ring(size);
            rings.put(edge, r);
        }
        Verdict v = Verdict.NOT_JUDGED;
        if (r.size >= minSamples) {
            long[] s = r.sorted();
            long median = s[(s.length - 1) / 2];
            long[] dev = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                dev[i] = Math.abs(s[i] - median);
            }
            Arrays.sort(dev);
            long mad = dev[(dev.length - 1) / 2];
            long p99 = s[Math.max(0, (int) Math.ceil(0.99 * s.length) - 1)];
            long threshold = median + Math.max(minExcessNanos, (long) Math.ceil(factor * mad));
            if (s.length >= P99_SAMPLES) {
                threshold = Math.max(threshold, p99);
            }
            v = new Verdict(latencyNanos > threshold, s.length, median, mad, p99, threshold);
        }
        r.add(latencyNanos);
        return v;
    }

    public long dropped() {
        return dropped;
    }
}
