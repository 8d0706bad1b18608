package io.netsieve.l4;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.internal.ConnectionTable;
import io.netsieve.l4.internal.FragmentReassembler;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l4.stream.StreamStats;

import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Rebuilds TCP connections and UDP flows from decoded packets and emits {@code bpf_net_l4_log} records
 * ({@link L4Log}), chunk by chunk, to a {@link L4LogListener} — or, lent and without allocation, as an
 * {@link L4LogView} to an {@link L4LogViewListener}.
 *
 * <p>Time is packet time: {@link #onPacket} advances the clock, timeouts (chunk idle, connection idle, TIME_WAIT)
 * are checked at most once per second of packet time, and {@link #flush()} ends everything at the end of a capture.
 * A live pipeline with idle links calls {@link #advanceTime(long)} from its clock.
 *
 * <p>Direction (reference §5): the local side of a connection is the endpoint whose address is one of the capture
 * point's {@link Nic#localAddresses()}; the client is the sender of the bare SYN (or the receiver of the SYN-ACK).
 * With both known the direction is incoming/outgoing with score 255 (handshake seen) or 200; otherwise unknown.
 *
 * <p>IP fragments (IPv4 and IPv6) are reassembled first, bounded by {@link L4Config#fragmentMaxDatagrams()},
 * {@link L4Config#fragmentMaxBytes()} and {@link L4Config#fragmentTimeoutNanos()}; the rebuilt datagram is tracked
 * like any packet, on the arrival of the fragment that completed it (that fragment is counted by the datagram's
 * transport in {@link L4Stats}, the other fragments as ignored). Counters: {@link #fragmentStats()}.
 *
 * <p>Not thread-safe: one tracker per pipeline thread; the listener is called on that thread.
 */
public final class L4Tracker {
    private final ConnectionTable table;
    private final FragmentReassembler fragments;
    private long tcpPackets;
    private long udpPackets;
    private long ignoredPackets;
    /** For {@link #onFrame}'s frames that need the full decoder; made on the first. */
    private PacketDecoder decoder;
    private DecodedPacket decoded;

    private L4Tracker(Builder b) {
        this.table = new ConnectionTable(b.config, b.nics, b.listener,
                b.viewListener != null ? new L4LogView(b.viewListener).record() : null, b.streams, b.datagrams);
        this.fragments = new FragmentReassembler(b.config.fragmentMaxDatagrams(), b.config.fragmentMaxBytes(),
                b.config.fragmentTimeoutNanos());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Accounts one decoded packet (its capture point is {@code packet.packet().capturePointId()}). */
    public void onPacket(DecodedPacket packet) {
        long now = packet.packet().timestampNanos();
        advance(now);
        onDecoded(packet, now);
    }

    /** The timeouts due at {@code now}: the table's (at most once per second of packet time) and the fragments'. */
    private void advance(long now) {
        table.advance(now);
        if (fragments.inFlight() != 0) {
            fragments.expire(now);
        }
    }

    /** A decoded packet at {@code now}, the clock already advanced. */
    private void onDecoded(DecodedPacket packet, long now) {
        if (FragmentReassembler.isFragment(packet)) {
            DecodedPacket datagram = fragments.onFragment(packet);
            if (datagram == null) {
                ignoredPackets++;
                return;
            }
            packet = datagram;
        }
        boolean headersOk = packet.outcome() == DecodeOutcome.DECODED
                || (packet.outcome() == DecodeOutcome.MALFORMED
                    && packet.malformedReason() == MalformedReason.TCP_BAD_OPTION);
        Layer transport = packet.transport();
        if (headersOk && (transport == Layer.ICMP || transport == Layer.ICMPV6) && packet.icmp().isError()) {
            // an error about one of our flows: attached to it (and counted as ignored like other ICMP)
            table.onIcmpError(packet);
        }
        if (!headersOk || (transport != Layer.TCP && transport != Layer.UDP)) {
            ignoredPackets++;
            return;
        }
        if (transport == Layer.TCP) {
            tcpPackets++;
        } else {
            udpPackets++;
        }
        table.onPacket(packet, now);
    }

    /**
     * Accounts one captured frame: the same as decoding it with a {@link PacketDecoder} and calling
     * {@link #onPacket}, for L4-only consumers that hold frames rather than decoded packets. Without a stream
     * handler factory, the frames most traffic is made of (untagged Ethernet, IPv4 without fragmentation, TCP
     * without options other than timestamps) are read straight into the flow table's key and segment, skipping the
     * decoder's views; any other frame is decoded in full by a decoder the tracker keeps. The frame's bytes are read
     * only during the call.
     */
    public void onFrame(PacketView frame) {
        long now = frame.timestampNanos();
        advance(now);
        if (table.onFrame(frame, now)) {
            tcpPackets++;
            return;
        }
        if (decoder == null) {
            decoder = new PacketDecoder();
            decoded = new DecodedPacket();
        }
        decoder.decode(frame, decoded);
        onDecoded(decoded, now);
    }

    /** Advances the clock without a packet (live capture on a quiet link): runs due timeouts. */
    public void advanceTime(long nowNanos) {
        table.advance(nowNanos);
        fragments.expire(nowNanos);
    }

    /**
     * Ends every connection: emits each pending chunk as its last and empties the table. Incomplete IP datagrams are
     * dropped ({@link FragmentStats#flushed()}).
     */
    public void flush() {
        fragments.flush();
        table.flush();
    }

    /** IP fragment reassembly counters. */
    public FragmentStats fragmentStats() {
        FragmentReassembler f = fragments;
        return new FragmentStats(f.fragments(), f.datagrams(), f.reassembledFragments(), f.duplicates(),
                f.overlaps(), f.timedOut(), f.evicted(), f.oversize(), f.malformed(), f.flushed(), f.pending(),
                f.atomic(), f.inFlight(), f.bytesBuffered());
    }

    /** Reassembly counters (all zero without a stream handler factory); handler failures include datagram handlers. */
    public StreamStats streamStats() {
        return table.streamStats();
    }

    public L4Stats stats() {
        return new L4Stats(tcpPackets, udpPackets, ignoredPackets, table.created(), table.size(), table.expired(),
                table.evicted(), table.flushed(), table.portReuses(), table.records(), table.icmpAttached(),
                table.icmpUnmatched());
    }

    /** Builder; every setter may be called at most once. */
    public static final class Builder {
        private L4Config config;
        private IntFunction<Nic> nics;
        private L4LogListener listener;
        private L4LogViewListener viewListener;
        private StreamHandlerFactory streams;
        private DatagramHandlerFactory datagrams;

        /**
         * Reassemble TCP payload and hand it, in order per direction, to handlers this factory opens per
         * connection (see {@link StreamHandler}). Without it no payload is looked at.
         */
        public Builder streams(StreamHandlerFactory factory) {
            if (streams != null) {
                throw new IllegalStateException("streams was already set");
            }
            streams = Objects.requireNonNull(factory, "factory");
            return this;
        }

        private Builder() {
        }

        /**
         * Hand the payload of every UDP datagram to handlers this factory opens per UDP flow (see
         * {@link DatagramHandler}). Without it no UDP payload is looked at.
         */
        public Builder datagrams(DatagramHandlerFactory factory) {
            if (datagrams != null) {
                throw new IllegalStateException("datagrams was already set");
            }
            datagrams = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public Builder config(L4Config config) {
            if (this.config != null) {
                throw new IllegalStateException("config was already set");
            }
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * The capture point metadata by capture-point id (may return null for an unknown id: a default NIC named
         * after the id is used, with no local addresses, so direction stays unknown).
         */
        public Builder nics(IntFunction<Nic> nics) {
            if (this.nics != null) {
                throw new IllegalStateException("nics was already set");
            }
            this.nics = Objects.requireNonNull(nics, "nics");
            return this;
        }

        /** Receives each record as an owned {@link L4Log}; this or {@link #viewListener} is required, not both. */
        public Builder listener(L4LogListener listener) {
            if (this.listener != null) {
                throw new IllegalStateException("listener was already set");
            }
            if (viewListener != null) {
                throw new IllegalStateException("viewListener was set: a tracker has one listener");
            }
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Receives each record as a lent {@link L4LogView}, valid only during the call, instead of an {@link L4Log}:
         * no record object, text formatted only when read, the packet series lent and its rows reused (whatever
         * {@link L4Config#lendPacketSeries()} says), so a known flow allocates nothing per packet. This or
         * {@link #listener} is required, not both.
         */
        public Builder viewListener(L4LogViewListener listener) {
            if (viewListener != null) {
                throw new IllegalStateException("viewListener was already set");
            }
            if (this.listener != null) {
                throw new IllegalStateException("listener was set: a tracker has one listener");
            }
            viewListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public L4Tracker build() {
            if (listener == null && viewListener == null) {
                throw new IllegalStateException("listener (or viewListener) is required");
            }
            if (config == null) {
                config = L4Config.defaults();
            }
            if (nics == null) {
                nics = id -> null;
            }
            return new L4Tracker(this);
        }
    }
}
