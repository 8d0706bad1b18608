package io.netsieve.l7;

import io.netsieve.l4.stream.StreamInfo;

import java.util.Map;

/**
 * A base for {@link L7Context} implementations (the tracker's connection handler; a harness that drives a parser
 * directly, as the benchmarks do): the connection, transport and configuration the context serves, and
 * {@link #emit(L7Exchange, L7Status, HttpInfo, DnsInfo, Map, String)} as the {@code l7Proto}-taking {@code emit} with
 * null (the detected protocol's name).
 */
public abstract class L7ContextBase implements L7Context {
    private final L7Config config;
    private StreamInfo connection;
    private Transport transport;

    protected L7ContextBase(StreamInfo connection, Transport transport, L7Config config) {
        this.connection = connection;
        this.transport = transport;
        this.config = config;
    }

    /** A context used for one connection after another (a harness): the connection it serves from now on. */
    protected final void serve(StreamInfo connection, Transport transport) {
        this.connection = connection;
        this.transport = transport;
    }

    @Override
    public final StreamInfo connection() {
        return connection;
    }

    @Override
    public final Transport transport() {
        return transport;
    }

    @Override
    public final L7Config config() {
        return config;
    }

    @Override
    public final void emit(L7Exchange exchange, L7Status status, HttpInfo http, DnsInfo dns,
                           Map<String, String> attributes, String l7TraceId) {
        emit(null, exchange, status, http, dns, attributes, l7TraceId);
    }
}
