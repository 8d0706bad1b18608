package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.topology.internal.FindingFacts;
import io.netsieve.topology.internal.FindingFacts.L4Fact;
import io.netsieve.topology.internal.FindingHopHistory;
import io.netsieve.topology.internal.FindingIndex;
import io.netsieve.topology.internal.FindingWindow;

import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Automatic troubleshooting findings over the records of a run, each linked to the records that show it: connection
 * timeouts (SYN unanswered), refusals (RST to SYN), resets of open connections, retransmission and loss rates, zero
 * windows, slow servers ({@code cost_resp_wait}), slow hops (one hop's latency an outlier against the same edge's
 * history), HTTP 5xx and 4xx rates, DNS failures and timeouts, NAT in the path ({@link FindingKind}; rules and
 * defaults in {@link FindingThresholds}).
 *
 * <p>Feed it incrementally, on one thread: every L4 record with {@link #onL4}, every L7 record with {@link #onL7},
 * every path of an {@link ExchangeCorrelator} with {@link #onPath} (the L7 findings count exchanges, one per path,
 * as the server-most capture point saw them; the L4 findings count connections, one per {@code nic_traceid} across
 * capture points). Findings are aggregated per kind and subject (a server endpoint, an endpoint, an edge between
 * capture points) over tumbling event-time windows; a window closes when the watermark — the latest event time seen
 * minus the allowed lateness, or what {@link #advance} says — passes its end, and {@link #flush} closes all. Then its
 * findings go to the {@link FindingListener}, their evidence in the record model's troubleshooting order: symptom,
 * L4, L7, topology, correlation, related logs ({@link EvidenceLayer}). A problem that lasts several windows gives
 * one finding per window; consecutive windows' findings of the same kind and subject form a series that shares
 * {@link Finding#sinceNanos()} and counts {@link Finding#occurrence()} up, so a consumer can show one ongoing
 * problem instead of a repeat per window.
 *
 * <p>Bounded state: per window at most {@code maxSubjects} subjects per kind and {@code maxRefsPerStep} records per
 * subject and evidence step; {@code maxConnections} connections in the index that links a connection's L4 and L7
 * records; {@code maxEdges} slow-hop histories of {@code slowHopHistory} latencies. What the bounds cut is counted
 * ({@link #stats()}); records whose window already closed are counted as late. The analyzer keeps references and a
 * few numbers per record, never the records. Not thread-safe: one analyzer per pipeline, used by one thread at a
 * time.
 */
public final class FindingsAnalyzer {
    private final FindingThresholds thresholds;
    private final FindingListener listener;
    private final long windowNanos;
    private final long latenessNanos;
    private final FindingIndex index;
    private final FindingHopHistory hopHistory;
    private final TreeMap<Long, FindingWindow> windows = new TreeMap<>();
    /**
     * Shared values for what the index keeps per exchange (up to 256 per connection, an exchange twice: its record
     * and its path): the capture point of each NIC and the exchange labels ({@code GET /x 200}), so the index holds
     * one of each instead of one per reference (on a 3 M-packet bulk capture 3.2 M equal {@code CapturePoint}s and
     * 1.1 M equal labels, ~200 MB). Caches: at most {@value #SHARED} entries each, cleared when full (nothing is
     * lost, later values are just not shared with earlier ones).
     */
    private final Map<Nic, EvidenceRef.CapturePoint> points = new IdentityHashMap<>();
    private final Map<String, String> labels = new HashMap<>();
    private static final int SHARED = 4096;
    /**
     * The findings of the last closed window by problem ({@link Finding#problemKey()}): a finding of the next
     * window on the same problem continues its series. Holds one window's findings at most.
     */
    private Map<String, Finding> previous = new HashMap<>();
    private long previousEnd = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private long maxSeen = Long.MIN_VALUE;

    private long l4Records;
    private long l7Records;
    private long paths;
    private long late;
    private long windowsClosed;
    private long findings;
    private long droppedSubjects;
    private long omittedRefs;
    private long listenerFailures;

    private FindingsAnalyzer(Builder b) {
        FindingThresholds d = FindingThresholds.defaults();
        this.thresholds = new FindingThresholds(
                b.window != null ? b.window : d.window(),
                b.lateness != null ? b.lateness : d.allowedLateness(),
                b.retransmissionRate != null ? b.retransmissionRate : d.retransmissionRate(),
                b.lossRate != null ? b.lossRate : d.lossRate(),
                b.minPackets != null ? b.minPackets : d.minPackets(),
                b.zeroWindowPackets != null ? b.zeroWindowPackets : d.zeroWindowPackets(),
                b.slowServer != null ? b.slowServer : d.slowServer(),
                b.slowHopMinSamples != null ? b.slowHopMinSamples : d.slowHopMinSamples(),
                b.slowHopFactor != null ? b.slowHopFactor : d.slowHopFactor(),
                b.slowHopMinExcess != null ? b.slowHopMinExcess : d.slowHopMinExcess(),
                b.slowHopHistory != null ? b.slowHopHistory : d.slowHopHistory(),
                b.http5xxRate != null ? b.http5xxRate : d.http5xxRate(),
                b.http4xxRate != null ? b.http4xxRate : d.http4xxRate(),
                b.dnsFailureRate != null ? b.dnsFailureRate : d.dnsFailureRate(),
                b.dnsNxdomainIsFailure != null ? b.dnsNxdomainIsFailure : d.dnsNxdomainIsFailure(),
                b.maxSubjects != null ? b.maxSubjects : d.maxSubjects(),
                b.maxRefsPerStep != null ? b.maxRefsPerStep : d.maxRefsPerStep(),
                b.maxConnections != null ? b.maxConnections : d.maxConnections(),
                b.maxEdges != null ? b.maxEdges : d.maxEdges());
        this.listener = b.listener;
        this.windowNanos = thresholds.window().toNanos();
        this.latenessNanos = thresholds.allowedLateness().toNanos();
        this.index = new FindingIndex(thresholds.maxConnections());
        this.hopHistory = new FindingHopHistory(thresholds.slowHopHistory(), thresholds.slowHopMinSamples(),
                thresholds.slowHopFactor(), thresholds.slowHopMinExcess().toNanos(), thresholds.maxEdges());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The rules and bounds in force (the builder's values, defaults for the rest). */
    public FindingThresholds thresholds() {
        return thresholds;
    }

    /**
     * Offers an L4 record written on capture point {@code nic}. Its packet series is read during this call only (a
     * lent series may be given).
     */
    public void onL4(L4Log log, Nic nic) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(nic, "nic");
        l4Records++;
        L4Fact fact = FindingFacts.l4(log, nic);
        index.add(fact);
        FindingWindow w = window(log.timeNanos());
        if (w != null) {
            w.add(fact);
        }
        seen(log.timeNanos());
    }

    /**
     * Offers an L7 record written on capture point {@code nic}: it links the exchange to its connection's L4
     * records (the L7 findings themselves come from the paths).
     */
    public void onL7(L7Log log, Nic nic) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(nic, "nic");
        l7Records++;
        index.add(FindingFacts.note(log, point(nic), null, label(log)));
        seen(log.timestampNanos());
    }

    private EvidenceRef.CapturePoint point(Nic nic) {
        EvidenceRef.CapturePoint p = points.get(nic);
        if (p == null) {
            if (points.size() >= SHARED) {
                points.clear();
            }
            p = EvidenceRef.CapturePoint.of(nic);
            points.put(nic, p);
        }
        return p;
    }

    /**
     * The labels of HTTP exchanges last made, by method, path, status and code ({@value #LABEL_SLOTS} slots, by
     * their hash): an exchange is labelled twice (its record, its path) and a bulk capture repeats a few requests, so
     * most labels are found here instead of being built and looked up again.
     */
    private static final int LABEL_SLOTS = 256;
    private final String[] labelMethod = new String[LABEL_SLOTS];
    private final String[] labelPath = new String[LABEL_SLOTS];
    private final int[] labelCode = new int[LABEL_SLOTS];
    private final L7Status[] labelStatus = new L7Status[LABEL_SLOTS];
    private final String[] labelText = new String[LABEL_SLOTS];

    private String label(L7Log log) {
        HttpInfo h = log.http();
        if (h == null) {
            return sharedLabel(FindingFacts.label(log));
        }
        String method = h.method();
        String path = h.path();
        L7Status status = log.status();
        int code = h.statusCode();
        int hash = ((Objects.hashCode(method) * 31 + Objects.hashCode(path)) * 31 + code) * 31 + status.ordinal();
        int slot = (hash ^ (hash >>> 16)) & (LABEL_SLOTS - 1);
        String text = labelText[slot];
        if (text != null && labelCode[slot] == code && labelStatus[slot] == status
                && Objects.equals(labelMethod[slot], method) && Objects.equals(labelPath[slot], path)) {
            return text;
        }
        text = sharedLabel(FindingFacts.label(log));
        labelMethod[slot] = method;
        labelPath[slot] = path;
        labelCode[slot] = code;
        labelStatus[slot] = status;
        labelText[slot] = text;
        return text;
    }

    private String sharedLabel(String label) {
        String shared = labels.get(label);
        if (shared == null) {
            if (labels.size() >= SHARED) {
                labels.clear();
            }
            labels.put(label, label);
            shared = label;
        }
        return shared;
    }

    /** Offers a correlated exchange (its time is its first hop's record time). */
    public void onPath(ExchangePath path) {
        Objects.requireNonNull(path, "path");
        paths++;
        Hop first = path.hops().get(0);
        EvidenceRef.Path ref = new EvidenceRef.Path(path.key(), first.log().l7TraceId(),
                first.log().timestampNanos(), point(first.nic())); // EvidenceRef.Path.of, sharing the point
        for (Hop h : path.hops()) {
            index.add(FindingFacts.note(h.log(), point(h.nic()), ref, label(h.log())));
        }
        long t = path.hops().get(0).log().timestampNanos();
        FindingWindow w = window(t);
        if (w != null) {
            w.add(path, hopHistory);
        }
        seen(t);
    }

    /** Moves the watermark to {@code eventTimeNanos} (never back) and closes the windows that end before it. */
    public void advance(long eventTimeNanos) {
        if (eventTimeNanos <= watermark) {
            return;
        }
        watermark = eventTimeNanos;
        while (!windows.isEmpty() && windows.firstEntry().getValue().end() <= watermark) {
            close(windows.pollFirstEntry().getValue());
        }
    }

    /** Closes every open window (end of input): their findings go to the listener. */
    public void flush() {
        while (!windows.isEmpty()) {
            close(windows.pollFirstEntry().getValue());
        }
    }

    public FindingStats stats() {
        long open = 0;
        long omitted = omittedRefs;
        for (Map.Entry<Long, FindingWindow> e : windows.entrySet()) {
            open += e.getValue().droppedSubjects();
            omitted += e.getValue().omittedRefs();
        }
        return new FindingStats(l4Records, l7Records, paths, late, windowsClosed, findings, droppedSubjects + open,
                omitted, index.evicted(), hopHistory.dropped(), listenerFailures);
    }

    private void seen(long t) {
        if (t > maxSeen) {
            maxSeen = t;
            long mark = maxSeen - latenessNanos;
            if (mark <= maxSeen) { // no overflow
                advance(mark);
            }
        }
    }

    /** The window last given by {@link #window} (open: forgotten when any window closes), and its start. */
    private FindingWindow lastWindow;
    private long lastWindowStart;

    /** The window of event time {@code t}, or null (counted late) when it already closed. */
    private FindingWindow window(long t) {
        long start = Math.floorDiv(t, windowNanos) * windowNanos;
        if (watermark != Long.MIN_VALUE && start + windowNanos <= watermark) {
            late++;
            return null;
        }
        if (lastWindow != null && lastWindowStart == start) {
            return lastWindow; // no boxed key and tree lookup per exchange
        }
        FindingWindow w = windows.computeIfAbsent(start, s -> new FindingWindow(thresholds, s, s + windowNanos));
        lastWindow = w;
        lastWindowStart = start;
        return w;
    }

    private void close(FindingWindow w) {
        windowsClosed++;
        lastWindow = null;
        Map<String, Finding> current = new HashMap<>();
        boolean adjacent = previousEnd == w.start();
        for (Finding found : w.close(index)) {
            Finding before = adjacent ? previous.get(found.problemKey()) : null;
            Finding f = before == null ? found : found.continuing(before.sinceNanos(), before.occurrence() + 1);
            current.put(f.problemKey(), f);
            findings++;
            try {
                listener.onFinding(f);
            } catch (RuntimeException e) {
                listenerFailures++;
            }
        }
        droppedSubjects += w.droppedSubjects();
        omittedRefs += w.omittedRefs();
        previous = current;
        previousEnd = w.end();
    }

    /** Builder; every setter validates its argument and may be called at most once. */
    public static final class Builder {
        private Duration window;
        private Duration lateness;
        private Double retransmissionRate;
        private Double lossRate;
        private Integer minPackets;
        private Integer zeroWindowPackets;
        private Duration slowServer;
        private Integer slowHopMinSamples;
        private Double slowHopFactor;
        private Duration slowHopMinExcess;
        private Integer slowHopHistory;
        private Double http5xxRate;
        private Double http4xxRate;
        private Double dnsFailureRate;
        private Boolean dnsNxdomainIsFailure;
        private Integer maxSubjects;
        private Integer maxRefsPerStep;
        private Integer maxConnections;
        private Integer maxEdges;
        private FindingListener listener;

        private Builder() {
        }

        /** Length of the tumbling event-time windows findings are aggregated over (default 60 s). */
        public Builder window(Duration window) {
            once(this.window, "window");
            this.window = positive(window, "window");
            return this;
        }

        /** How far the watermark stays behind the latest event time (default 2 min; may be zero). */
        public Builder allowedLateness(Duration lateness) {
            once(this.lateness, "allowedLateness");
            Objects.requireNonNull(lateness, "lateness");
            if (lateness.isNegative()) {
                throw new IllegalArgumentException("allowedLateness must not be negative: " + lateness);
            }
            this.lateness = lateness;
            return this;
        }

        /** Share of retransmitted packets, in [0, 1], that makes a finding (default 0.05). */
        public Builder retransmissionRate(double rate) {
            once(retransmissionRate, "retransmissionRate");
            retransmissionRate = rate(rate, "retransmissionRate");
            return this;
        }

        /** Share of packets after a lost segment, in [0, 1], that makes a finding (default 0.02). */
        public Builder lossRate(double rate) {
            once(lossRate, "lossRate");
            lossRate = rate(rate, "lossRate");
            return this;
        }

        /** Packets of a server at a capture point in a window before its rates are judged, >= 1 (default 20). */
        public Builder minPackets(int packets) {
            once(minPackets, "minPackets");
            minPackets = atLeast(packets, 1, "minPackets");
            return this;
        }

        /** Zero-window packets of one endpoint in a window that make a finding, >= 1 (default 1). */
        public Builder zeroWindowPackets(int packets) {
            once(zeroWindowPackets, "zeroWindowPackets");
            zeroWindowPackets = atLeast(packets, 1, "zeroWindowPackets");
            return this;
        }

        /** {@code cost_resp_wait} from which an exchange is slow (default 500 ms). */
        public Builder slowServer(Duration wait) {
            once(slowServer, "slowServer");
            slowServer = positive(wait, "slowServer");
            return this;
        }

        /** Earlier latencies of an edge before its latencies are judged, >= 3 (default 20). */
        public Builder slowHopMinSamples(int samples) {
            once(slowHopMinSamples, "slowHopMinSamples");
            slowHopMinSamples = atLeast(samples, 3, "slowHopMinSamples");
            return this;
        }

        /** Median absolute deviations above the median an outlier must exceed, > 0 (default 10). */
        public Builder slowHopFactor(double factor) {
            once(slowHopFactor, "slowHopFactor");
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("slowHopFactor must be positive and finite: " + factor);
            }
            slowHopFactor = factor;
            return this;
        }

        /** The least an outlier must exceed the median by (default 1 ms; may be zero). */
        public Builder slowHopMinExcess(Duration excess) {
            once(slowHopMinExcess, "slowHopMinExcess");
            Objects.requireNonNull(excess, "excess");
            if (excess.isNegative()) {
                throw new IllegalArgumentException("slowHopMinExcess must not be negative: " + excess);
            }
            slowHopMinExcess = excess;
            return this;
        }

        /** Latencies kept per edge and direction, 3..65 536 (default 256). */
        public Builder slowHopHistory(int latencies) {
            once(slowHopHistory, "slowHopHistory");
            if (latencies < 3 || latencies > 1 << 16) {
                throw new IllegalArgumentException("slowHopHistory must be in [3, 65536]: " + latencies);
            }
            slowHopHistory = latencies;
            return this;
        }

        /** Share of a server's HTTP exchanges answered 5xx, in [0, 1], that makes a finding (default 0: any). */
        public Builder http5xxRate(double rate) {
            once(http5xxRate, "http5xxRate");
            http5xxRate = rate(rate, "http5xxRate");
            return this;
        }

        /** Share of a server's HTTP exchanges answered 4xx, in [0, 1], that makes a finding (default 0.10). */
        public Builder http4xxRate(double rate) {
            once(http4xxRate, "http4xxRate");
            http4xxRate = rate(rate, "http4xxRate");
            return this;
        }

        /** Share of a DNS server's exchanges failed or unanswered, in [0, 1], that makes a finding (default 0). */
        public Builder dnsFailureRate(double rate) {
            once(dnsFailureRate, "dnsFailureRate");
            dnsFailureRate = rate(rate, "dnsFailureRate");
            return this;
        }

        /** Count NXDOMAIN answers as DNS failures (default false). */
        public Builder dnsNxdomainIsFailure(boolean failure) {
            once(dnsNxdomainIsFailure, "dnsNxdomainIsFailure");
            dnsNxdomainIsFailure = failure;
            return this;
        }

        /** Subjects per kind per window, 1..2^24 (default 10 000). */
        public Builder maxSubjects(int subjects) {
            once(maxSubjects, "maxSubjects");
            maxSubjects = bound(subjects, "maxSubjects");
            return this;
        }

        /** Record references per evidence step, 1..2^24 (default 50). */
        public Builder maxRefsPerStep(int refs) {
            once(maxRefsPerStep, "maxRefsPerStep");
            maxRefsPerStep = bound(refs, "maxRefsPerStep");
            return this;
        }

        /** Connections per capture point in the L4/L7 index, 1..2^24 (default 100 000). */
        public Builder maxConnections(int connections) {
            once(maxConnections, "maxConnections");
            maxConnections = bound(connections, "maxConnections");
            return this;
        }

        /** Edges with a slow-hop history, 1..2^24 (default 10 000). */
        public Builder maxEdges(int edges) {
            once(maxEdges, "maxEdges");
            maxEdges = bound(edges, "maxEdges");
            return this;
        }

        public Builder listener(FindingListener listener) {
            once(this.listener, "listener");
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public FindingsAnalyzer build() {
            if (listener == null) {
                throw new IllegalStateException("listener is required");
            }
            return new FindingsAnalyzer(this);
        }

        private static double rate(double rate, String name) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1]: " + rate);
            }
            return rate;
        }

        private static int atLeast(int value, int min, String name) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ": " + value);
            }
            return value;
        }

        private static int bound(int value, String name) {
            if (value < 1 || value > 1 << 24) {
                throw new IllegalArgumentException(name + " must be in [1, 2^24]: " + value);
            }
            return value;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
