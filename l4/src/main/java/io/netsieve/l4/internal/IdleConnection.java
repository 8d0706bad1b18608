package io.netsieve.l4.internal;

/**
 * A {@link Connection} that went idle after its chunk was written, kept as the values its next packet needs in one
 * object of longs, ints and packed bits, instead of the connection, its two {@link Half}s and their lists: the
 * sides' sequence spaces and Wireshark analysis state (next seq, last ack, window, window scale, dup-ACK count, …
 * with their times), the handshake, direction, Zeek state and history, the two MACs of the series and the chunk id.
 * A connection that exchanged data and went idle is what most of a busy table holds between requests; this form is
 * what keeps such a flow under 256 bytes.
 *
 * <p>Only a connection that holds nothing else is kept like this ({@link Connection#compactable}): an empty chunk
 * (its record written), no stream or datagram handler, no unacknowledged segment, no RTT probe in flight, no FIN
 * and no third MAC. {@link Connection#restore} rebuilds the same connection (same values in every field
 * that is read before it is written again) when anything needs it: a packet, an ICMP error, eviction, flush.
 * Expiring it needs nothing: its chunk is empty, so there is no record to write.
 *
 * <p>The fields are written and read only by {@link Connection} (which owns the layout of its private state).
 */
final class IdleConnection extends Flow {
    final long traceHigh;
    final long traceLow;
    long lastSeenNanos;
    long firstRttNanos;
    long synTs;
    long historyEvents;
    long mac0;
    long mac1;
    /** The connection's flags and small fields (see {@code Connection.compact}). */
    long bits;
    int chunkId;
    int synRetrans;
    int synSeq;
    int synAckSeq;
    // side 0 / side 1: times, 32-bit sequence values, dup-ACK count, and the small fields packed (Connection.halfBits)
    long nextSeqTime0;
    long nextSeqTime1;
    long lastAckTime0;
    long lastAckTime1;
    int seqPos0;
    int seqPos1;
    int isn0;
    int isn1;
    int nextSeq0;
    int nextSeq1;
    int maxSeqToBeAcked0;
    int maxSeqToBeAcked1;
    int lastAck0;
    int lastAck1;
    int dupAckNum0;
    int dupAckNum1;
    long halfBits0;
    long halfBits1;

    IdleConnection(long traceHigh, long traceLow) {
        this.traceHigh = traceHigh;
        this.traceLow = traceLow;
    }

    @Override
    long lastSeen() {
        return lastSeenNanos;
    }

    boolean tcp() {
        return (bits & Connection.IDLE_TCP) != 0;
    }

    boolean closed() {
        return (bits & Connection.IDLE_CLOSED) != 0;
    }
}
