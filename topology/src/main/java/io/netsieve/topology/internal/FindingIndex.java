package io.netsieve.topology.internal;

import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.internal.FindingFacts.ExchangeNote;
import io.netsieve.topology.internal.FindingFacts.L4Fact;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
    /** The bits of a position ({@code index + 1}, at most {@link #PER_CONNECTION}) in {@code exchangeAt}. */
    private static final int AT_BITS = 9;
    private static final int AT_MASK = (1 << AT_BITS) - 1;

    /** A connection on one capture point. */
    public static final class Connection {
        final List<L4Fact> chunks = new ArrayList<>(1);
        final List<ExchangeNote> exchanges = new ArrayList<>(1);
        /**
         * Where each exchange sits in {@link #exchanges}, by its record's hash: an open-addressing table of
         * {@code index + 1} (0 free) in the low {@value #AT_BITS} bits, the high bits of the hash above them (a probe
         * compares those first and reads a note only when they agree: the notes are spread over the heap, one cache
         * miss each). An exchange is offered twice (its record, then its path) and a keep-alive connection holds up to
         * {@value #PER_CONNECTION} of them, so a linear search was a quarter of the findings' time on a bulk capture;
         * a {@code HashMap} of boxed positions was ~60 B per exchange. Made at the first exchange (a connection
         * without any stays small); as bounded as {@link #exchanges}. The hash leaves out the capture point and the
         * connection (the same for nearly every note of a connection: its key names both).
         */
        int[] exchangeAt;

        /** The position of the exchange of {@code note}'s record in {@link #exchanges}, or -1. */
        int find(ExchangeNote note) {
            if (exchangeAt == null) {
                return -1;
            }
            int h = spread(note.idHash());
            int high = h & ~AT_MASK;
            int mask = exchangeAt.length - 1;
            for (int s = h & mask; ; s = (s + 1) & mask) {
                int v = exchangeAt[s];
                if (v == 0) {
                    return -1;
                }
                if ((v & ~AT_MASK) == high && exchanges.get((v & AT_MASK) - 1).sameRecord(note)) {
                    return (v & AT_MASK) - 1;
                }
            }
        }

        /** Appends {@code note} (not present yet). */
        void append(ExchangeNote note) {
            exchanges.add(note);
            if (exchangeAt == null) {
                exchangeAt = new int[8];
            } else if (exchanges.size() * 2 > exchangeAt.length) {
                int[] old = exchangeAt;
                exchangeAt = new int[old.length * 2];
                for (int v : old) {
                    if (v != 0) {
                        place(exchanges.get((v & AT_MASK) - 1), v & AT_MASK);
                    }
                }
            }
            place(note, exchanges.size());
        }

        private void place(ExchangeNote note, int at) {
            int h = spread(note.idHash());
            int mask = exchangeAt.length - 1;
            int s = h & mask;
            while (exchangeAt[s] != 0) {
                s = (s + 1) & mask;
            }
            exchangeAt[s] = (h & ~AT_MASK) | at;
        }

        private static int spread(int h) {
            return (h ^ (h >>> 16)) * 0x9E3779B9;
        }

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
    /** By capture point and {@code inner_traceid} (what {@link FindingFacts#connectionOnPoint} names). */
    private final Map<Key, Connection> connections;
    /** The capture points' ids ({@code host/pod/nic}), made once per shared point: at most 4096, cleared when full. */
    private final Map<EvidenceRef.CapturePoint, String> pointIds = new IdentityHashMap<>();
    private long evicted;
    private final Map<String, String> shared = new HashMap<>();

    public FindingIndex(int maxConnections) {
        this.maxConnections = maxConnections;
        this.connections = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Connection> eldest) {
                if (size() > FindingIndex.this.maxConnections) {
                    evicted++;
                    Arrays.fill(cachedPoint, null); // the cache may name the connection dropped
                    Arrays.fill(cachedInner, null);
                    Arrays.fill(cachedConnection, null);
                    return true;
                }
                return false;
            }
        };
    }

    /*
     * The connections last found, by capture point and inner_traceid objects (direct-mapped by the trace id's hash):
     * each exchange is added twice and its connection's key is the same two objects every time (the analyzer's
     * shared capture point, the L4 tracker's trace id), so most lookups end here instead of hashing a key in the
     * map. Emptied whenever the map drops a connection.
     */
    private static final int CACHED = 1024;
    private final EvidenceRef.CapturePoint[] cachedPoint = new EvidenceRef.CapturePoint[CACHED];
    private final String[] cachedInner = new String[CACHED];
    private final Connection[] cachedConnection = new Connection[CACHED];

    /** The connection of {@code innerTraceId} on {@code point}, added when new (maybe dropping the oldest). */
    private Connection connection(EvidenceRef.CapturePoint point, String innerTraceId) {
        if (innerTraceId == null) {
            return connections.computeIfAbsent(key(point, innerTraceId), k -> new Connection());
        }
        int h = innerTraceId.hashCode();
        int slot = (h ^ (h >>> 16)) & (CACHED - 1);
        if (cachedPoint[slot] == point && cachedInner[slot] == innerTraceId) {
            return cachedConnection[slot];
        }
        Key k = key(point, innerTraceId);
        Connection c = connections.get(k);
        if (c == null) {
            c = new Connection();
            connections.put(k, c); // may drop the oldest: the cache is emptied then
        }
        cachedPoint[slot] = point;
        cachedInner[slot] = innerTraceId;
        cachedConnection[slot] = c;
        return c;
    }

    public void add(L4Fact fact) {
        Connection c = connection(fact.ref().capturePoint(), fact.ref().innerTraceId());
        if (c.chunks.size() < PER_CONNECTION) {
            c.chunks.add(fact);
        }
    }

    /** Adds an exchange, or gives a known one its path. */
    public void add(ExchangeNote note) {
        Connection c = connection(note.point(), note.innerTraceId());
        int i = c.find(note);
        if (i >= 0) {
            ExchangeNote old = c.exchanges.get(i);
            if (!old.hasPath() && note.hasPath()) {
                c.exchanges.set(i, note.kept(old, this::share)); // the record's values noted first are shared
            }
            return;
        }
        if (c.exchanges.size() < PER_CONNECTION) {
            c.append(note.kept(note, this::share));
        }
    }

    /**
     * A connection on a capture point: the same as {@link FindingFacts#connectionOnPoint}'s text (an
     * {@code inner_traceid} is hex: the text splits one way only), without building it per record.
     */
    private record Key(String pointId, String innerTraceId) {
    }

    private Key key(EvidenceRef.CapturePoint point, String innerTraceId) {
        String id = pointIds.get(point);
        if (id == null) {
            if (pointIds.size() >= 4096) {
                pointIds.clear();
            }
            id = point.id();
            pointIds.put(point, id);
        }
        return new Key(id, innerTraceId);
    }

    /** Equal path keys' rests ({@code http GET /x}) shared: at most 4096, cleared when full. */
    private String share(String s) {
        String known = shared.get(s);
        if (known != null) {
            return known;
        }
        if (shared.size() >= 4096) {
            shared.clear();
        }
        shared.put(s, s);
        return s;
    }

    /** The connection of {@code innerTraceId} on {@code point}, or an empty one. */
    public Connection get(EvidenceRef.CapturePoint point, String innerTraceId) {
        Connection c = connections.get(key(point, innerTraceId));
        return c != null ? c : new Connection();
    }

    public long evicted() {
        return evicted;
    }
}
