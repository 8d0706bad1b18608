package io.netsieve.topology;

import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodeStats;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.MalformedReason;

import java.util.EnumMap;
import java.util.Map;

/**
 * What the decoder made of a capture point's packets (an immutable form of core's {@link DecodeStats}): one outcome
 * per packet the filter let through, the malformed reasons, the layer truncation cut, and how many packets contained
 * each layer. The maps hold only non-zero counts; {@code count(...)} reads 0 for the others.
 *
 * @param outcomes         packets by {@link DecodeOutcome} (they add up to {@link #packets()})
 * @param malformedReasons malformed packets by reason
 * @param truncatedIn      truncated packets by the layer the snap length cut
 * @param layers           packets containing each layer (tunnelled inner layers included)
 */
public record DecodeCounts(Map<DecodeOutcome, Long> outcomes, Map<MalformedReason, Long> malformedReasons,
                           Map<Layer, Long> truncatedIn, Map<Layer, Long> layers) {
    /** No packets. */
    public static final DecodeCounts EMPTY = new DecodeCounts(Map.of(), Map.of(), Map.of(), Map.of());

    public DecodeCounts {
        outcomes = nonZero(outcomes);
        malformedReasons = nonZero(malformedReasons);
        truncatedIn = nonZero(truncatedIn);
        layers = nonZero(layers);
    }

    /** The counts of {@code stats} now. */
    public static DecodeCounts of(DecodeStats stats) {
        Map<DecodeOutcome, Long> o = new EnumMap<>(DecodeOutcome.class);
        for (DecodeOutcome x : DecodeOutcome.values()) {
            o.put(x, stats.count(x));
        }
        Map<MalformedReason, Long> r = new EnumMap<>(MalformedReason.class);
        for (MalformedReason x : MalformedReason.values()) {
            r.put(x, stats.count(x));
        }
        Map<Layer, Long> t = new EnumMap<>(Layer.class);
        Map<Layer, Long> l = new EnumMap<>(Layer.class);
        for (Layer x : Layer.values()) {
            t.put(x, stats.truncatedIn(x));
            l.put(x, stats.count(x));
        }
        return new DecodeCounts(o, r, t, l);
    }

    /** Packets decoded (the sum of the outcomes). */
    public long packets() {
        return outcomes.values().stream().mapToLong(Long::longValue).sum();
    }

    public long count(DecodeOutcome outcome) {
        return outcomes.getOrDefault(outcome, 0L);
    }

    public long count(MalformedReason reason) {
        return malformedReasons.getOrDefault(reason, 0L);
    }

    /** Packets containing {@code layer}. */
    public long count(Layer layer) {
        return layers.getOrDefault(layer, 0L);
    }

    public long truncatedIn(Layer layer) {
        return truncatedIn.getOrDefault(layer, 0L);
    }

    /** These counts plus {@code other}'s (totals over capture points). */
    public DecodeCounts plus(DecodeCounts other) {
        return new DecodeCounts(sum(outcomes, other.outcomes, DecodeOutcome.class),
                sum(malformedReasons, other.malformedReasons, MalformedReason.class),
                sum(truncatedIn, other.truncatedIn, Layer.class), sum(layers, other.layers, Layer.class));
    }

    private static <K extends Enum<K>> Map<K, Long> sum(Map<K, Long> a, Map<K, Long> b, Class<K> type) {
        Map<K, Long> m = new EnumMap<>(type);
        m.putAll(a);
        b.forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }

    private static <K> Map<K, Long> nonZero(Map<K, Long> counts) {
        Map<K, Long> m = new java.util.HashMap<>();
        counts.forEach((k, v) -> {
            if (v < 0) {
                throw new IllegalArgumentException("negative count " + k + "=" + v);
            }
            if (v > 0) {
                m.put(k, v);
            }
        });
        return Map.copyOf(m);
    }
}
