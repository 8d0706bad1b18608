package io.netsieve.l7;

import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l7.internal.ConnectionHandler;
import io.netsieve.l7.internal.Counters;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the reassembled TCP streams and the UDP datagrams of an {@code L4Tracker} into {@code bpf_net_l7_log}
 * records ({@link L7Log}): per connection the protocol is detected from the first bytes ({@link L7Registry}), its
 * parser pairs requests and responses and each exchange is emitted to the {@link L7LogListener} as soon as its
 * response is complete; a request without response is emitted as {@link L7Status#NO_RESPONSE} after
 * {@link L7Config#responseTimeoutNanos()} of packet time or at the connection's end.
 *
 * <pre>{@code
 * L7Tracker l7 = L7Tracker.builder().listener(log -> ...).build();
 * L4Tracker l4 = L4Tracker.builder().listener(...).streams(l7.streams()).datagrams(l7.datagrams()).build();
 * }</pre>
 *
 * <p>Not thread-safe, like the L4 tracker it plugs into: one tracker per pipeline thread; the listener is called on
 * that thread. Memory is bounded by the L4 connection table (one handler per connection), the detection buffer and
 * the pending requests per connection ({@link L7Config}).
 */
public final class L7Tracker {
    private final L7Registry registry;
    private final L7Config config;
    private final L7LogListener listener;
    private final Counters counters = new Counters();
    private final Set<ConnectionHandler> open = new LinkedHashSet<>();

    private L7Tracker(Builder b) {
        this.registry = b.registry;
        this.config = b.config;
        this.listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The factory to give {@code L4Tracker.Builder.streams}: one handler per TCP connection. */
    public StreamHandlerFactory streams() {
        return info -> open(new ConnectionHandler(info, Transport.TCP, registry, config, listener, counters,
                open::remove));
    }

    /** The factory to give {@code L4Tracker.Builder.datagrams}: one handler per UDP flow. */
    public DatagramHandlerFactory datagrams() {
        return info -> open(new ConnectionHandler(info, Transport.UDP, registry, config, listener, counters,
                open::remove));
    }

    private ConnectionHandler open(ConnectionHandler h) {
        counters.connections++;
        open.add(h);
        return h;
    }

    /**
     * Emits, as {@link L7Status#NO_RESPONSE}, the requests of every open connection that waited longer than the
     * response timeout at {@code nowNanos} (a live pipeline calls it from its clock; on files the packets' own times
     * and the connections' ends do it).
     */
    public void advanceTime(long nowNanos) {
        for (ConnectionHandler h : new ArrayList<>(open)) {
            h.expire(nowNanos);
        }
    }

    /** Connections and flows currently open. */
    public int openConnections() {
        return open.size();
    }

    public L7Stats stats() {
        Counters c = counters;
        return new L7Stats(c.connections, c.detected, c.undetected, c.records, c.ok, c.noResponse,
                c.requestMalformed, c.responseMalformed, c.noRequest, c.gaps, c.lostBytes, c.pendingEvicted,
                c.lateResponses, c.parserFailures, c.listenerFailures);
    }

    /** Builder; every setter may be called at most once; only the listener is required. */
    public static final class Builder {
        private L7Registry registry;
        private L7Config config;
        private L7LogListener listener;

        private Builder() {
        }

        /** The protocols (default {@link L7Registry#defaults()}). */
        public Builder registry(L7Registry registry) {
            if (this.registry != null) {
                throw new IllegalStateException("registry was already set");
            }
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public Builder config(L7Config config) {
            if (this.config != null) {
                throw new IllegalStateException("config was already set");
            }
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder listener(L7LogListener listener) {
            if (this.listener != null) {
                throw new IllegalStateException("listener was already set");
            }
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public L7Tracker build() {
            if (listener == null) {
                throw new IllegalStateException("listener is required");
            }
            if (registry == null) {
                registry = L7Registry.defaults();
            }
            if (config == null) {
                config = L7Config.defaults();
            }
            return new L7Tracker(this);
        }
    }
}
