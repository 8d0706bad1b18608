package io.netsieve.core.packet;

/**
 * Counts decoded packets: one outcome per packet (so the outcome counts always add up to {@link #packets()}), the
 * malformed reasons, the layer that truncation cut, and how many packets contained each layer.
 *
 * <p>Not thread-safe: one instance per decoding thread; {@link #add(DecodeStats)} merges them.
 */
public final class DecodeStats {
    private static final Layer[] LAYERS = Layer.values();
    private static final MalformedReason[] REASONS = MalformedReason.values();

    private long packets;
    private final long[] outcomes = new long[DecodeOutcome.values().length];
    private final long[] reasons = new long[REASONS.length];
    private final long[] truncatedIn = new long[LAYERS.length];
    private final long[] layers = new long[LAYERS.length];

    /** Counts one decoded packet. */
    public void record(DecodedPacket packet) {
        packets++;
        outcomes[packet.outcome().ordinal()]++;
        if (packet.outcome() == DecodeOutcome.MALFORMED) {
            reasons[packet.malformedReason().ordinal()]++;
        } else if (packet.outcome() == DecodeOutcome.TRUNCATED) {
            truncatedIn[packet.truncatedLayer().ordinal()]++;
        }
        long bits = packet.layers();
        while (bits != 0) {
            int i = Long.numberOfTrailingZeros(bits);
            layers[i]++;
            bits &= bits - 1;
        }
    }

    /** Adds another instance's counts to this one. */
    public void add(DecodeStats other) {
        packets += other.packets;
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] += other.outcomes[i];
        }
        for (int i = 0; i < reasons.length; i++) {
            reasons[i] += other.reasons[i];
        }
        for (int i = 0; i < layers.length; i++) {
            layers[i] += other.layers[i];
            truncatedIn[i] += other.truncatedIn[i];
        }
    }

    /** Packets counted. */
    public long packets() { return packets; }
    /** Packets that ended with {@code outcome}. */
    public long count(DecodeOutcome outcome) { return outcomes[outcome.ordinal()]; }
    /** Malformed packets with {@code reason}. */
    public long count(MalformedReason reason) { return reasons[reason.ordinal()]; }
    /** Packets containing {@code layer}. */
    public long count(Layer layer) { return layers[layer.ordinal()]; }
    /** Truncated packets cut inside {@code layer}. */
    public long truncatedIn(Layer layer) { return truncatedIn[layer.ordinal()]; }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("DecodeStats[packets=").append(packets);
        for (DecodeOutcome o : DecodeOutcome.values()) {
            if (outcomes[o.ordinal()] != 0) {
                b.append(", ").append(o).append('=').append(outcomes[o.ordinal()]);
            }
        }
        for (MalformedReason r : REASONS) {
            if (reasons[r.ordinal()] != 0) {
                b.append(", ").append(r).append('=').append(reasons[r.ordinal()]);
            }
        }
        b.append(", layers{");
        String sep = "";
        for (Layer l : LAYERS) {
            if (layers[l.ordinal()] != 0) {
                b.append(sep).append(l).append('=').append(layers[l.ordinal()]);
                sep = ", ";
            }
        }
        return b.append("}]").toString();
    }
}
