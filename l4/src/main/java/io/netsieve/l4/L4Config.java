package io.netsieve.l4;

import java.time.Duration;

/**
 * Limits and timeouts of an {@link L4Tracker}. Immutable; build with {@link #builder()} (each setter validates its
 * argument and may be called once). Defaults:
 * <ul>
 *   <li>{@code chunkMaxPackets} 256, {@code chunkMaxSpan} 30 s, {@code chunkIdle} 30 s (reference §3);</li>
 *   <li>{@code tcpIdleTimeout} 5 min (an established connection with no packets is ended), {@code udpIdleTimeout}
 *       60 s, {@code timeWaitTimeout} 30 s (a closed connection stays to absorb late packets and to recognise
 *       port reuse);</li>
 *   <li>{@code maxFlows} 65 536 (the flow table's bound: about 10 MB of table; when full the least recently seen
 *       flow is evicted, emitted with {@code evicted = true}, and counted);</li>
 *   <li>IP fragment reassembly: {@code fragmentMaxDatagrams} 1024 datagrams in flight, {@code fragmentMaxBytes}
 *       4 MiB buffered, {@code fragmentTimeout} 30 s from the first fragment (Linux {@code ipfrag_time}); when a
 *       bound is reached the oldest datagram is evicted and counted ({@link FragmentStats}).</li>
 *   <li>{@code lendPacketSeries} false: every record owns its {@link PacketSeries}. When true, a record's series is
 *       lent for the duration of the {@link L4LogListener#onL4Log} call only (reading it later throws
 *       {@link IllegalStateException}; {@link PacketSeries#copy()} keeps one) and the tracker reuses its rows for
 *       the next chunks, so a known flow allocates nothing per packet (the rows are 40 B per packet otherwise). The
 *       free rows kept for reuse are bounded (4096 blocks per size class, ≤ 10 MiB). A tracker with a view listener
 *       ({@link L4Tracker.Builder#viewListener}, lent records) lends its series whatever this says.</li>
 * </ul>
 */
public final class L4Config {
    private final int chunkMaxPackets;
    private final long chunkMaxSpanNanos;
    private final long chunkIdleNanos;
    private final long tcpIdleNanos;
    private final long udpIdleNanos;
    private final long timeWaitNanos;
    private final int maxFlows;
    private final long reassemblyMaxBytesPerFlow;
    private final long reassemblyMaxBytesTotal;
    private final int fragmentMaxDatagrams;
    private final long fragmentMaxBytes;
    private final long fragmentTimeoutNanos;
    private final boolean lendPacketSeries;

    private L4Config(Builder b) {
        fragmentMaxDatagrams = b.fragmentMaxDatagrams > 0 ? b.fragmentMaxDatagrams : 1024;
        fragmentMaxBytes = b.fragmentMaxBytes > 0 ? b.fragmentMaxBytes : 4L << 20;
        fragmentTimeoutNanos = b.fragmentTimeout != null ? b.fragmentTimeout.toNanos() : 30_000_000_000L;
        reassemblyMaxBytesPerFlow = b.reassemblyPerFlow > 0 ? b.reassemblyPerFlow : 1L << 20;
        reassemblyMaxBytesTotal = b.reassemblyTotal > 0 ? b.reassemblyTotal : 64L << 20;
        chunkMaxPackets = b.chunkMaxPackets > 0 ? b.chunkMaxPackets : 256;
        chunkMaxSpanNanos = b.chunkMaxSpan != null ? b.chunkMaxSpan.toNanos() : 30_000_000_000L;
        chunkIdleNanos = b.chunkIdle != null ? b.chunkIdle.toNanos() : 30_000_000_000L;
        tcpIdleNanos = b.tcpIdle != null ? b.tcpIdle.toNanos() : 300_000_000_000L;
        udpIdleNanos = b.udpIdle != null ? b.udpIdle.toNanos() : 60_000_000_000L;
        timeWaitNanos = b.timeWait != null ? b.timeWait.toNanos() : 30_000_000_000L;
        maxFlows = b.maxFlows > 0 ? b.maxFlows : 65_536;
        lendPacketSeries = b.lendPacketSeries != null && b.lendPacketSeries;
    }

    /** The defaults. */
    public static L4Config defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int chunkMaxPackets() { return chunkMaxPackets; }
    /** Out-of-order bytes buffered per connection direction pair before a hole is given up (default 1 MiB). */
    public long reassemblyMaxBytesPerFlow() { return reassemblyMaxBytesPerFlow; }
    /** Out-of-order bytes buffered by the whole tracker before holes are given up (default 64 MiB). */
    public long reassemblyMaxBytesTotal() { return reassemblyMaxBytesTotal; }
    public long chunkMaxSpanNanos() { return chunkMaxSpanNanos; }
    public long chunkIdleNanos() { return chunkIdleNanos; }
    public long tcpIdleNanos() { return tcpIdleNanos; }
    public long udpIdleNanos() { return udpIdleNanos; }
    public long timeWaitNanos() { return timeWaitNanos; }
    public int maxFlows() { return maxFlows; }
    /** IP datagrams being reassembled at once (default 1024). */
    public int fragmentMaxDatagrams() { return fragmentMaxDatagrams; }
    /** Bytes held by IP fragment reassembly in total (default 4 MiB). */
    public long fragmentMaxBytes() { return fragmentMaxBytes; }
    /** Packet time from a datagram's first fragment after which an incomplete datagram is dropped (default 30 s). */
    public long fragmentTimeoutNanos() { return fragmentTimeoutNanos; }

    /** Records' packet series are valid only during the listener call, their rows reused (default false). */
    public boolean lendPacketSeries() { return lendPacketSeries; }

    /** Builder; every setter may be called at most once. */
    public static final class Builder {
        private long reassemblyPerFlow;
        private long reassemblyTotal;
        private int chunkMaxPackets;
        private Boolean lendPacketSeries;

        /**
         * True: each record's {@link PacketSeries} is lent for the listener call only and its rows are reused
         * afterwards (no allocation per packet for known flows); false (default): records own their series.
         */
        public Builder lendPacketSeries(boolean lend) {
            once(lendPacketSeries != null, "lendPacketSeries");
            lendPacketSeries = lend;
            return this;
        }
        private Duration chunkMaxSpan;
        private Duration chunkIdle;
        private Duration tcpIdle;
        private Duration udpIdle;
        private Duration timeWait;
        private int maxFlows;
        private int fragmentMaxDatagrams;
        private long fragmentMaxBytes;
        private Duration fragmentTimeout;

        private Builder() {
        }

        /** Packets per chunk, 1..65536. */
        public Builder chunkMaxPackets(int packets) {
            once(chunkMaxPackets != 0, "chunkMaxPackets");
            if (packets < 1 || packets > 65_536) {
                throw new IllegalArgumentException("chunkMaxPackets must be in [1, 65536]: " + packets);
            }
            chunkMaxPackets = packets;
            return this;
        }

        public Builder chunkMaxSpan(Duration span) {
            once(chunkMaxSpan != null, "chunkMaxSpan");
            chunkMaxSpan = positive(span, "chunkMaxSpan");
            return this;
        }

        public Builder chunkIdle(Duration idle) {
            once(chunkIdle != null, "chunkIdle");
            chunkIdle = positive(idle, "chunkIdle");
            return this;
        }

        public Builder tcpIdleTimeout(Duration idle) {
            once(tcpIdle != null, "tcpIdleTimeout");
            tcpIdle = positive(idle, "tcpIdleTimeout");
            return this;
        }

        public Builder udpIdleTimeout(Duration idle) {
            once(udpIdle != null, "udpIdleTimeout");
            udpIdle = positive(idle, "udpIdleTimeout");
            return this;
        }

        public Builder timeWaitTimeout(Duration wait) {
            once(timeWait != null, "timeWaitTimeout");
            timeWait = positive(wait, "timeWaitTimeout");
            return this;
        }

        /** Flows tracked at once, 1..2^28. */
        public Builder maxFlows(int flows) {
            once(maxFlows != 0, "maxFlows");
            if (flows < 1 || flows > (1 << 28)) {
                throw new IllegalArgumentException("maxFlows must be in [1, 2^28]: " + flows);
            }
            maxFlows = flows;
            return this;
        }

        /** Out-of-order bytes buffered per connection before a hole is given up (default 1 MiB). */
        public Builder reassemblyMaxBytesPerFlow(long bytes) {
            once(reassemblyPerFlow != 0, "reassemblyMaxBytesPerFlow");
            if (bytes < 1) {
                throw new IllegalArgumentException("reassemblyMaxBytesPerFlow must be positive: " + bytes);
            }
            reassemblyPerFlow = bytes;
            return this;
        }

        /** Out-of-order bytes buffered by the tracker in total (default 64 MiB). */
        public Builder reassemblyMaxBytesTotal(long bytes) {
            once(reassemblyTotal != 0, "reassemblyMaxBytesTotal");
            if (bytes < 1) {
                throw new IllegalArgumentException("reassemblyMaxBytesTotal must be positive: " + bytes);
            }
            reassemblyTotal = bytes;
            return this;
        }

        /** IP datagrams being reassembled at once, 1..2^20 (default 1024). */
        public Builder fragmentMaxDatagrams(int datagrams) {
            once(fragmentMaxDatagrams != 0, "fragmentMaxDatagrams");
            if (datagrams < 1 || datagrams > (1 << 20)) {
                throw new IllegalArgumentException("fragmentMaxDatagrams must be in [1, 2^20]: " + datagrams);
            }
            fragmentMaxDatagrams = datagrams;
            return this;
        }

        /** Bytes held by IP fragment reassembly in total (default 4 MiB). */
        public Builder fragmentMaxBytes(long bytes) {
            once(fragmentMaxBytes != 0, "fragmentMaxBytes");
            if (bytes < 1) {
                throw new IllegalArgumentException("fragmentMaxBytes must be positive: " + bytes);
            }
            fragmentMaxBytes = bytes;
            return this;
        }

        /** How long an incomplete IP datagram waits for its fragments, from its first one (default 30 s). */
        public Builder fragmentTimeout(Duration timeout) {
            once(fragmentTimeout != null, "fragmentTimeout");
            fragmentTimeout = positive(timeout, "fragmentTimeout");
            return this;
        }

        public L4Config build() {
            return new L4Config(this);
        }

        private static void once(boolean set, String name) {
            if (set) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
