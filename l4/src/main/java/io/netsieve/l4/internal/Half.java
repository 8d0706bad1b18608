package io.netsieve.l4.internal;

/**
 * What one side of a connection has sent (sequence space, window scale, FIN, RTT probe), its chunk counters, and
 * (inherited) its Wireshark analysis state: one object per side that has sent or been acknowledged, allocated when
 * first needed. {@link #EMPTY} stands for a side not seen yet; it is only read, never written.
 */
final class Half extends TcpAnalyzer.Side {
    /** The state of a side that has neither sent nor been acknowledged (shared, read-only). */
    static final Half EMPTY = new Half();

    boolean seqKnown;
    long seqPos;
    /** Window-scale option of this side's SYN, -1 without one. */
    short wscale = -1;
    boolean syn;
    long isn;
    boolean fin;
    int finSeqEnd; // 32-bit sequence numbers, compared with Seq (low 32 bits)
    boolean finAcked;
    boolean rttPending;
    int rttDataEnd;
    long rttDataTs;

    // chunk counters
    int packets;
    long bytes;
    int retrans;
    boolean seqRangeKnown;
    long seqMin;
    long seqMax;

    void resetChunk() {
        packets = 0;
        bytes = 0;
        retrans = 0;
        seqRangeKnown = false;
    }

    void noteSeq(long seq) {
        if (!seqRangeKnown) {
            seqMin = seqMax = seq;
            seqRangeKnown = true;
        } else {
            if (Seq.lt(seq, seqMin)) {
                seqMin = seq;
            }
            if (Seq.gt(seq, seqMax)) {
                seqMax = seq;
            }
        }
    }
}
