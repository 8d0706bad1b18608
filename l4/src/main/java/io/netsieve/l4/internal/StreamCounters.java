package io.netsieve.l4.internal;

import io.netsieve.l4.stream.StreamStats;

/** Reassembly counters and the tracker-wide out-of-order byte budget, shared by all connections of a tracker. */
public final class StreamCounters {
    final long maxBufferedPerFlow;
    final long maxBufferedTotal;
    long buffered;
    long delivered;
    long duplicate;
    long outOfOrder;
    long gaps;
    long missed;
    long overflows;
    long handlerFailures;

    public StreamCounters(long maxBufferedPerFlow, long maxBufferedTotal) {
        this.maxBufferedPerFlow = maxBufferedPerFlow;
        this.maxBufferedTotal = maxBufferedTotal;
    }

    public StreamStats snapshot() {
        return new StreamStats(delivered, duplicate, outOfOrder, gaps, missed, overflows, handlerFailures);
    }
}
