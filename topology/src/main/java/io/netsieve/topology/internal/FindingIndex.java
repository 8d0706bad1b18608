package io.netsieve.topology.internal;

import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.internal.FindingFacts.ExchangeNote;
import io.netsieve.topology.internal.FindingFacts.L4Fact;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The associated logs the findings need, per connection per capture point ({@code inner_traceid}): its L4 records
 * and its exchanges (with their path once known). Bounded: at most {@code maxConnections} connections, the oldest
 * dropped first (counted), at most {@value #PER_CONNECTION} records of each kind per connection.
 */
public final class FindingIndex {
    static final int PER_CONNECTION = 256;

    /** A connection on one capture point. */
    public static final class Connection {
        final List<L4Fact> chunks = new ArrayList<>(1);
        final List<ExchangeNote> exchanges = new ArrayList<>(1);
        /**
         * Where each exchange sits in {@link #exchanges}, by its record: an exchange is offered twice (its record,
         * then its path) and a keep-alive connection holds up to {@value #PER_CONNECTION} of them, so a linear
         * search was a quarter of the findings' time on a bulk capture. Made at the first exchange (a connection
         * without any stays small); as bounded as {@link #exchanges}.
         */
        Map<EvidenceRef.L7, Integer> exchangeAt;

        public List<L4Fact> chunks() {
            return chunks;
        }

        public List<ExchangeNote> exchanges() {
            return exchanges;
        }

        /** Its L4 records holding chunks {@code min..max} (all when {@code min < 0}). */
        public List<L4Fact> chunks(int min, int max) {
            List<L4Fact> out = new ArrayList<>();
            for (L4Fact f : chunks) {
                if (min < 0 || (f.ref().chunkId() >= min && f.ref().chunkId() <= max)) {
                    out.add(f);
                }
            }
            return out;
        }
    }

    private final int maxConnections;
    private final Map<String, Connection> connections;
    private long evicted;

    public FindingIndex(int maxConnections) {
        this.maxConnections = maxConnections;
        this.connections = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Connection> eldest) {
                if (size() > FindingIndex.this.maxConnections) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    public void add(L4Fact fact) {
        Connection c = connections.computeIfAbsent(fact.localKey(), k -> new Connection());
        if (c.chunks.size() < PER_CONNECTION) {
            c.chunks.add(fact);
        }
    }

    /** Adds an exchange, or gives a known one its path. */
    public void add(ExchangeNote note) {
        Connection c = connections.computeIfAbsent(
                FindingFacts.connectionOnPoint(note.ref().capturePoint(), note.ref().innerTraceId()),
                k -> new Connection());
        if (c.exchangeAt == null) {
            c.exchangeAt = new HashMap<>(4);
        }
        Integer i = c.exchangeAt.get(note.ref());
        if (i != null) {
            ExchangeNote old = c.exchanges.get(i);
            if (old.path() == null && note.path() != null) {
                c.exchanges.set(i, note);
                // key by the reference kept (an equal one): the old note's would stay reachable through the map
                c.exchangeAt.remove(old.ref());
                c.exchangeAt.put(note.ref(), i);
            }
            return;
        }
        if (c.exchanges.size() < PER_CONNECTION) {
            c.exchangeAt.put(note.ref(), c.exchanges.size());
            c.exchanges.add(note);
        }
    }

    /** The connection of {@code innerTraceId} on {@code point}, or an empty one. */
    public Connection get(EvidenceRef.CapturePoint point, String innerTraceId) {
        Connection c = connections.get(FindingFacts.connectionOnPoint(point, innerTraceId));
        return c != null ? c : new Connection();
    }

    public long evicted() {
        return evicted;
    }
}
