package io.netsieve.l4.internal;

import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.TcpAnalysisFlag;

import java.util.Arrays;

/**
 * Wireshark's TCP sequence analysis (its definitions and precedence, reference §7), per connection: for every
 * segment the analysis flags and the ACK RTT. Follows Wireshark's state model on purpose, including its use of 0 as
 * "next sequence number not known yet", so that the flags agree with tshark's packet by packet. Static methods: the
 * state of each direction is its {@link Side} (a connection's {@link Half}), so a connection carries no analyser
 * object of its own.
 *
 * <p>Bounded: each side keeps at most {@link #MAX_UNACKED} unacknowledged segments for RTT matching (Wireshark
 * keeps 1000); beyond that new segments are not tracked for RTT.
 */
final class TcpAnalyzer {
    static final int MAX_UNACKED = 1000;
    private static final int F_RETRANS = TcpAnalysisFlag.RETRANSMISSION.bit();
    private static final int F_FAST = TcpAnalysisFlag.FAST_RETRANSMISSION.bit();
    private static final int F_SPURIOUS = TcpAnalysisFlag.SPURIOUS_RETRANSMISSION.bit();
    private static final int F_OOO = TcpAnalysisFlag.OUT_OF_ORDER.bit();
    private static final int F_LOST = TcpAnalysisFlag.LOST_SEGMENT.bit();
    private static final int F_ACK_LOST = TcpAnalysisFlag.ACKED_UNSEEN_SEGMENT.bit();
    private static final int F_DUPACK = TcpAnalysisFlag.DUPLICATE_ACK.bit();
    private static final int F_ZW = TcpAnalysisFlag.ZERO_WINDOW.bit();
    private static final int F_ZWP = TcpAnalysisFlag.ZERO_WINDOW_PROBE.bit();
    private static final int F_ZWP_ACK = TcpAnalysisFlag.ZERO_WINDOW_PROBE_ACK.bit();
    private static final int F_KA = TcpAnalysisFlag.KEEP_ALIVE.bit();
    private static final int F_KA_ACK = TcpAnalysisFlag.KEEP_ALIVE_ACK.bit();
    private static final int F_WU = TcpAnalysisFlag.WINDOW_UPDATE.bit();
    private static final int F_WF = TcpAnalysisFlag.WINDOW_FULL.bit();
    private static final int SYN = TcpView.SYN;
    private static final int FIN = TcpView.FIN;
    private static final int RST = TcpView.RST;
    private static final int ACK = TcpView.ACK;

    /**
     * One direction's analysis state (the side that sends). {@link Half} extends it, so a connection keeps one object
     * per direction; the unacknowledged-segment list is allocated on the first segment that needs it and grows.
     */
    static class Side {
        long nextSeq; // 0: unknown (Wireshark's convention)
        long nextSeqTime;
        long maxSeqToBeAcked;
        long lastAck;
        long lastAckTime;
        int dupAckNum;
        int window = -1; // raw window of the last segment
        short windowScale = -1; // -1 unknown, -2 no scaling in effect
        boolean firstAck = true;
        int lastSegmentFlags;
        // unacknowledged segments, two longs each: seq << 32 | next seq, time
        long[] unacked;
        int unCount;

        /** Drops the list's array when it holds nothing (an idle side): the next segment allocates one. */
        void releaseEmptyUnacked() {
            if (unCount == 0) {
                unacked = null;
            }
        }

        void addUnacked(long seq, long next, long time) {
            if (unCount == MAX_UNACKED) {
                return;
            }
            if (unacked == null) {
                unacked = new long[2];
            } else if (2 * unCount == unacked.length) {
                unacked = Arrays.copyOf(unacked, 2 * Math.min(MAX_UNACKED, unCount * 2));
            }
            unacked[2 * unCount] = (seq << 32) | next;
            unacked[2 * unCount + 1] = time;
            unCount++;
        }
    }

    private TcpAnalyzer() {
    }

    /** Remembers a window-scale option seen on a SYN sent by {@code s} ({@code other}: the peer). */
    static void onSynOptions(Side s, Side other, int windowScale, boolean synAck) {
        s.windowScale = (short) (windowScale >= 0 ? windowScale : -2); // the option is one byte
        if (synAck && other.windowScale == -2) {
            s.windowScale = -2; // the SYN had no option: nobody scales
        } else if (synAck && windowScale < 0 && other.windowScale >= 0) {
            other.windowScale = -2;
        }
    }

    /**
     * Analyses one segment sent by {@code fwd} to {@code rev}. {@code firstRttNanos}: the handshake RTT (SYN -> the
     * ACK of the SYN-ACK), 0 while unknown (out-of-order threshold 3 ms then).
     *
     * <p>{@code rev} is the shared, read-only {@link Half#EMPTY} when the other side has not been seen and this
     * segment carries no ACK: write to {@code rev} only for segments with ACK (asserted in the tests).
     *
     * @return the ACK RTT (time since the segment this packet acknowledges exactly), ns, or -1; the
     *         {@link TcpAnalysisFlag} bits of the segment are left in {@code fwd.lastSegmentFlags}
     */
    static long analyse(Side fwd, Side rev, long firstRttNanos, long seq, long ack, int seglen, int flags,
                        int rawWindow, long now) {
        int ta = 0;
        long ackRttNanos = -1;
        long window = rawWindow;

        block:
        {
            if (seglen == 1 && seq == fwd.nextSeq && rev.window == 0) {
                ta |= F_ZWP;
                break block;
            }
            if (window == 0 && (flags & (RST | FIN | SYN)) == 0) {
                ta |= F_ZW;
            }
            if (fwd.nextSeq != 0 && Seq.gt(seq, fwd.nextSeq) && (flags & RST) == 0) {
                ta |= F_LOST;
            }
            if ((seglen == 0 || seglen == 1) && seq == Seq.sub(fwd.nextSeq, 1) && (flags & (SYN | FIN | RST)) == 0) {
                ta |= F_KA;
            }
            boolean plain = seglen == 0 && seq == fwd.nextSeq && ack == fwd.lastAck
                    && (flags & (SYN | FIN | RST)) == 0;
            if (plain && window != 0 && window != fwd.window) {
                ta |= F_WU;
            }
            if (seglen > 0 && rev.windowScale != -1 && (flags & (SYN | FIN | RST)) == 0) {
                int shift = rev.firstAck ? 0 : rev.windowScale == -2 ? 0 : rev.windowScale;
                if (Seq.add(seq, seglen) == Seq.add(rev.lastAck, (long) rev.window << shift)) {
                    ta |= F_WF;
                }
            }
            if (plain && window != 0 && window == fwd.window && (rev.lastSegmentFlags & F_KA) != 0) {
                ta |= F_KA_ACK;
                break block;
            }
            if (plain && window == 0 && window == fwd.window && (rev.lastSegmentFlags & F_ZWP) != 0) {
                ta |= F_ZWP_ACK;
                break block;
            }
            if (plain && window != 0 && window == fwd.window) {
                fwd.dupAckNum = fwd.dupAckNum == -1 ? 1 : fwd.dupAckNum + 1;
                ta |= F_DUPACK;
            }
        }
        if (ack != fwd.lastAck) {
            fwd.dupAckNum = 0;
        }
        if (rev.maxSeqToBeAcked != 0 && Seq.gt(ack, rev.maxSeqToBeAcked) && (flags & ACK) != 0) {
            // tshark 4.0.17, so that the same gap is reported once: when the other side sent more since the bound
            // (a plain comparison, not a wrapping one), flag it and move the bound up to the other side's next seq;
            // otherwise flag it only while the other side's dup-ACK count is 0, and set that count to -1 (until the
            // other side's ack changes). Checked on the loss lab's captures (L4LossLabTest).
            if (rev.maxSeqToBeAcked < rev.nextSeq) {
                rev.maxSeqToBeAcked = rev.nextSeq;
                ta |= F_ACK_LOST;
            } else {
                if (rev.dupAckNum == 0) {
                    ta |= F_ACK_LOST;
                }
                rev.dupAckNum = -1;
            }
        }
        retransmission:
        if (seglen > 0 || (flags & (SYN | FIN)) != 0) {
            boolean notAdvanced = fwd.nextSeq != 0 && Seq.lt(seq, fwd.nextSeq);
            if ((ta & F_KA) != 0) {
                break retransmission;
            }
            if (seglen > 1 && Seq.sub(fwd.nextSeq, 1) == seq) {
                notAdvanced = false;
            }
            if (seglen > 0 && rev.lastAck != 0 && Seq.le(Seq.add(seq, seglen), rev.lastAck)) {
                ta |= F_SPURIOUS;
                break retransmission;
            }
            // Wireshark keeps these time differences in a guint64: a packet stamped before the one it is compared
            // with (capture timestamps are not always monotonic) gives a huge difference, not a negative one
            if (notAdvanced && rev.dupAckNum >= 2 && rev.lastAck == seq
                    && Long.compareUnsigned(now - rev.lastAckTime, 20_000_000L) < 0) {
                ta |= F_FAST;
                break retransmission;
            }
            long oooThreshold = firstRttNanos == 0 ? 3_000_000L : firstRttNanos;
            long end = Seq.add(seq, seglen + ((flags & (SYN | FIN)) != 0 ? 1 : 0));
            if (notAdvanced && Long.compareUnsigned(now - fwd.nextSeqTime, oooThreshold) < 0 && fwd.nextSeq != end) {
                ta |= F_OOO;
                break retransmission;
            }
            if (notAdvanced) {
                ta |= F_RETRANS;
            }
        }
        long nextSeq = Seq.add(seq, seglen);
        if (seglen > 0 || (flags & (SYN | FIN)) != 0) {
            if ((flags & (SYN | FIN)) != 0) {
                nextSeq = Seq.add(nextSeq, 1);
            }
            fwd.addUnacked(seq, nextSeq, now);
        }
        if ((Seq.gt(nextSeq, fwd.nextSeq) || fwd.nextSeq == 0) && (ta & F_ZWP) == 0) {
            fwd.nextSeq = nextSeq;
            fwd.nextSeqTime = now;
        }
        if ((seq == fwd.maxSeqToBeAcked || fwd.maxSeqToBeAcked == 0) && (ta & F_ZWP) == 0) {
            fwd.maxSeqToBeAcked = fwd.nextSeq;
        }
        fwd.window = rawWindow;
        if ((flags & ACK) != 0 && (flags & SYN) == 0) {
            fwd.firstAck = false;
        }
        fwd.lastAck = ack;
        fwd.lastAckTime = now;
        fwd.lastSegmentFlags = ta;

        // Segments of the other side this packet acknowledges: exact match gives the ACK RTT.
        if (rev.unCount == 0) {
            return ackRttNanos;
        }
        long[] un = rev.unacked;
        int kept = 0;
        for (int i = 0; i < rev.unCount; i++) {
            long s = un[2 * i] >>> 32;
            long n = un[2 * i] & 0xFFFF_FFFFL;
            if (ack == n) {
                if (ackRttNanos < 0) {
                    ackRttNanos = now - un[2 * i + 1]; // the oldest copy, as Wireshark reports it
                }
                continue; // acknowledged: dropped
            }
            if (Seq.gt(ack, s) && Seq.le(ack, n)) {
                s = ack; // partly acknowledged
            } else if (!Seq.gt(n, ack)) {
                continue; // old: dropped
            }
            un[2 * kept] = (s << 32) | n;
            un[2 * kept + 1] = un[2 * i + 1];
            kept++;
        }
        rev.unCount = kept;
        return ackRttNanos;
    }
}
