package io.netsieve.l7;

import io.netsieve.l7.internal.dns.DnsProtocol;
import io.netsieve.l7.internal.http.Http1Protocol;
import io.netsieve.l7.internal.http2.Http2Protocol;
import io.netsieve.l7.internal.redis.RedisProtocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The protocols an {@link L7Tracker} tries, in order: user protocols are added with {@link Builder#add}, the
 * built-in ones (HTTP/1.x, HTTP/2, DNS, Redis) with {@link Builder#addDefaults()}. Detection asks the protocols whose port hints
 * contain the server port first, then the others in registration order. Immutable and thread-safe.
 */
public final class L7Registry {
    private final List<L7Protocol> protocols;

    private L7Registry(List<L7Protocol> protocols) {
        this.protocols = List.copyOf(protocols);
    }

    /** HTTP/1.x, HTTP/2 (prior knowledge), DNS and Redis. */
    public static L7Registry defaults() {
        return builder().addDefaults().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The built-in HTTP/1.x protocol (netty's codec). */
    public static L7Protocol http1() {
        return Http1Protocol.INSTANCE;
    }

    /** The built-in HTTP/2 protocol with prior knowledge (h2c; netty's HPACK decoder). */
    public static L7Protocol http2() {
        return Http2Protocol.INSTANCE;
    }

    /** The built-in Redis protocol (RESP2/RESP3, inline commands, any port). */
    public static L7Protocol redis() {
        return RedisProtocol.INSTANCE;
    }

    /** The built-in DNS protocol (UDP and TCP, any port). */
    public static L7Protocol dns() {
        return DnsProtocol.INSTANCE;
    }

    public List<L7Protocol> protocols() {
        return protocols;
    }

    /** The candidates for a connection on {@code transport} to {@code serverPort}: hinted ones first. */
    public List<L7Protocol> candidates(Transport transport, int serverPort) {
        List<L7Protocol> hinted = new ArrayList<>();
        List<L7Protocol> rest = new ArrayList<>();
        for (L7Protocol p : protocols) {
            if (!p.supports(transport)) {
                continue;
            }
            boolean hit = false;
            for (int port : p.portHints()) {
                hit |= port == serverPort;
            }
            (hit ? hinted : rest).add(p);
        }
        hinted.addAll(rest);
        return hinted;
    }

    /** Builder; a protocol name may be added once. */
    public static final class Builder {
        private final List<L7Protocol> protocols = new ArrayList<>();
        private final Set<String> names = new HashSet<>();
        private boolean defaultsAdded;

        private Builder() {
        }

        public Builder add(L7Protocol protocol) {
            Objects.requireNonNull(protocol, "protocol");
            String name = Objects.requireNonNull(protocol.name(), "protocol name");
            if (!names.add(name)) {
                throw new IllegalStateException("protocol " + name + " was already added");
            }
            protocols.add(protocol);
            return this;
        }

        /** Adds HTTP/1.x, HTTP/2 (prior knowledge), DNS and Redis (after the protocols added so far). */
        public Builder addDefaults() {
            if (defaultsAdded) {
                throw new IllegalStateException("defaults were already added");
            }
            defaultsAdded = true;
            add(http1());
            add(http2());
            add(dns());
            return add(redis());
        }

        public L7Registry build() {
            return new L7Registry(protocols);
        }
    }
}
