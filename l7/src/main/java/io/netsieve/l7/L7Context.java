package io.netsieve.l7;

import io.netsieve.l4.stream.StreamInfo;

import java.util.Map;

/**
 * What the tracker gives one {@link L7Parser}: the connection, the configuration, the way out for records and the
 * counters. Called on the pipeline thread only.
 */
public interface L7Context {

    /** The L4 connection or UDP flow (capture point, client, server, {@code inner_traceid}). */
    StreamInfo connection();

    Transport transport();

    L7Config config();

    /**
     * Emits the exchange as an {@link L7Log} of this connection: timings and seqs from {@code exchange};
     * {@code l7TraceId} null means {@code "<req_seq>_<resp_seq>"}. At most one of {@code http} / {@code dns} is
     * set; {@code attributes} may be null.
     */
    void emit(L7Exchange exchange, L7Status status, HttpInfo http, DnsInfo dns, Map<String, String> attributes,
              String l7TraceId);

    /**
     * As {@link #emit(L7Exchange, L7Status, HttpInfo, DnsInfo, Map, String)} with an explicit {@code l7_proto} for
     * this record (a protocol that carries another: gRPC on HTTP/2, HTTP/2 after an HTTP/1.1 upgrade); null means
     * the detected protocol's name.
     */
    void emit(String l7Proto, L7Exchange exchange, L7Status status, HttpInfo http, DnsInfo dns,
              Map<String, String> attributes, String l7TraceId);

    /**
     * The side L4 took for the client is the server: a connection picked up mid-stream (no handshake) whose first
     * captured bytes were a response. From now on the records of this connection name client and server the other
     * way round; the parser keeps receiving L4's directions and maps them itself.
     */
    void reverseRoles();

    /** Counts bytes skipped while resynchronising after a gap or a parse failure. */
    void countLostBytes(long bytes);

    /** Counts a response whose request was already emitted as "no response" (no second record is emitted). */
    void countLateResponse();

    /** Counts a pending request dropped because {@link L7Config#maxPendingPerConnection()} was reached. */
    void countPendingEvicted();
}
