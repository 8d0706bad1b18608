package io.netsieve.l7.internal;

/** The mutable counters behind {@code L7Stats}; pipeline thread only. */
public final class Counters {
    public long connections;
    public long detected;
    public long undetected;
    public long records;
    public long ok;
    public long noResponse;
    public long requestMalformed;
    public long responseMalformed;
    public long noRequest;
    public long gaps;
    public long lostBytes;
    public long pendingEvicted;
    public long lateResponses;
    public long parserFailures;
    public long listenerFailures;
}
