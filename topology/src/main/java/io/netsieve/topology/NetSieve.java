package io.netsieve.topology;

import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.capture.LiveCaptureConfig;
import io.netsieve.core.capture.LiveCaptureException;
import io.netsieve.core.capture.MultiLiveCapture;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7Registry;
import io.netsieve.l7.L7Tracker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole pipeline in one object: capture points → filter (compiled to classic BPF, run by the JIT) → decode →
 * L4 flows → L7 exchanges → correlation across capture points → your callbacks. Build it once with
 * {@link #builder()} (each setter validates and may be called once); the result is immutable and thread-safe, and
 * {@link #run()} may be called any number of times, each run with fresh state.
 *
 * <pre>{@code
 * RunSummary summary = NetSieve.builder()
 *         .captureSet(CaptureManifest.read(Path.of("captures.tsv")))
 *         .filter("tcp or udp port 53")
 *         .onL7Log((log, nic) -> System.out.println(nic.label() + " " + log.l7Proto()))
 *         .onExchangePath(path -> System.out.println(path.hops().size() + " hops"))
 *         .build()
 *         .run();
 * }</pre>
 *
 * <p>Offline runs ({@link #run()}) read the capture points one after another on the calling thread; the correlator
 * waits for the end of input (unbounded lateness) and is flushed when the last capture point is done. Live runs
 * ({@link #start()}) capture on several interfaces at once (each possibly in its own network namespace; one capture
 * thread and one bounded ring per interface, new frames dropped and counted when a ring is full — see
 * {@code MultiLiveCapture}) into one pipeline thread; the correlator then allows 30 s of lateness.
 */
public final class NetSieve {
    private final CaptureSet captureSet;
    private final List<LiveInterface> live;
    private final String filter;
    private final L4Config l4Config;
    private final L7Registry l7Registry;
    private final L7Config l7Config;
    private final Duration correlationWindow;
    private final L4LogCallback onL4Log;
    private final L7LogCallback onL7Log;
    private final ExchangePathListener onPath;
    private final FindingListener onFinding;
    private final NetSieveListener listener;

    private NetSieve(Builder b) {
        this.captureSet = b.captureSet;
        this.live = b.live;
        this.filter = b.filter;
        this.l4Config = b.l4Config != null ? b.l4Config : L4Config.defaults();
        this.l7Registry = b.l7Registry != null ? b.l7Registry : L7Registry.defaults();
        this.l7Config = b.l7Config != null ? b.l7Config : L7Config.defaults();
        this.correlationWindow = b.correlationWindow;
        this.onL4Log = b.onL4Log;
        this.onL7Log = b.onL7Log;
        this.onPath = b.onPath;
        this.onFinding = b.onFinding;
        this.listener = b.listener != null ? b.listener : new NetSieveListener() { };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads every capture point to its end and returns what happened; records went to the callbacks. */
    public RunSummary run() {
        if (captureSet == null) {
            throw new IllegalStateException("a live NetSieve runs with start()");
        }
        Run run = new Run(Duration.ofDays(36_500));
        ExchangeCorrelator correlator = correlator(run, Duration.ofDays(36_500));
        Map<CapturePoint, CapturePointStats> stats = new LinkedHashMap<>();
        Map<CapturePoint, String> errors = new LinkedHashMap<>();
        Map<Integer, BpfFilter> filters = new HashMap<>();
        for (CapturePoint point : captureSet.points()) {
            event(run, "capturePointStart", () -> listener.capturePointStart(point));
            Pipeline pipeline = new Pipeline(run, correlator, filters, id -> point.nic(), true);
            Exception failure = null;
            try (CaptureFileReader reader = CaptureFiles.open(point.file(), point.id())) {
                PacketView view = new PacketView();
                while (reader.next(view)) {
                    pipeline.onPacket(view);
                }
            } catch (Exception e) {
                failure = e;
            } finally {
                pipeline.flush();
            }
            CapturePointStats s = pipeline.counts(point.id()).stats();
            stats.put(point, s);
            if (failure == null) {
                event(run, "capturePointEnd", () -> listener.capturePointEnd(point, s));
            } else {
                errors.put(point, String.valueOf(failure.getMessage()));
                Exception cause = failure;
                event(run, "capturePointFailed", () -> listener.capturePointFailed(point, s, cause));
            }
        }
        correlator.flush();
        run.flushFindings();
        return new RunSummary(stats, errors, correlator.stats(), run.callbackFailures);
    }

    /**
     * Starts live capture on the configured interfaces (all or none: an interface that cannot be opened fails the
     * start with the interface and the cause) and processes their packets on a pipeline thread until
     * {@link LiveRun#stop()}, which flushes open flows and pending exchanges. The filter is installed in the kernel
     * (compiled by netsieve's compiler for each interface's link type).
     */
    public LiveRun start() throws LiveCaptureException {
        if (live == null) {
            throw new IllegalStateException("an offline NetSieve runs with run()");
        }
        List<LiveCaptureConfig> configs = new ArrayList<>();
        Map<Integer, Nic> nics = new HashMap<>();
        List<CapturePoint> points = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            LiveInterface li = live.get(i);
            LiveCaptureConfig.Builder cb = LiveCaptureConfig.builder(li.name()).capturePointId(i).immediateMode(true);
            if (li.netns() != null) {
                cb.netns(li.netns());
            }
            if (filter != null) {
                cb.filter(filter);
            }
            configs.add(cb.build());
            nics.put(i, li.nic());
            points.add(new CapturePoint(i, null, li.nic()));
        }
        MultiLiveCapture capture = MultiLiveCapture.open(configs);
        Run run = new Run(Duration.ofSeconds(30));
        ExchangeCorrelator correlator = correlator(run, Duration.ofSeconds(30));
        // the kernel filtered already: no filter in the pipeline
        Pipeline pipeline = new Pipeline(run, correlator, null, nics::get, false);
        return new LiveRun(capture, pipeline, correlator, points, run);
    }

    private ExchangeCorrelator correlator(Run run, Duration lateness) {
        ExchangeCorrelator.Builder cb = ExchangeCorrelator.builder().allowedLateness(lateness)
                .listener(path -> {
                    if (run.findings != null) {
                        run.findings.onPath(path);
                    }
                    if (onPath != null) {
                        try {
                            onPath.onPath(path);
                        } catch (RuntimeException e) {
                            run.failed("onExchangePath", e);
                        }
                    }
                });
        if (correlationWindow != null) {
            cb.window(correlationWindow);
        }
        return cb.build();
    }

    private void event(Run run, String name, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            run.failed(name, e);
        }
    }

    /**
     * A live run: packets of every interface are processed on its pipeline thread until {@link #stop()}.
     * {@link #stop()} and {@link #captureStats()} may be called from any thread; record callbacks run on the
     * pipeline thread until {@code stop()}, and on the thread calling {@code stop()} for the final flush.
     */
    public final class LiveRun implements AutoCloseable {
        private final MultiLiveCapture capture;
        private final Pipeline pipeline;
        private final ExchangeCorrelator correlator;
        private final List<CapturePoint> points;
        private final Run run;
        private final Thread thread;
        private volatile Exception failure;
        private RunSummary summary;

        private LiveRun(MultiLiveCapture capture, Pipeline pipeline, ExchangeCorrelator correlator,
                        List<CapturePoint> points, Run run) {
            this.capture = capture;
            this.pipeline = pipeline;
            this.correlator = correlator;
            this.points = points;
            this.run = run;
            for (CapturePoint p : points) {
                event(run, "capturePointStart", () -> listener.capturePointStart(p));
            }
            this.thread = new Thread(this::loop, "netsieve-pipeline");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            PacketView view = new PacketView();
            try {
                while (capture.next(view)) {
                    pipeline.onPacket(view);
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        /**
         * The pipeline's counters per capture point so far (packets by outcome, records written), read while the
         * pipeline thread updates them: each value is one it had, the set is not one instant (exact after
         * {@link #stop()}).
         */
        public Map<CapturePoint, CapturePointStats> progress() {
            Map<CapturePoint, CapturePointStats> out = new LinkedHashMap<>();
            for (CapturePoint p : points) {
                out.put(p, pipeline.snapshot(p.id()));
            }
            return out;
        }

        /** The kernel's and netsieve's capture counters per interface (drops included), in the interfaces' order. */
        public List<CaptureStats> captureStats() throws LiveCaptureException {
            return capture.stats();
        }

        /** As {@link #stop()} (for try-with-resources). */
        @Override
        public void close() {
            stop();
        }

        /**
         * Stops capturing, processes what was captured, flushes open flows and pending exchanges, and returns the
         * summary (the same on every call).
         */
        public synchronized RunSummary stop() {
            if (summary != null) {
                return summary;
            }
            capture.close();
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pipeline.flush();
            correlator.flush();
            run.flushFindings();
            Map<CapturePoint, CapturePointStats> stats = new LinkedHashMap<>();
            Map<CapturePoint, String> errors = new LinkedHashMap<>();
            for (CapturePoint p : points) {
                CapturePointStats s = pipeline.counts(p.id()).stats();
                stats.put(p, s);
                if (failure != null) {
                    errors.put(p, String.valueOf(failure.getMessage()));
                    Exception cause = failure;
                    event(run, "capturePointFailed", () -> listener.capturePointFailed(p, s, cause));
                } else {
                    event(run, "capturePointEnd", () -> listener.capturePointEnd(p, s));
                }
            }
            summary = new RunSummary(stats, errors, correlator.stats(), run.callbackFailures);
            return summary;
        }
    }

    /**
     * Filter, decode, L4 and L7 for the packets of one source (offline: one capture point; live: every interface,
     * flows kept apart by capture point), counting every packet per capture point.
     */
    private final class Pipeline {
        private final Run run;
        private final Map<Integer, BpfFilter> filters;
        private final boolean filtering;
        private final Map<Integer, Counts> counts = new HashMap<>();
        private final L4Tracker l4;
        private final PacketDecoder decoder = new PacketDecoder();
        private final DecodedPacket decoded = new DecodedPacket();
        private int linkType = Integer.MIN_VALUE;
        private BpfFilter current;
        private int lastId = Integer.MIN_VALUE;
        private Counts last;

        Pipeline(Run run, ExchangeCorrelator correlator, Map<Integer, BpfFilter> filters,
                 java.util.function.IntFunction<Nic> nics, boolean filtering) {
            this.run = run;
            this.filters = filters;
            this.filtering = filtering && filter != null;
            L7Tracker l7 = L7Tracker.builder().registry(l7Registry).config(l7Config).listener(log -> {
                Nic nic = nics.apply(log.capturePointId());
                counts(log.capturePointId()).l7Records++;
                correlator.offer(log, nic);
                if (run.findings != null) {
                    run.findings.onL7(log, nic);
                }
                if (onL7Log != null) {
                    try {
                        onL7Log.onL7Log(log, nic);
                    } catch (RuntimeException e) {
                        run.failed("onL7Log", e);
                    }
                }
            }).build();
            this.l4 = L4Tracker.builder().config(l4Config).nics(nics).listener(log -> {
                counts(log.capturePointId()).l4Records++;
                if (run.findings != null) {
                    run.findings.onL4(log, nics.apply(log.capturePointId()));
                }
                if (onL4Log != null) {
                    try {
                        onL4Log.onL4Log(log, nics.apply(log.capturePointId()));
                    } catch (RuntimeException e) {
                        run.failed("onL4Log", e);
                    }
                }
            }).streams(l7.streams()).datagrams(l7.datagrams()).build();
        }

        /** Another thread's view of a capture point's counters (see {@link LiveRun#progress()}). */
        CapturePointStats snapshot(int capturePointId) {
            Counts c;
            synchronized (counts) {
                c = counts.get(capturePointId);
            }
            return c == null ? new CapturePointStats(0, 0, 0, 0, 0, 0, 0, 0) : c.stats();
        }

        Counts counts(int capturePointId) {
            if (capturePointId != lastId) {
                lastId = capturePointId;
                synchronized (counts) { // once per change of capture point: progress() may read the map
                    last = counts.computeIfAbsent(capturePointId, k -> new Counts());
                }
            }
            return last;
        }

        void onPacket(PacketView view) {
            Counts c = counts(view.capturePointId());
            c.packets++;
            if (filtering) {
                if (view.linkType() != linkType) {
                    linkType = view.linkType();
                    current = filters.computeIfAbsent(linkType, NetSieve.this::compile);
                }
                if (current.apply(view) == 0) {
                    c.filtered++;
                    return;
                }
            }
            DecodeOutcome outcome = decoder.decode(view, decoded);
            switch (outcome) {
                case DECODED -> c.decoded++;
                case TRUNCATED -> c.truncated++;
                case MALFORMED -> c.malformed++;
                case UNSUPPORTED_LINK_TYPE -> c.unsupported++;
            }
            if (outcome == DecodeOutcome.DECODED || outcome == DecodeOutcome.TRUNCATED) {
                l4.onPacket(decoded);
            }
        }

        void flush() {
            l4.flush();
        }
    }

    private BpfFilter compile(int linkType) {
        return BpfJit.compile(FilterCompiler.builder().linkType(linkType).build().compile(filter));
    }

    /** Per run: the callback failures (runs are independent; a run is on one thread). */
    private final class Run {
        long callbackFailures;
        /** The troubleshooting findings of this run, when a finding callback is set. */
        final FindingsAnalyzer findings;

        Run(Duration lateness) {
            findings = onFinding == null ? null : FindingsAnalyzer.builder().allowedLateness(lateness)
                    .listener(f -> {
                        try {
                            onFinding.onFinding(f);
                        } catch (RuntimeException e) {
                            failed("onFinding", e);
                        }
                    }).build();
        }

        void flushFindings() {
            if (findings != null) {
                findings.flush();
            }
        }

        void failed(String callback, RuntimeException e) {
            callbackFailures++;
            try {
                listener.callbackFailed(callback, e);
            } catch (RuntimeException ignored) {
                callbackFailures++;
            }
        }
    }

    private static final class Counts {
        long packets;
        long filtered;
        long decoded;
        long truncated;
        long malformed;
        long unsupported;
        long l4Records;
        long l7Records;

        CapturePointStats stats() {
            return new CapturePointStats(packets, filtered, decoded, truncated, malformed, unsupported, l4Records,
                    l7Records);
        }
    }

    /** Builder; every setter validates its argument and may be called once. */
    public static final class Builder {
        private CaptureSet captureSet;
        private List<LiveInterface> live;
        private String filter;
        private L4Config l4Config;
        private L7Registry l7Registry;
        private L7Config l7Config;
        private Duration correlationWindow;
        private L4LogCallback onL4Log;
        private L7LogCallback onL7Log;
        private ExchangePathListener onPath;
        private NetSieveListener listener;
        private FindingListener onFinding;

        private Builder() {
        }

        /** The capture points (files with their NIC metadata, e.g. from {@code CaptureManifest.read}). */
        public Builder captureSet(CaptureSet set) {
            once(captureSet != null || live != null, "captureSet/files/live");
            captureSet = Objects.requireNonNull(set, "set");
            return this;
        }

        /** Interfaces to capture on live ({@link #start()}); exclusive with {@link #captureSet} / {@link #files}. */
        public Builder live(List<LiveInterface> interfaces) {
            once(captureSet != null || live != null, "captureSet/files/live");
            if (interfaces.isEmpty()) {
                throw new IllegalArgumentException("no interfaces");
            }
            live = List.copyOf(interfaces);
            return this;
        }

        /** Plain capture files, each a capture point with a default NIC. */
        public Builder files(List<Path> files) {
            once(captureSet != null || live != null, "captureSet/files/live");
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no capture files");
            }
            captureSet = CaptureSet.ofFiles(files);
            return this;
        }

        /**
         * A pcap-filter expression (pcap-filter(7)); packets it refuses are counted as filtered and go no further.
         * Checked here for Ethernet; each capture point's link type gets its own program.
         */
        public Builder filter(String expression) {
            once(filter != null, "filter");
            Objects.requireNonNull(expression, "expression");
            FilterCompiler.builder().linkType(LinkType.ETHERNET).build().compile(expression); // throws with the column
            filter = expression;
            return this;
        }

        public Builder l4Config(L4Config config) {
            once(l4Config != null, "l4Config");
            l4Config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The L7 protocols (default: the built-in ones, {@code L7Registry.defaults()}). */
        public Builder l7Registry(L7Registry registry) {
            once(l7Registry != null, "l7Registry");
            l7Registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public Builder l7Config(L7Config config) {
            once(l7Config != null, "l7Config");
            l7Config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** How far apart in time the records of one exchange may be on different capture points (default 5 s). */
        public Builder correlationWindow(Duration window) {
            once(correlationWindow != null, "correlationWindow");
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("correlationWindow must be positive: " + window);
            }
            correlationWindow = window;
            return this;
        }

        public Builder onL4Log(L4LogCallback callback) {
            once(onL4Log != null, "onL4Log");
            onL4Log = Objects.requireNonNull(callback, "callback");
            return this;
        }

        public Builder onL7Log(L7LogCallback callback) {
            once(onL7Log != null, "onL7Log");
            onL7Log = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** Each exchange followed across capture points (called when its window closes or at the end). */
        public Builder onExchangePath(ExchangePathListener callback) {
            once(onPath != null, "onExchangePath");
            onPath = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** Troubleshooting findings ({@link FindingsAnalyzer} with its default thresholds), each when its window closes. */
        public Builder onFinding(FindingListener callback) {
            once(onFinding != null, "onFinding");
            onFinding = Objects.requireNonNull(callback, "callback");
            return this;
        }

        public Builder listener(NetSieveListener listener) {
            once(this.listener != null, "listener");
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public NetSieve build() {
            if (captureSet == null && live == null) {
                throw new IllegalStateException("no capture points: set captureSet(...), files(...) or live(...)");
            }
            return new NetSieve(this);
        }

        private static void once(boolean set, String name) {
            if (set) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
