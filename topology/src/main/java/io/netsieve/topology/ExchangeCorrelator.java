package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.internal.HopOrder;
import io.netsieve.topology.internal.HopOrder.Observation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Follows each L7 exchange across capture points: an incremental, keyed, event-time windowed join over
 * {@code bpf_net_l7_log} records. Records of one exchange share its {@code l7_traceid} (TCP seqs survive veth,
 * bridges, VXLAN and NAT; DNS has its id and name) and a fingerprint (protocol, method and path, Redis command);
 * across a proxy that terminates TCP they share {@code x-request-id} or the trace context (trace id and parent id)
 * instead. Records join when they share one of those keys and lie within {@link Builder#window} of each other
 * (event time: the records' own timestamps); the groups so formed are the exchanges. A group is emitted as an
 * {@link ExchangePath} once the watermark — the latest record time seen minus the allowed lateness, or what
 * {@link #advance} says — has passed its last record by the window; {@link #flush} emits the rest.
 *
 * <p>State is bounded: at most {@link Builder#maxOpenExchanges} groups are open; beyond that the oldest is emitted
 * early and counted ({@link CorrelatorStats#evicted()}). A record older than the watermark by more than the window
 * arrives after its group may have been emitted: it is counted as late and given to
 * {@link ExchangePathListener#onLate}. Records of several hosts may come in any order: as long as they arrive
 * before the watermark passes them, the paths are the same. No global state: one correlator per pipeline, used by
 * one thread at a time (not thread-safe).
 */
public final class ExchangeCorrelator {
    private final long windowNanos;
    private final long latenessNanos;
    private final int maxOpen;
    private final ExchangePathListener listener;

    /** Open groups by each of their keys. */
    private final Map<String, List<Group>> index = new HashMap<>();
    /** Open groups by closing time (lazy: stale entries are skipped). */
    private final PriorityQueue<Entry> closing = new PriorityQueue<>();
    private int openGroups;
    private long watermark = Long.MIN_VALUE;
    private long maxSeen = Long.MIN_VALUE;
    private long nextId;

    private long offered;
    private long joined;
    private long late;
    private long open;
    private long paths;
    private long evicted;
    private long collisions;
    private long listenerFailures;

    private static final class Group {
        final long id;
        // sized for the common exchange seen on one or two capture points with one key (a default ArrayList
        // would allocate room for ten at the first add: ~100 B per open group, 100 000 of them when the input is
        // read before the watermark moves, as offline)
        final List<Observation> members = new ArrayList<>(2);
        final List<String> keys = new ArrayList<>(2);
        long minT = Long.MAX_VALUE;
        long maxT = Long.MIN_VALUE;
        int version;
        boolean done;

        Group(long id) {
            this.id = id;
        }
    }

    private record Entry(long closeAt, long id, int version, Group group) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(closeAt, o.closeAt);
            return c != 0 ? c : Long.compare(id, o.id);
        }
    }

    private ExchangeCorrelator(Builder b) {
        this.windowNanos = b.window != null ? b.window.toNanos() : 5_000_000_000L;
        this.latenessNanos = b.lateness != null ? b.lateness.toNanos() : 30_000_000_000L;
        this.maxOpen = b.maxOpen > 0 ? b.maxOpen : 100_000;
        this.listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Offers the record {@code log} written on capture point {@code nic}. */
    public void offer(L7Log log, Nic nic) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(nic, "nic");
        offered++;
        long t = log.timestampNanos();
        if (watermark != Long.MIN_VALUE && t + windowNanos < watermark) {
            late++;
            try {
                listener.onLate(log);
            } catch (RuntimeException e) {
                listenerFailures++;
            }
            return;
        }
        List<String> keys = keys(log);
        // every open group that shares a key and is within the window: they are one exchange
        List<Group> matches = new ArrayList<>(2);
        for (String k : keys) {
            List<Group> groups = index.get(k);
            if (groups == null) {
                continue;
            }
            for (Group g : groups) {
                if (t >= g.minT - windowNanos && t <= g.maxT + windowNanos) {
                    if (!matches.contains(g)) {
                        matches.add(g);
                    }
                } else {
                    collisions++;
                }
            }
        }
        Group g;
        if (matches.isEmpty()) {
            if (openGroups >= maxOpen) {
                evictOldest();
            }
            g = new Group(nextId++);
            openGroups++;
        } else {
            g = matches.get(0);
            for (int i = 1; i < matches.size(); i++) {
                merge(g, matches.get(i));
            }
        }
        g.members.add(new Observation(log, nic, List.copyOf(keys))); // compact: kept while the group is open
        open++;
        g.minT = Math.min(g.minT, t);
        g.maxT = Math.max(g.maxT, t);
        for (String k : keys) {
            if (!g.keys.contains(k)) {
                g.keys.add(k);
                index.computeIfAbsent(k, x -> new ArrayList<>(1)).add(g);
            }
        }
        schedule(g);
        if (t > maxSeen) {
            maxSeen = t;
            advance(maxSeen - latenessNanos);
        }
    }

    /** Moves the watermark to {@code eventTimeNanos} (never back) and emits the groups whose window closed. */
    public void advance(long eventTimeNanos) {
        if (eventTimeNanos <= watermark) {
            return;
        }
        watermark = eventTimeNanos;
        while (!closing.isEmpty() && closing.peek().closeAt() < watermark) {
            Entry e = closing.poll();
            if (!e.group().done && e.version() == e.group().version) {
                emit(e.group());
            }
        }
    }

    /** Emits every open group (end of input). */
    public void flush() {
        while (!closing.isEmpty()) {
            Entry e = closing.poll();
            if (!e.group().done && e.version() == e.group().version) {
                emit(e.group());
            }
        }
    }

    public CorrelatorStats stats() {
        return new CorrelatorStats(offered, joined, late, open, paths, evicted, collisions, listenerFailures);
    }

    private void schedule(Group g) {
        g.version++;
        closing.add(new Entry(g.maxT + windowNanos, g.id, g.version, g));
    }

    private void merge(Group into, Group from) {
        into.members.addAll(from.members);
        into.minT = Math.min(into.minT, from.minT);
        into.maxT = Math.max(into.maxT, from.maxT);
        for (String k : from.keys) {
            List<Group> groups = index.get(k);
            groups.remove(from);
            if (!into.keys.contains(k)) {
                into.keys.add(k);
                groups.add(into);
            }
        }
        from.done = true;
        openGroups--;
    }

    private void evictOldest() {
        while (!closing.isEmpty()) {
            Entry e = closing.poll();
            if (!e.group().done && e.version() == e.group().version) {
                evicted++;
                emit(e.group());
                return;
            }
        }
    }

    private void emit(Group g) {
        g.done = true;
        openGroups--;
        for (String k : g.keys) {
            // one look-up per key (get then remove was two, on a map of every open group's keys: cache misses)
            index.computeIfPresent(k, (key, groups) -> {
                groups.remove(g);
                return groups.isEmpty() ? null : groups;
            });
        }
        open -= g.members.size();
        joined += g.members.size();
        paths++;
        ExchangePath path = HopOrder.path(keyValue(g), g.members);
        try {
            listener.onPath(path);
        } catch (RuntimeException e) {
            listenerFailures++;
        }
    }

    private static String keyValue(Group g) {
        return g.keys.isEmpty() ? "" : g.keys.get(0).substring(g.keys.get(0).indexOf('|') + 1);
    }

    /**
     * The join keys of a record: its {@code l7_traceid} with the message's fingerprint (when the trace id is
     * end-to-end: TCP with a request seq, or a UDP protocol's own id), its {@code x-request-id}, its trace context.
     */
    private List<String> keys(L7Log log) {
        List<String> keys = new ArrayList<>(3);
        boolean tcp = "tcp".equals(log.l4Proto());
        String traceId = log.l7TraceId();
        if (traceId != null && !traceId.isEmpty() && ((tcp && log.reqSeq() >= 0) || (!tcp && log.reqSeq() < 0
                && !traceId.startsWith("0_")))) {
            keys.add("l7|" + traceId + "|" + fingerprint(log));
        }
        HttpInfo h = log.http();
        if (h != null) {
            if (h.requestId() != null && !h.requestId().isEmpty()) {
                keys.add("xrid|" + h.requestId());
            }
            if (h.traceId() != null && !h.traceId().isEmpty()) {
                keys.add("trace|" + h.traceId() + "|" + (h.parentId() == null ? "" : h.parentId()) + "|"
                        + h.method() + " " + h.path());
            }
        }
        if (keys.isEmpty()) {
            // nothing end to end: the record is an exchange of its own (a single-hop path)
            keys.add("solo|" + log.capturePointId() + "|" + log.innerTraceId() + "|" + log.timestampNanos() + "|"
                    + offeredSoFar());
        }
        return keys;
    }

    private long offeredSoFar() {
        return offered;
    }

    private static String fingerprint(L7Log log) {
        String proto = log.l7Proto().toLowerCase(Locale.ROOT);
        HttpInfo h = log.http();
        if (h != null) {
            return (proto.equals("http") ? "http" : "h2") + " " + h.method() + " " + h.path();
        }
        String command = log.attributes().get("redis_command");
        return command != null ? proto + " " + command.toLowerCase(Locale.ROOT) : proto;
    }

    /** Builder; every setter may be called at most once. */
    public static final class Builder {
        private Duration window;
        private Duration lateness;
        private int maxOpen;
        private ExchangePathListener listener;

        private Builder() {
        }

        /**
         * How far apart in time two records of one exchange may be (default 5 s): clocks of different hosts and
         * the exchange's own duration must fit; a larger window risks joining unrelated exchanges that reuse seqs.
         */
        public Builder window(Duration window) {
            once(this.window != null, "window");
            this.window = positive(window, "window");
            return this;
        }

        /**
         * How far behind the latest record time the watermark stays (default 30 s): how late a record of another
         * capture point may arrive and still be joined.
         */
        public Builder allowedLateness(Duration lateness) {
            once(this.lateness != null, "allowedLateness");
            Objects.requireNonNull(lateness, "lateness");
            if (lateness.isNegative()) {
                throw new IllegalArgumentException("allowedLateness must not be negative: " + lateness);
            }
            this.lateness = lateness;
            return this;
        }

        /** Exchanges waiting for their window at once, 1..2^24 (default 100 000); beyond, the oldest is emitted. */
        public Builder maxOpenExchanges(int exchanges) {
            once(maxOpen != 0, "maxOpenExchanges");
            if (exchanges < 1 || exchanges > 1 << 24) {
                throw new IllegalArgumentException("maxOpenExchanges must be in [1, 2^24]: " + exchanges);
            }
            maxOpen = exchanges;
            return this;
        }

        public Builder listener(ExchangePathListener listener) {
            once(this.listener != null, "listener");
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public ExchangeCorrelator build() {
            if (listener == null) {
                throw new IllegalStateException("listener is required");
            }
            return new ExchangeCorrelator(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }

        private static void once(boolean set, String name) {
            if (set) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
