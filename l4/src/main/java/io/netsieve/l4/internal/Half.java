package io.netsieve.l4.internal;

/**
 * What one side of a connection has sent (sequence space, window scale, FIN, RTT probe), its chunk counters, and
 * (inherited) its Wireshark analysis state: one object per side that has sent or been acknowledged, allocated when
 * first needed. {@link #EMPTY} stands for a side not seen yet; it is only read, never written.
 */
final class Half extends TcpAnalyzer.Side {
    /** The state of a side that has neither sent nor been acknowledged (shared, read-only). */
    static final Half EMPTY = new Half();

    // 32-bit sequence numbers are kept in ints (their low 32 bits: Seq compares and subtracts those); the long
    // accessors return them unsigned.
    boolean seqKnown;
    private int seqPosBits;
    /** Window-scale option of this side's SYN, -1 without one. */
    short wscale = -1;
    boolean syn;
    private int isnBits;
    boolean fin;
    int finSeqEnd;
    boolean finAcked;
    boolean rttPending;
    int rttDataEnd;
    long rttDataTs;

    // chunk counters
    int packets;
    long bytes;
    int retrans;
    boolean seqRangeKnown;
    private int seqMinBits;
    private int seqMaxBits;

    /** First seq sent by this side minus 1 (relative seq base). */
    long seqPos() {
        return seqPosBits & 0xFFFF_FFFFL;
    }

    void seqPos(long seq) {
        seqPosBits = (int) seq;
    }

    /** Seq of this side's last SYN. */
    long isn() {
        return isnBits & 0xFFFF_FFFFL;
    }

    void isn(long seq) {
        isnBits = (int) seq;
    }

    /** Lowest / highest seq sent in the chunk (valid when {@link #seqRangeKnown}). */
    long seqMin() {
        return seqMinBits & 0xFFFF_FFFFL;
    }

    long seqMax() {
        return seqMaxBits & 0xFFFF_FFFFL;
    }

    /** True while every field has its initial value (checked for {@link #EMPTY} by assertions). */
    boolean pristine() {
        return !seqKnown && seqPosBits == 0 && wscale == -1 && !syn && isnBits == 0 && !fin && finSeqEnd == 0
                && !finAcked && !rttPending && rttDataEnd == 0 && rttDataTs == 0 && packets == 0 && bytes == 0
                && retrans == 0 && !seqRangeKnown && seqMinBits == 0 && seqMaxBits == 0
                && nextSeq == 0 && nextSeqTime == 0 && maxSeqToBeAcked == 0 && lastAck == 0 && lastAckTime == 0
                && dupAckNum == 0 && window == -1 && windowScale == -1 && firstAck && lastSegmentFlags == 0
                && unacked == null && unCount == 0;
    }

    void resetChunk() {
        packets = 0;
        bytes = 0;
        retrans = 0;
        seqRangeKnown = false;
    }

    void noteSeq(long seq) {
        if (!seqRangeKnown) {
            seqMinBits = seqMaxBits = (int) seq;
            seqRangeKnown = true;
        } else {
            if (Seq.lt(seq, seqMin())) {
                seqMinBits = (int) seq;
            }
            if (Seq.gt(seq, seqMax())) {
                seqMaxBits = (int) seq;
            }
        }
    }
}
