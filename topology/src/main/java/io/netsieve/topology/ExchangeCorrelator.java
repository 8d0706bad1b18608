package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.internal.ClosingHeap;
import io.netsieve.topology.internal.FindingFacts;
import io.netsieve.topology.internal.HeldL7Log;
import io.netsieve.topology.internal.HopOrder;
import io.netsieve.topology.internal.HopOrder.Observation;

import java.time.Duration;
import io.netsieve.topology.internal.JoinKeyIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

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

    /**
     * Open groups by each of their keys ({@link #keyA}, {@link #keyB}, {@link #keyS}): a {@link Group}, or a
     * {@code List<Group>} in the order they were added when several share the key (rare: one list per key was ~50 B
     * for each of up to 100 000 open groups).
     */
    private final JoinKeyIndex index = new JoinKeyIndex();
    /**
     * Open groups by closing time ({@code maxT + window}), ties by id: the order they are emitted in. A group is
     * added again when its closing time moves; an entry is stale (skipped) when it is not its group's
     * {@link Group#closeAt} any more or the group is done (merged into another).
     */
    private final ClosingHeap<Group> closing = new ClosingHeap<>();
    /** Shares the repeated strings of the records held ({@link HeldL7Log}). */
    private final HeldL7Log.Strings strings = new HeldL7Log.Strings();
    /** {@link #keys}' list, reused. */
    private final List<Object> scratchKeys = new ArrayList<>(3);
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

    /** A record of an open group: held compactly until the group is emitted. */
    private record Member(HeldL7Log log, Nic nic, List<Object> keys) {
    }

    /**
     * A join key {@code l7|<req_seq>_<resp_seq>|<fingerprint>} kept as its numbers and the (shared) fingerprint
     * instead of a ~90 B string. A key that is not of this form (another kind, or an {@code l7_traceid} that is not
     * two plain numbers) is its string; the same key always takes the same form, so keys are equal exactly when their
     * strings are. In the index and as a group's first key, a key is three values ({@link #keyA}, {@link #keyB},
     * {@link #keyS}: the seqs, never negative, and the fingerprint; or -1, -1 and the string), not an object.
     */
    private record SeqKey(long req, long resp, String fingerprint) {
        @Override
        public String toString() {
            return "l7|" + req + "_" + resp + "|" + fingerprint;
        }
    }

    private static long keyA(Object k) {
        return k instanceof SeqKey s ? s.req() : -1;
    }

    private static long keyB(Object k) {
        return k instanceof SeqKey s ? s.resp() : -1;
    }

    private static String keyS(Object k) {
        return k instanceof SeqKey s ? s.fingerprint() : (String) k;
    }

    /** The key of {@link #keyA}, {@link #keyB} and {@link #keyS}. */
    private static Object key(long a, long b, String s) {
        return a >= 0 ? new SeqKey(a, b, s) : s;
    }

    /**
     * An open exchange. Most have one record and one key (offline up to 100 000 are open at once): the first record
     * is held in fields (its keys are the group's first {@code firstKeys}: a group's keys start with them) and the
     * first key is a field, lists only for the others.
     */
    private static final class Group {
        final long id;
        HeldL7Log firstLog;
        Nic firstNic;
        int firstKeys;
        List<Member> more;
        /** The first key ({@link #keyS} null: none yet). */
        long keyA;
        long keyB;
        String keyS;
        List<Object> moreKeys;
        long minT = Long.MAX_VALUE;
        long maxT = Long.MIN_VALUE;
        /** The closing time of its entry in the heap (valid when {@link #queued}). */
        long closeAt;
        boolean queued;
        boolean done;

        Group(long id) {
            this.id = id;
        }

        int size() {
            return firstLog == null ? 0 : 1 + (more == null ? 0 : more.size());
        }

        void add(HeldL7Log log, Nic nic, List<Object> keys) {
            if (firstLog == null) {
                firstLog = log;
                firstNic = nic;
                firstKeys = keys.size(); // all new to this empty group: they become its first keys, in order
            } else {
                add(new Member(log, nic, List.copyOf(keys)));
            }
        }

        void add(Member m) {
            if (more == null) {
                more = new ArrayList<>(2);
            }
            more.add(m);
        }

        /** The members in the order they joined. */
        List<Member> members() {
            if (firstLog == null) {
                return List.of();
            }
            Member first = new Member(firstLog, firstNic, List.copyOf(keys().subList(0, firstKeys)));
            if (more == null) {
                return List.of(first);
            }
            List<Member> all = new ArrayList<>(1 + more.size());
            all.add(first);
            all.addAll(more);
            return all;
        }

        boolean hasKey(Object k) {
            return keyS != null && keyA == keyA(k) && keyB == keyB(k) && keyS.equals(keyS(k))
                    || moreKeys != null && moreKeys.contains(k);
        }

        void addKey(Object k) {
            if (keyS == null) {
                keyA = keyA(k);
                keyB = keyB(k);
                keyS = keyS(k);
            } else {
                if (moreKeys == null) {
                    moreKeys = new ArrayList<>(2);
                }
                moreKeys.add(k);
            }
        }

        /** The keys in the order they were added. */
        List<Object> keys() {
            if (moreKeys == null) {
                return keyS == null ? List.of() : List.of(key(keyA, keyB, keyS));
            }
            List<Object> all = new ArrayList<>(1 + moreKeys.size());
            all.add(key(keyA, keyB, keyS));
            all.addAll(moreKeys);
            return all;
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
        List<Object> keys = keys(log);
        // every open group that shares a key and is within the window: they are one exchange
        List<Group> matches = null;
        for (Object k : keys) {
            Object at = index.get(keyA(k), keyB(k), keyS(k));
            if (at == null) {
                continue;
            }
            if (at instanceof Group one) {
                matches = match(one, t, matches);
            } else {
                for (Group g : groups(at)) {
                    matches = match(g, t, matches);
                }
            }
        }
        Group g;
        if (matches == null) {
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
        // compact: held while the group is open
        g.add(HeldL7Log.of(log, strings), nic, keys);
        open++;
        g.minT = Math.min(g.minT, t);
        g.maxT = Math.max(g.maxT, t);
        for (Object k : keys) {
            if (!g.hasKey(k)) {
                g.addKey(k);
                indexAdd(k, g);
            }
        }
        schedule(g);
        if (t > maxSeen) {
            maxSeen = t;
            advance(maxSeen - latenessNanos);
        }
    }

    /** Adds {@code g} to {@code matches} (made when needed) when {@code t} is within its window, else counts it. */
    private List<Group> match(Group g, long t, List<Group> matches) {
        if (t >= g.minT - windowNanos && t <= g.maxT + windowNanos) {
            if (matches == null) {
                matches = new ArrayList<>(2);
            }
            if (!matches.contains(g)) {
                matches.add(g);
            }
        } else {
            collisions++;
        }
        return matches;
    }

    @SuppressWarnings("unchecked")
    private static List<Group> groups(Object at) {
        return (List<Group>) at;
    }

    /** Appends {@code g} to the groups of key {@code k}. */
    private void indexAdd(Object k, Group g) {
        indexAdd(keyA(k), keyB(k), keyS(k), g);
    }

    private void indexAdd(long a, long b, String s, Group g) {
        int slot = index.find(a, b, s);
        if (slot < 0) {
            index.put(a, b, s, g);
            return;
        }
        Object at = index.valueAt(slot);
        if (at instanceof Group one) {
            List<Group> two = new ArrayList<>(2);
            two.add(one);
            two.add(g);
            index.setValueAt(slot, two);
        } else {
            groups(at).add(g);
        }
    }

    /** Removes {@code g} from the groups of key {@code k}. */
    private void indexRemove(Object k, Group g) {
        indexRemove(keyA(k), keyB(k), keyS(k), g);
    }

    private void indexRemove(long a, long b, String s, Group g) {
        int slot = index.find(a, b, s);
        if (slot < 0) {
            return;
        }
        Object at = index.valueAt(slot);
        if (at == g) {
            index.removeAt(slot);
        } else if (at instanceof List<?>) {
            List<Group> list = groups(at);
            list.remove(g);
            if (list.size() == 1) {
                index.setValueAt(slot, list.get(0));
            } else if (list.isEmpty()) {
                index.removeAt(slot);
            }
        }
    }

    /** Moves the watermark to {@code eventTimeNanos} (never back) and emits the groups whose window closed. */
    public void advance(long eventTimeNanos) {
        if (eventTimeNanos <= watermark) {
            return;
        }
        watermark = eventTimeNanos;
        while (!closing.isEmpty() && closing.peekCloseAt() < watermark) {
            long at = closing.peekCloseAt();
            Group g = closing.poll();
            if (current(g, at)) {
                emit(g);
            }
        }
    }

    /** Emits every open group (end of input). */
    public void flush() {
        while (!closing.isEmpty()) {
            long at = closing.peekCloseAt();
            Group g = closing.poll();
            if (current(g, at)) {
                emit(g);
            }
        }
    }

    /** Whether a heap entry of {@code g} closing at {@code at} is its current one (else it is stale). */
    private static boolean current(Group g, long at) {
        return !g.done && g.queued && g.closeAt == at;
    }

    public CorrelatorStats stats() {
        return new CorrelatorStats(offered, joined, late, open, paths, evicted, collisions, listenerFailures);
    }

    private void schedule(Group g) {
        long at = g.maxT + windowNanos;
        if (!g.queued || g.closeAt != at) { // the same time: its entry stands
            g.queued = true;
            g.closeAt = at;
            closing.add(g, at, g.id);
        }
    }

    private void merge(Group into, Group from) {
        for (Member m : from.members()) {
            into.add(m); // into has its first record: these follow it
        }
        into.minT = Math.min(into.minT, from.minT);
        into.maxT = Math.max(into.maxT, from.maxT);
        for (Object k : from.keys()) {
            indexRemove(k, from);
            if (!into.hasKey(k)) {
                into.addKey(k);
                indexAdd(k, into);
            }
        }
        from.done = true;
        openGroups--;
    }

    private void evictOldest() {
        while (!closing.isEmpty()) {
            long at = closing.peekCloseAt();
            Group g = closing.poll();
            if (current(g, at)) {
                evicted++;
                emit(g);
                return;
            }
        }
    }

    private void emit(Group g) {
        g.done = true;
        openGroups--;
        if (g.keyS != null) {
            indexRemove(g.keyA, g.keyB, g.keyS, g);
        }
        if (g.moreKeys != null) {
            for (Object k : g.moreKeys) {
                indexRemove(k, g);
            }
        }
        int size = g.size();
        open -= size;
        joined += size;
        paths++;
        List<Observation> observations;
        if (g.more == null) {
            // one record (every exchange of a single capture): HopOrder does not look at the keys of a lone hop
            observations = List.of(new Observation(g.firstLog.toL7Log(), g.firstNic, List.of()));
        } else {
            observations = new ArrayList<>(size);
            for (Member m : g.members()) {
                List<String> keys = new ArrayList<>(m.keys().size());
                for (Object k : m.keys()) {
                    keys.add(k.toString());
                }
                observations.add(new Observation(m.log().toL7Log(), m.nic(), List.copyOf(keys)));
            }
        }
        ExchangePath path = HopOrder.path(keyValue(g), observations);
        try {
            listener.onPath(path);
        } catch (RuntimeException e) {
            listenerFailures++;
        }
    }

    private static String keyValue(Group g) {
        if (g.keyS == null) {
            return "";
        }
        if (g.keyA >= 0) {
            return g.keyA + "_" + g.keyB + "|" + g.keyS;
        }
        return g.keyS.substring(g.keyS.indexOf('|') + 1);
    }

    /**
     * The join keys of a record: its {@code l7_traceid} with the message's fingerprint (when the trace id is
     * end-to-end: TCP with a request seq, or a UDP protocol's own id), its {@code x-request-id}, its trace context.
     */
    private List<Object> keys(L7Log log) {
        List<Object> keys = scratchKeys; // offer's, one record at a time (members copy theirs)
        keys.clear();
        boolean tcp = "tcp".equals(log.l4Proto());
        String traceId = log.l7TraceId();
        if (traceId != null && !traceId.isEmpty() && ((tcp && log.reqSeq() >= 0) || (!tcp && log.reqSeq() < 0
                && !traceId.startsWith("0_")))) {
            String fingerprint = sharedFingerprint(log);
            int sep = FindingFacts.ExchangeNote.seqsSeparator(traceId);
            keys.add(sep < 0 ? "l7|" + traceId + "|" + fingerprint : new SeqKey(
                    FindingFacts.ExchangeNote.digits(traceId, 0, sep),
                    FindingFacts.ExchangeNote.digits(traceId, sep + 1, traceId.length()), fingerprint));
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

    /*
     * The fingerprints of HTTP records last made, by protocol, method and path (direct-mapped, by their hash): a bulk
     * capture repeats a few requests, so most are found here instead of being built and looked up in the string
     * cache.
     */
    private static final int FINGERPRINT_SLOTS = 128;
    private final String[] fpProto = new String[FINGERPRINT_SLOTS];
    private final String[] fpMethod = new String[FINGERPRINT_SLOTS];
    private final String[] fpPath = new String[FINGERPRINT_SLOTS];
    private final String[] fpText = new String[FINGERPRINT_SLOTS];

    /** {@link #fingerprint} of {@code log}, shared. */
    private String sharedFingerprint(L7Log log) {
        HttpInfo h = log.http();
        if (h == null) {
            return strings.share(fingerprint(log));
        }
        String proto = log.l7Proto();
        String method = h.method();
        String path = h.path();
        int hash = (Objects.hashCode(proto) * 31 + Objects.hashCode(method)) * 31 + Objects.hashCode(path);
        int slot = (hash ^ (hash >>> 16)) & (FINGERPRINT_SLOTS - 1);
        String text = fpText[slot];
        if (text != null && Objects.equals(fpPath[slot], path) && Objects.equals(fpMethod[slot], method)
                && Objects.equals(fpProto[slot], proto)) {
            return text;
        }
        text = strings.share(fingerprint(log));
        fpProto[slot] = proto;
        fpMethod[slot] = method;
        fpPath[slot] = path;
        fpText[slot] = text;
        return text;
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
