package io.netsieve.l4.internal;

/** What one side of a connection has sent (sequence space, window scale, FIN, RTT probe) and its chunk counters. */
final class Half {
    boolean seqKnown;
    long seqPos;
    boolean maxKnown;
    long maxSeqEnd;
    int windowScale = -1;
    boolean syn;
    long isn;
    boolean fin;
    long finSeqEnd;
    boolean finAcked;
    boolean rttPending;
    long rttDataEnd;
    long rttDataTs;
    int lastWindow = -1;
    long lastAck = -1;

    // chunk counters
    long packets;
    long bytes;
    long retrans;
    boolean seqRangeKnown;
    long seqMin;
    long seqMax;

    void resetChunk() {
        packets = bytes = retrans = 0;
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
