package io.netsieve.benchmarks;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.HeaderPrefetch;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.L4Tracker;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The benchmark frames as a steady state of known flows: only the TCP segments without SYN, FIN or RST, replayed
 * pass after pass with each direction's sequence numbers (and the peer's acknowledgments) advanced by what that
 * direction sent in one pass, so every pass continues the same connections where the previous one stopped (no new
 * flow, no retransmission) — the situation of a long-running capture of long-lived connections. The frames are
 * rewritten in place after each packet is tracked (two 32-bit adds, measured with the rest). SACK blocks and TCP
 * timestamps are not rewritten (the tracker's analysis does not use them).
 */
final class KnownFlowFrames {
    /** Packets per pass: the first this many data segments of the benchmark frames. */
    static final int PACKETS = 180_000;
    private final BenchFrames f;
    /** Byte index of each frame's TCP sequence number in {@code f.frames}. */
    private final int[] seqAt;
    private final int[] seqAdvance;
    /** Advance of the acknowledgment number (the peer direction's), 0 without ACK. */
    private final int[] ackAdvance;
    final long span;
    /** Keeps the prefetching loads alive (see {@link HeaderPrefetch}). */
    int prefetchKeep;

    private KnownFlowFrames(BenchFrames f, int[] seqAt, int[] seqAdvance, int[] ackAdvance, long span) {
        this.f = f;
        this.seqAt = seqAt;
        this.seqAdvance = seqAdvance;
        this.ackAdvance = ackAdvance;
        this.span = span;
    }

    int count() {
        return f.count;
    }

    /** The first {@code packets} data segments of {@code all} (fails if it has fewer). */
    static KnownFlowFrames from(BenchFrames all, int packets) {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView view = new PacketView();
        ByteArrayOutputStream kept = new ByteArrayOutputStream(all.frames.length);
        int n = 0;
        int[] offsets = new int[all.count];
        int[] lengths = new int[all.count];
        int[] wire = new int[all.count];
        long[] ts = new long[all.count];
        int[] seqAt = new int[all.count];
        String[] direction = new String[all.count];
        int[] seqs = new int[all.count];
        boolean[] acks = new boolean[all.count];
        Map<String, Integer> first = new HashMap<>();
        Map<String, Integer> next = new HashMap<>();
        for (int i = 0; i < all.count && n < packets; i++) {
            all.wrap(view, i, 0L);
            decoder.decode(view, d);
            if (d.transport() != Layer.TCP || d.tcp().has(TcpView.SYN) || d.tcp().has(TcpView.FIN)
                    || d.tcp().has(TcpView.RST)) {
                continue;
            }
            TcpView t = d.tcp();
            String dir = d.ip().srcAddress() + ":" + t.srcPort() + ">" + d.ip().dstAddress() + ":" + t.dstPort();
            int seq = (int) t.seq();
            int end = seq + t.payloadLength();
            first.putIfAbsent(dir, seq);
            Integer prev = next.get(dir);
            if (prev == null || end - prev > 0) {
                next.put(dir, end);
            }
            offsets[n] = kept.size();
            lengths[n] = all.lengths[i];
            wire[n] = all.wireLengths[i];
            ts[n] = all.timestamps[i];
            seqAt[n] = kept.size() + t.headerOffset() + 4;
            direction[n] = dir;
            seqs[n] = seq;
            acks[n] = t.has(TcpView.ACK);
            kept.write(all.frames, all.offsets[i], all.lengths[i]);
            n++;
        }
        if (n != packets) {
            throw new IllegalStateException("only " + n + " data segments, need " + packets);
        }
        int[] seqAdvance = new int[n];
        int[] ackAdvance = new int[n];
        for (int i = 0; i < n; i++) {
            String dir = direction[i];
            String[] ends = dir.split(">");
            String reverse = ends[1] + ">" + ends[0];
            seqAdvance[i] = next.get(dir) - first.get(dir);
            Integer peerFirst = first.get(reverse);
            ackAdvance[i] = acks[i] && peerFirst != null ? next.get(reverse) - peerFirst : 0;
        }
        BenchFrames f = new BenchFrames(kept.toByteArray(), offsets, lengths, wire, ts, all.linkType, n);
        long span = ts[n - 1] - ts[0] + 1_000_000_000L;
        return new KnownFlowFrames(f, seqAt, seqAdvance, ackAdvance, span);
    }

    /**
     * A tracker fed pass after pass, each pass one capture span later. With {@code prefetch}, the pass touches the
     * header lines of the frames ahead ({@link HeaderPrefetch}), as a source holding its frames in memory does.
     */
    final class Run {
        private final L4Tracker tracker;
        private final boolean prefetch;
        private final boolean frames;
        private long shift;

        Run(L4Tracker tracker) {
            this(tracker, true);
        }

        Run(L4Tracker tracker, boolean prefetch) {
            this(tracker, prefetch, false);
        }

        /** With {@code frames}, the frames go to {@link L4Tracker#onFrame} (no decoder in the pass). */
        Run(L4Tracker tracker, boolean prefetch, boolean frames) {
            this.tracker = tracker;
            this.prefetch = prefetch;
            this.frames = frames;
        }

        void pass(PacketView view, PacketDecoder decoder, DecodedPacket decoded) {
            KnownFlowFrames.this.pass(tracker, view, frames ? null : decoder, decoded, shift, prefetch);
            shift += span;
        }

        L4Tracker tracker() {
            return tracker;
        }
    }

    /**
     * One pass into {@code tracker} (times moved by {@code shiftNanos}), each frame advanced for the next pass; with
     * {@code prefetch}, header lines touched {@link HeaderPrefetch#BATCH} frames ahead; without {@code decoder},
     * the frames go to {@link L4Tracker#onFrame}.
     */
    void pass(L4Tracker tracker, PacketView view, PacketDecoder decoder, DecodedPacket decoded, long shiftNanos,
              boolean prefetch) {
        byte[] b = f.frames;
        int keep = 0;
        for (int i = 0; i < f.count; i++) {
            if (prefetch) {
                keep += HeaderPrefetch.ahead(b, f.offsets, f.lengths, f.count, i);
            }
            f.wrap(view, i, shiftNanos);
            if (decoder == null) {
                tracker.onFrame(view);
            } else {
                decoder.decode(view, decoded);
                tracker.onPacket(decoded);
            }
            int at = seqAt[i];
            putInt(b, at, getInt(b, at) + seqAdvance[i]);
            putInt(b, at + 4, getInt(b, at + 4) + ackAdvance[i]);
        }
        prefetchKeep += keep;
    }

    // The rewrite is the harness's work, not the tracker's: one big-endian 32-bit access each (a load and a store
    // with a byte swap), not four byte loads and four byte stores.
    private static final VarHandle BE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private static int getInt(byte[] b, int at) {
        return (int) BE_INT.get(b, at);
    }

    private static void putInt(byte[] b, int at, int v) {
        BE_INT.set(b, at, v);
    }
}
