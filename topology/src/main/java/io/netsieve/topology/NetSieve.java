package io.netsieve.topology;

import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.capture.LiveCaptureConfig;
import io.netsieve.core.capture.LiveCaptureException;
import io.netsieve.core.capture.MultiLiveCapture;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Stats;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Registry;
import io.netsieve.l7.L7Stats;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.L7Tracker;
import io.netsieve.l7.Transport;
import io.netsieve.topology.internal.FailureLog;
import io.netsieve.topology.internal.FlowTee;
import io.netsieve.topology.internal.PacketRing;
import io.netsieve.topology.sink.RecordSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * The whole pipeline in one object: capture points → filter (compiled to classic BPF, run by the JIT) → decode →
 * L4 flows → L7 exchanges → correlation across capture points → your callbacks. Build it once with
 * {@link #builder()} (each setter validates and may be called once); the result is immutable and thread-safe, and
 * {@link #run()} / {@link #start()} may be called any number of times, each run with fresh state.
 *
 * <pre>{@code
 * RunSummary summary = NetSieve.builder()
 *         .captureSet(CaptureManifest.read(Path.of("captures.tsv")))
 *         .filter("tcp or udp port 53")
 *         .threads(2)
 *         .onL7Log((log, nic) -> System.out.println(nic.label() + " " + log.l7Proto()))
 *         .onExchangePath(path -> System.out.println(path.hops().size() + " hops"))
 *         .build()
 *         .run();
 * }</pre>
 *
 * <h2>Threads</h2>
 * A run uses at most {@link Builder#threads} pipeline threads (default 1, at most {@value #MAX_THREADS}). Each has its
 * own decoder, L4 tracker and L7 tracker: flows are kept per capture point, so a capture point is always processed by
 * one thread. Offline ({@link #run()}), the capture points are tasks taken in order by the threads (the calling thread
 * is one of them), each read to its end with fresh state; the correlator waits for the end of input (unbounded
 * lateness) and is flushed when every capture point is done, so the records, paths, findings and counters are the
 * same with any thread count (only the order in which callbacks see records of different capture points changes).
 * Live ({@link #start()}), the interfaces are sharded round-robin over {@code min(threads, interfaces)} pipeline
 * threads ({@code netsieve-pipeline-N}); the correlator allows 30 s of lateness.
 *
 * <h2>Queues and drops (live)</h2>
 * Each interface has a capture thread that copies frames into the interface's bounded queue (a ring of
 * {@link Builder#liveQueue} bytes and frames; default {@value MultiLiveCapture#DEFAULT_RING_BYTES} bytes and
 * {@value MultiLiveCapture#DEFAULT_RING_SLOTS} frames); its pipeline thread takes frames from the rings of its
 * interfaces in timestamp order. <b>Drop policy:</b> a full ring drops the new frame (drop newest) and counts it for
 * that capture point ({@link CapturePointMetrics#droppedByUs()}); the capture thread never blocks. The kernel's drops
 * are reported too ({@link CapturePointMetrics#droppedByKernel()}); both go to {@link NetSieveListener#drop}.
 *
 * <h2>Time (live)</h2>
 * Time moves with the packets' timestamps and, on quiet links, with the {@link Builder#clock} (default the system
 * clock): a pipeline thread with nothing to do wakes about every {@value #SWEEP_MILLIS} ms and sweeps — L4 idle
 * timeouts and chunk closing ({@code L4Tracker.advanceTime}), L7 response timeouts, the correlator's and the
 * findings analyzer's watermarks (clock minus their allowed lateness) — so idle flows, unanswered requests, paths
 * and findings are emitted without new packets.
 *
 * <h2>Callbacks and their threads</h2>
 * {@code onL4Log}, {@code onL7Log}, {@link Builder#onPayload} and the listener's flow / exchange / parse-failure
 * events run on the pipeline thread of the capture point (the final flush of a live run: on the thread calling
 * {@link LiveRun#stop()}). The correlator and the findings analyzer are single-threaded: every pipeline thread feeds
 * them under one lock (the run's serialising point), so {@code onExchangePath} and {@code onFinding} run on whichever
 * thread holds it — a pipeline thread, or the thread that ends the run — never two at once. A callback that throws is
 * caught, counted ({@link NetSieveMetrics#callbackFailures()}), logged through slf4j (logger
 * {@code io.netsieve.topology.NetSieve}, WARN; the first 10 failures of a run with their stack traces, then at most one
 * line per 10 s) and reported to {@link NetSieveListener#callbackFailed}; the pipeline goes on. A {@link Builder#sink}
 * gets each record on the same thread as the matching callback, just before it. {@link Builder#onProgress} runs on
 * the thread reading the capture point.
 *
 * <h2>Packets and counters</h2>
 * Every packet read ends in exactly one of filtered / decoded / truncated / malformed / unsupported
 * ({@link CapturePointStats}). Live, the filter runs where {@link Builder#liveFilterPlacement} says: in the kernel
 * (the default) the packets it rejects are never read, so they are not counted and the counters say so
 * ({@link CapturePointStats#filteredCounted()} false); with {@link FilterPlacement#KERNEL_COUNTED} the kernel counts
 * them, and in user space every packet of the interface is read: then {@code filtered} counts the rejected ones
 * exactly. Every packet the filter lets through is decoded and handed to L4, whatever its outcome: L4 decides what it
 * can track (a TCP segment with a bad option is MALFORMED but its header is intact, so it is tracked; the other
 * malformed, truncated or unsupported packets are counted as L4's ignored packets, and every packet moves L4's clock),
 * exactly as an {@code L4Tracker} fed by hand does. Per capture point the run keeps, as
 * plain counters (no allocation per packet), the decoder's details ({@link DecodeCounts}: malformed reasons, layers),
 * bytes, time span, link types and the file's format, and the L4 and L7 trackers' own counters.
 *
 * <h2>Kept packets</h2>
 * With {@link Builder#keepPackets} each pipeline thread copies the TCP and UDP frames it processes into its own
 * bounded store (under a lock it holds for the copy; exports take it to copy frames out), keyed by the connection L4
 * opened on them, for export to pcap/pcapng ({@link KeptPackets}).
 */
public final class NetSieve {
    /** The most pipeline threads a run may use. */
    public static final int MAX_THREADS = 64;
    /** Wall-clock period of a live pipeline thread's idle sweep, in ms. */
    public static final int SWEEP_MILLIS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(NetSieve.class);
    private static final long SWEEP_NANOS = SWEEP_MILLIS * 1_000_000L;
    private static final Duration OFFLINE_LATENESS = Duration.ofDays(36_500);
    private static final Duration LIVE_LATENESS = Duration.ofSeconds(30);

    private final CaptureSet captureSet;
    private final List<LiveInterface> live;
    private final String filter;
    private final FilterPlacement filterPlacement;
    private final L4Config l4Config;
    private final L7Registry l7Registry;
    private final L7Config l7Config;
    private final Duration correlationWindow;
    private final int threads;
    private final InstantSource clock;
    private final int ringBytes;
    private final int ringFrames;
    private final L4LogCallback onL4Log;
    private final L7LogCallback onL7Log;
    private final ExchangePathListener onPath;
    private final FindingListener onFinding;
    private final PayloadHook onPayload;
    private final NetSieveListener listener;
    private final RecordSink sink;
    private final ReadProgress onProgress;
    private final PacketRetention keepPackets;

    private NetSieve(Builder b) {
        this.captureSet = b.captureSet;
        this.live = b.live;
        this.filter = b.filter;
        this.filterPlacement = b.liveFilterPlacement != null ? b.liveFilterPlacement : FilterPlacement.KERNEL;
        this.l4Config = b.l4Config != null ? b.l4Config : L4Config.defaults();
        this.l7Registry = b.l7Registry != null ? b.l7Registry : L7Registry.defaults();
        this.l7Config = b.l7Config != null ? b.l7Config : L7Config.defaults();
        this.correlationWindow = b.correlationWindow;
        this.threads = b.threads > 0 ? b.threads : 1;
        this.clock = b.clock != null ? b.clock : InstantSource.system();
        this.ringBytes = b.ringBytes > 0 ? b.ringBytes : MultiLiveCapture.DEFAULT_RING_BYTES;
        this.ringFrames = b.ringFrames > 0 ? b.ringFrames : MultiLiveCapture.DEFAULT_RING_SLOTS;
        this.onL4Log = b.onL4Log;
        this.onL7Log = b.onL7Log;
        this.onPath = b.onPath;
        this.onFinding = b.onFinding;
        this.onPayload = b.onPayload;
        this.listener = b.listener != null ? b.listener : new NetSieveListener() { };
        this.sink = b.sink;
        this.onProgress = b.onProgress;
        this.keepPackets = b.keepPackets;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads every capture point to its end (on up to {@link Builder#threads} threads, the calling one included) and
     * returns what happened; records went to the callbacks.
     */
    public RunSummary run() {
        if (captureSet == null) {
            throw new IllegalStateException("a live NetSieve runs with start()");
        }
        List<CapturePoint> points = captureSet.points();
        int workers = Math.max(1, Math.min(threads, points.size()));
        Run run = new Run(OFFLINE_LATENESS, points, workers);
        CapturePointStats[] stats = new CapturePointStats[points.size()];
        String[] errors = new String[points.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger workerIds = new AtomicInteger();
        AtomicReference<Throwable> crash = new AtomicReference<>();
        Runnable worker = () -> {
            Map<Integer, BpfFilter> filters = new HashMap<>(); // per thread: a compiled filter is not shared
            int shard = workerIds.getAndIncrement(); // this thread's share of the kept packets
            try {
                for (int i = next.getAndIncrement(); i < points.size(); i = next.getAndIncrement()) {
                    readPoint(run, points.get(i), filters, stats, errors, i, shard);
                }
            } catch (Throwable t) {
                crash.compareAndSet(null, t);
            }
        };
        List<Thread> started = new ArrayList<>();
        for (int w = 1; w < workers; w++) {
            Thread t = new Thread(worker, "netsieve-pipeline-" + w);
            t.setDaemon(true);
            t.start();
            started.add(t);
        }
        worker.run();
        for (Thread t : started) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the pipeline threads ran", e);
            }
        }
        if (crash.get() instanceof Error e) {
            throw e;
        } else if (crash.get() != null) {
            throw new IllegalStateException("a pipeline thread failed", crash.get());
        }
        run.finish();
        Map<CapturePoint, CapturePointStats> byPoint = new LinkedHashMap<>();
        Map<CapturePoint, String> failed = new LinkedHashMap<>();
        for (int i = 0; i < points.size(); i++) {
            byPoint.put(points.get(i), stats[i]);
            if (errors[i] != null) {
                failed.put(points.get(i), errors[i]);
            }
        }
        return new RunSummary(byPoint, failed, run.correlatorStats(), run.callbackFailures.get(),
                run.metrics(null), run.kept);
    }

    private void readPoint(Run run, CapturePoint point, Map<Integer, BpfFilter> filters, CapturePointStats[] stats,
                           String[] errors, int index, int shard) {
        event(run, "capturePointStart", () -> listener.capturePointStart(point));
        Pipeline pipeline = new Pipeline(run, filters, id -> point.nic(), filter != null, shard);
        Counts counts = run.counts(point.id());
        counts.published = pipeline.published; // this pipeline's trackers see only this capture point
        Exception failure = null;
        long fileBytes = 0;
        long offset = 0;
        CaptureFileReader reader = null;
        try {
            reader = CaptureFiles.openReadingAhead(point.file(), point.id());
            counts.format = reader.format();
            fileBytes = size(point.file());
            progress(run, point, 0, fileBytes);
            PacketView view = new PacketView();
            long nextPublish = System.nanoTime() + SWEEP_NANOS;
            int n = 0;
            while (reader.next(view)) {
                pipeline.onPacket(view);
                if ((++n & 1023) == 0) {
                    if ((n & 4095) == 0 && onProgress != null) {
                        progress(run, point, reader.byteOffset(), fileBytes);
                    }
                    if (System.nanoTime() - nextPublish >= 0) {
                        nextPublish = System.nanoTime() + SWEEP_NANOS;
                        pipeline.publish();
                    }
                }
            }
            offset = fileBytes;
        } catch (Exception e) {
            failure = e;
            offset = reader == null ? 0 : reader.byteOffset();
        } finally {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("closing {}", point.file(), e);
                }
            }
            pipeline.flush();
        }
        if (reader != null) {
            progress(run, point, offset, fileBytes);
        }
        CapturePointStats s = run.counts(point.id()).stats();
        stats[index] = s;
        if (failure == null) {
            event(run, "capturePointEnd", () -> listener.capturePointEnd(point, s));
        } else {
            errors[index] = String.valueOf(failure.getMessage());
            Exception cause = failure;
            event(run, "capturePointFailed", () -> listener.capturePointFailed(point, s, cause));
        }
    }

    private void progress(Run run, CapturePoint point, long bytesRead, long fileBytes) {
        if (onProgress != null) {
            event(run, "onProgress", () -> onProgress.progress(point, bytesRead, fileBytes));
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Starts live capture on the configured interfaces (all or none: an interface that cannot be opened fails the
     * start with the interface and the cause) and processes their packets on {@code min(threads, interfaces)}
     * pipeline threads until {@link LiveRun#stop()}, which flushes open flows and pending exchanges. The filter is
     * compiled by netsieve's compiler for each interface's link type and runs where
     * {@link Builder#liveFilterPlacement} says: attached to the capture socket in the kernel (default; an expression
     * the kernel would refuse fails the start), or in the pipeline by the JIT (an expression that does not compile for
     * an interface's link type fails the start).
     */
    public LiveRun start() throws LiveCaptureException {
        if (live == null) {
            throw new IllegalStateException("an offline NetSieve runs with run()");
        }
        int shardCount = Math.min(threads, live.size());
        boolean userFilter = filter != null && filterPlacement == FilterPlacement.USER;
        boolean countRejected = filter != null && filterPlacement == FilterPlacement.KERNEL_COUNTED;
        Map<Integer, Nic> nics = new HashMap<>();
        List<CapturePoint> points = new ArrayList<>();
        List<List<LiveCaptureConfig>> configs = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) {
            configs.add(new ArrayList<>());
        }
        for (int i = 0; i < live.size(); i++) {
            LiveInterface li = live.get(i);
            LiveCaptureConfig.Builder cb = LiveCaptureConfig.builder(li.name()).capturePointId(i).immediateMode(true);
            if (li.netns() != null) {
                cb.netns(li.netns());
            }
            if (filter != null && !userFilter) {
                cb.filter(filter); // compiled for the interface's link type and attached in the kernel
                cb.countRejected(countRejected);
            }
            configs.get(i % shardCount).add(cb.build()); // interface i: shard i % n, position i / n
            nics.put(i, li.nic());
            points.add(new CapturePoint(i, null, li.nic()));
        }
        List<MultiLiveCapture> captures = new ArrayList<>();
        try {
            for (List<LiveCaptureConfig> c : configs) {
                captures.add(MultiLiveCapture.open(c, ringBytes, ringFrames));
            }
        } catch (LiveCaptureException | RuntimeException e) {
            captures.forEach(MultiLiveCapture::close);
            throw e;
        }
        // user-space filter: each pipeline thread's own programs (a compiled filter is not shared), compiled now for
        // its interfaces' link types so that one that does not suit fails the start, as in the kernel
        List<Map<Integer, BpfFilter>> shardFilters = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) {
            shardFilters.add(new HashMap<>());
        }
        if (userFilter) {
            for (int i = 0; i < live.size(); i++) {
                int linkType = captures.get(i % shardCount).linkType(i / shardCount);
                try {
                    shardFilters.get(i % shardCount).computeIfAbsent(linkType, this::compile);
                } catch (RuntimeException e) {
                    captures.forEach(MultiLiveCapture::close);
                    LiveCaptureConfig c = configs.get(i % shardCount).get(i / shardCount);
                    throw new LiveCaptureException(c.interfaceName(), "cannot capture on " + c.describe()
                            + ": filter expression '" + filter + "' does not compile: " + e.getMessage(), e);
                }
            }
        }
        Run run = new Run(LIVE_LATENESS, points, shardCount);
        Map<Integer, Nic> nicById = Map.copyOf(nics);
        List<Shard> shards = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) {
            List<CapturePoint> mine = new ArrayList<>();
            for (int i = s; i < points.size(); i += shardCount) {
                mine.add(points.get(i));
            }
            // One pipeline per interface, as offline per capture point: its L4 and L7 counters are that interface's.
            // A kernel filter rejected its packets already (uncounted): no filter in the pipelines; a user-space one
            // runs in them and counts what it rejects.
            List<Pipeline> pipelines = new ArrayList<>();
            for (CapturePoint p : mine) {
                Pipeline pipeline = new Pipeline(run, shardFilters.get(s), nicById::get, userFilter, s);
                Counts c = run.counts(p.id());
                c.format = "live";
                c.filteredCounted = filter == null || filterPlacement != FilterPlacement.KERNEL;
                c.published = pipeline.published;
                pipelines.add(pipeline);
            }
            shards.add(new Shard(s, shardCount, captures.get(s), pipelines, mine));
        }
        return new LiveRun(run, shards, points);
    }

    private void event(Run run, String name, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            run.failed(name, e);
        }
    }

    /** One live pipeline thread: its interfaces' capture (rings), its pipeline, what it reported of their drops. */
    private final class Shard {
        final int index;
        /** Interface i is on shard {@code i % shards}, at position {@code i / shards} of its interfaces. */
        final int shards;
        final MultiLiveCapture capture;
        /** One pipeline per interface of the shard, in the order of {@link #points}. */
        final List<Pipeline> pipelines;
        final List<CapturePoint> points;
        final long[] reportedKernel;
        final long[] reportedUs;
        final long[] reportedRejected;
        volatile List<CaptureStats> lastStats;
        volatile Exception failure;
        Thread thread;

        Shard(int index, int shards, MultiLiveCapture capture, List<Pipeline> pipelines, List<CapturePoint> points) {
            this.index = index;
            this.shards = shards;
            this.capture = capture;
            this.pipelines = List.copyOf(pipelines);
            this.points = points;
            this.reportedKernel = new long[points.size()];
            this.reportedUs = new long[points.size()];
            this.reportedRejected = new long[points.size()];
            List<CaptureStats> zero = new ArrayList<>();
            for (int i = 0; i < points.size(); i++) {
                zero.add(new CaptureStats(0, 0, 0, 0, 0, -1));
            }
            this.lastStats = List.copyOf(zero);
        }

        /** The capture counters now (the last ones read if reading fails). */
        List<CaptureStats> stats() {
            try {
                lastStats = List.copyOf(capture.stats());
            } catch (LiveCaptureException | RuntimeException e) {
                // keep the last counters read
            }
            return lastStats;
        }

        void loop(Run run) {
            PacketView view = new PacketView();
            long nextSweep = System.nanoTime() + SWEEP_NANOS;
            try {
                while (true) {
                    MultiLiveCapture.Poll p = capture.poll(view, SWEEP_NANOS);
                    if (p == MultiLiveCapture.Poll.END) {
                        return;
                    }
                    if (p == MultiLiveCapture.Poll.PACKET) {
                        pipelines.get(view.capturePointId() / shards).onPacket(view);
                    }
                    long t = System.nanoTime();
                    if (t - nextSweep >= 0) {
                        nextSweep = t + SWEEP_NANOS;
                        sweep(run);
                    }
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        /** Moves time on without packets, reports drops, counts what the kernel filter rejected (pipeline thread). */
        void sweep(Run run) {
            Instant now = clock.instant();
            long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            for (Pipeline pipeline : pipelines) {
                pipeline.advanceTime(nowNanos);
            }
            reportDrops(run);
            run.advance(nowNanos);
        }

        /**
         * Reports the drops since the last call to the listener and adds the packets the kernel filter rejected since
         * then (when it counts them) to the capture point's filtered packets: on the pipeline thread, or in
         * {@link LiveRun#stop()} once it has ended.
         */
        void reportDrops(Run run) {
            List<CaptureStats> s = stats();
            for (int i = 0; i < points.size(); i++) {
                long r = s.get(i).filterRejected() - reportedRejected[i];
                if (r > 0) {
                    reportedRejected[i] += r;
                    run.counts(points.get(i).id()).rejectedByKernel(r);
                }
                long k = s.get(i).kernelDropped() - reportedKernel[i];
                long q = s.get(i).queueDropped() - reportedUs[i];
                if (k > 0 || q > 0) {
                    reportedKernel[i] += Math.max(k, 0);
                    reportedUs[i] += Math.max(q, 0);
                    CapturePoint p = points.get(i);
                    long kk = Math.max(k, 0);
                    long qq = Math.max(q, 0);
                    event(run, "drop", () -> listener.drop(p, kk, qq));
                }
            }
        }
    }

    /**
     * A live run: packets of every interface are processed on its pipeline threads until {@link #stop()}.
     * {@link #stop()}, {@link #progress()}, {@link #metrics()} and {@link #captureStats()} may be called from any
     * thread; see {@link NetSieve} for the threads callbacks run on.
     */
    public final class LiveRun implements AutoCloseable {
        private final Run run;
        private final List<Shard> shards;
        private final List<CapturePoint> points;
        private RunSummary summary;

        private LiveRun(Run run, List<Shard> shards, List<CapturePoint> points) {
            this.run = run;
            this.shards = shards;
            this.points = points;
            for (CapturePoint p : points) {
                event(run, "capturePointStart", () -> listener.capturePointStart(p));
            }
            for (Shard s : shards) {
                s.thread = new Thread(() -> s.loop(run), "netsieve-pipeline-" + s.index);
                s.thread.setDaemon(true);
                s.thread.start();
            }
        }

        /**
         * The pipeline's counters per capture point so far (packets by outcome, records written), read while the
         * pipeline threads update them: each value is one it had, the set is not one instant (exact after
         * {@link #stop()}).
         */
        public Map<CapturePoint, CapturePointStats> progress() {
            Map<CapturePoint, CapturePointStats> out = new LinkedHashMap<>();
            for (CapturePoint p : points) {
                out.put(p, run.counts(p.id()).stats());
            }
            return out;
        }

        /** The kernel's and netsieve's capture counters per interface (drops included), in the interfaces' order. */
        public List<CaptureStats> captureStats() throws LiveCaptureException {
            int n = shards.size();
            List<List<CaptureStats>> byShard = new ArrayList<>();
            for (Shard s : shards) {
                byShard.add(s.capture.stats());
            }
            List<CaptureStats> out = new ArrayList<>();
            for (int i = 0; i < points.size(); i++) {
                out.add(byShard.get(i % n).get(i / n));
            }
            return out;
        }

        /** A snapshot of the run's counters, safe to take from any thread while it runs (see {@link NetSieveMetrics}). */
        public NetSieveMetrics metrics() {
            return run.metrics(shards);
        }

        /**
         * The packets this run keeps ({@link Builder#keepPackets}): exports may run on any thread while the run goes
         * on (of what was processed so far) and after {@link #stop()}; without {@code keepPackets} every export fails
         * with {@link PacketsNotKeptException.Reason#NOT_KEPT}.
         */
        public KeptPackets packets() {
            return run.kept;
        }

        /** As {@link #stop()} (for try-with-resources). */
        @Override
        public void close() {
            stop();
        }

        /**
         * Stops capturing, processes what was captured, flushes open flows and pending exchanges (their callbacks run
         * on this thread), and returns the summary (the same on every call). It waits for the pipeline threads (up to
         * 30 s each), so call it from a thread of your own, not from a callback.
         */
        public synchronized RunSummary stop() {
            if (summary != null) {
                return summary;
            }
            for (Shard s : shards) {
                s.capture.close();
            }
            for (Shard s : shards) {
                try {
                    s.thread.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (Shard s : shards) {
                for (Pipeline pipeline : s.pipelines) {
                    pipeline.flush();
                }
                s.reportDrops(run);
            }
            run.finish();
            Map<CapturePoint, CapturePointStats> stats = new LinkedHashMap<>();
            Map<CapturePoint, String> errors = new LinkedHashMap<>();
            for (int i = 0; i < points.size(); i++) {
                CapturePoint p = points.get(i);
                Exception failure = shards.get(i % shards.size()).failure;
                CapturePointStats s = run.counts(p.id()).stats();
                stats.put(p, s);
                if (failure != null) {
                    errors.put(p, String.valueOf(failure.getMessage()));
                    event(run, "capturePointFailed", () -> listener.capturePointFailed(p, s, failure));
                } else {
                    event(run, "capturePointEnd", () -> listener.capturePointEnd(p, s));
                }
            }
            summary = new RunSummary(stats, errors, run.correlatorStats(), run.callbackFailures.get(),
                    run.metrics(shards), run.kept);
            return summary;
        }
    }

    /**
     * Filter, decode, L4 and L7 for the packets of one capture point (offline: its file; live: one interface, the
     * pipelines of a thread's interfaces called in turn by that thread), counting every packet.
     */
    private final class Pipeline implements FlowTee.Events {
        private final Run run;
        private final Map<Integer, BpfFilter> filters;
        private final boolean filtering;
        private final IntFunction<Nic> nics;
        private final L4Tracker l4;
        private final L7Tracker l7;
        private final PacketDecoder decoder = new PacketDecoder();
        private final DecodedPacket decoded = new DecodedPacket();
        private final Published published = new Published();
        private int linkType = Integer.MIN_VALUE;
        private BpfFilter current;
        private int lastId = Integer.MIN_VALUE;
        private Counts last;
        /** The capture points' counters this pipeline has counted into (published with its trackers'). */
        private final List<Counts> counted = new ArrayList<>(1);
        /** Flows that ended during the current L4 call (reported when it returns). */
        private final List<Ended> ended = new ArrayList<>();
        /** This thread's share of the kept packets, or null when the run keeps none. */
        private final PacketRing ring;
        /** The current frame's connection key (for the ring), and its ports to recognise the flow L4 opens on it. */
        private final long[] key = new long[6];
        private int keyPoint = -1;
        private int keySrcPort;
        private int keyDstPort;
        /** The {@code inner_traceid} of the flow L4 opened on the current frame, or null. */
        private String started;

        Pipeline(Run run, Map<Integer, BpfFilter> filters, IntFunction<Nic> nics, boolean filtering, int shard) {
            this.run = run;
            this.ring = run.kept.enabled() ? run.kept.ring(shard) : null;
            this.filters = filters;
            this.nics = nics;
            this.filtering = filtering;
            this.l7 = L7Tracker.builder().registry(l7Registry).config(l7Config).listener(this::onL7).build();
            this.l4 = L4Tracker.builder().config(l4Config).nics(nics).listener(this::onL4)
                    .streams(FlowTee.streams(l7.streams(), this, onPayload != null))
                    .datagrams(FlowTee.datagrams(l7.datagrams(), this, onPayload != null)).build();
            run.published.add(published);
        }

        private void onL7(L7Log log) {
            Nic nic = nics.apply(log.capturePointId());
            counts(log.capturePointId()).inc(Counts.L7);
            publishCounts();
            run.exchange(log, nic);
            if (sink != null) {
                event(run, "sink.onL7Log", () -> sink.onL7Log(log, nic));
            }
            if (onL7Log != null) {
                event(run, "onL7Log", () -> onL7Log.onL7Log(log, nic));
            }
            event(run, "exchange", () -> listener.exchange(nic, log));
            if (log.status() == L7Status.REQUEST_MALFORMED || log.status() == L7Status.RESPONSE_MALFORMED) {
                event(run, "parseFailure", () -> listener.parseFailure(nic, log));
            }
        }

        private void onL4(L4Log log) {
            Nic nic = nics.apply(log.capturePointId());
            counts(log.capturePointId()).inc(Counts.L4);
            publishCounts();
            if (log.evicted()) {
                for (Ended e : ended) {
                    if (e.flow.capturePointId() == log.capturePointId()
                            && e.flow.innerTraceId().equals(log.innerTraceId())) {
                        e.evicted = true;
                    }
                }
            }
            run.l4Record(log, nic);
            if (sink != null) {
                event(run, "sink.onL4Log", () -> sink.onL4Log(log, nic));
            }
            if (onL4Log != null) {
                event(run, "onL4Log", () -> onL4Log.onL4Log(log, nic));
            }
        }

        @Override
        public void flowStart(StreamInfo flow, Transport transport) {
            if (flow.capturePointId() == keyPoint && (flow.clientPort() == keySrcPort && flow.serverPort() == keyDstPort
                    || flow.clientPort() == keyDstPort && flow.serverPort() == keySrcPort)) {
                started = flow.innerTraceId(); // L4 opened this flow on the current frame
            }
            Nic nic = nics.apply(flow.capturePointId());
            publishCounts();
            try {
                listener.flowStart(nic, transport, flow);
            } catch (RuntimeException e) {
                run.failed("flowStart", e);
            }
        }

        @Override
        public void flowEnd(StreamInfo flow, Transport transport, long timestampNanos) {
            // told once the L4 call returns, when L4's eviction counter says whether it was an eviction
            ended.add(new Ended(flow, transport, timestampNanos));
        }

        /**
         * Reports the flows that ended during the last L4 call, each as ended or evicted. An eviction (the table is
         * full: the least recently seen flow makes room for a new one) writes the flow's pending chunk with
         * {@code evicted = true} right after closing its handler, and closes it at its last-seen time, before the
         * packet being processed ({@code packetNanos}; {@code Long.MIN_VALUE} for calls without a packet, which
         * never evict); a flow that ended otherwise during a packet ends at that packet's time.
         */
        private void reportEnded(long packetNanos) {
            if (ended.isEmpty()) {
                return;
            }
            publishCounts();
            for (int i = 0; i < ended.size(); i++) {
                Ended e = ended.get(i);
                boolean evicted = e.evicted || e.timestampNanos < packetNanos;
                Nic nic = nics.apply(e.flow.capturePointId());
                try {
                    if (evicted) {
                        listener.flowEvicted(nic, e.transport, e.flow, e.timestampNanos);
                    } else {
                        listener.flowEnd(nic, e.transport, e.flow, e.timestampNanos);
                    }
                } catch (RuntimeException x) {
                    run.failed(evicted ? "flowEvicted" : "flowEnd", x);
                }
            }
            ended.clear();
        }

        @Override
        public void payload(StreamInfo flow, Transport transport, int direction, ByteBuffer data, int offset,
                            int length, long seq, long timestampNanos) {
            publishCounts();
            try {
                onPayload.onPayload(nics.apply(flow.capturePointId()), flow, transport, direction, data, offset,
                        length, seq, timestampNanos);
            } catch (RuntimeException e) {
                run.failed("onPayload", e);
            }
        }

        Counts counts(int capturePointId) {
            if (capturePointId != lastId) {
                lastId = capturePointId;
                last = run.counts(capturePointId);
                if (!counted.contains(last)) {
                    counted.add(last);
                }
            }
            return last;
        }

        void onPacket(PacketView view) {
            Counts c = counts(view.capturePointId());
            if (filtering) {
                if (view.linkType() != linkType) {
                    current = filters.computeIfAbsent(view.linkType(), NetSieve.this::compile);
                    linkType = view.linkType();
                }
                if (current.apply(view) == 0) {
                    c.linkType(view.linkType());
                    c.inc(Counts.FILTERED);
                    c.inc(Counts.PACKETS);
                    return;
                }
            }
            decoder.decode(view, decoded);
            c.analysed(view, decoded);
            boolean keep = ring != null && PacketRing.key(decoded, view.capturePointId(), key);
            if (keep) {
                keyPoint = view.capturePointId();
                keySrcPort = decoded.srcPort();
                keyDstPort = decoded.dstPort();
            }
            // every packet the filter let through goes to L4, which tracks what it can (e.g. a TCP segment with a
            // bad option, MALFORMED but with an intact header) and counts the rest as ignored; its clock moves
            l4.onPacket(decoded);
            if (keep) {
                // after L4: a flow it opened on this frame starts a new connection in the ring (the view is valid
                // until this method returns; the ring copies the frame)
                ring.offer(view, key, started);
                started = null;
                keyPoint = -1;
            }
            reportEnded(view.timestampNanos());
        }

        /** Runs due timeouts at {@code nowNanos} without a packet (live idle sweep) and publishes the counters. */
        void advanceTime(long nowNanos) {
            l4.advanceTime(nowNanos);
            reportEnded(Long.MIN_VALUE);
            l7.advanceTime(nowNanos);
            publish();
        }

        /** Makes the trackers' and packet counters visible to {@link NetSieveMetrics} snapshots (pipeline thread). */
        void publish() {
            published.l4 = l4.stats();
            published.l7 = l7.stats();
            publishCounts();
        }

        /** Publishes the packet counters (before user code runs, so that it sees its own packet counted). */
        private void publishCounts() {
            for (int i = 0; i < counted.size(); i++) {
                counted.get(i).publish();
            }
        }

        void flush() {
            l4.flush();
            reportEnded(Long.MIN_VALUE);
            publish();
        }
    }

    private BpfFilter compile(int linkType) {
        try {
            return BpfJit.compile(FilterCompiler.builder().linkType(linkType).build().compile(filter));
        } catch (IllegalArgumentException e) { // the expression does not suit this link type: ends the capture point
            throw new IllegalArgumentException("filter for link type " + LinkType.name(linkType) + ": "
                    + e.getMessage(), e);
        }
    }

    /** A flow that ended, waiting to be reported as ended or evicted. */
    private static final class Ended {
        final StreamInfo flow;
        final Transport transport;
        final long timestampNanos;
        boolean evicted;

        Ended(StreamInfo flow, Transport transport, long timestampNanos) {
            this.flow = flow;
            this.transport = transport;
            this.timestampNanos = timestampNanos;
        }
    }

    /** The last L4/L7 counters a pipeline published (written by its thread, read by metrics snapshots). */
    private static final class Published {
        volatile L4Stats l4;
        volatile L7Stats l7;
    }

    /**
     * Per run, shared by its pipeline threads: the per-capture-point counters, the correlator and findings analyzer
     * behind one lock (the serialising point), and the run-wide counters.
     */
    private final class Run {
        final Object lock = new Object();
        final ExchangeCorrelator correlator;
        /** The troubleshooting findings of this run, when a finding callback is set. */
        final FindingsAnalyzer findings;
        final long latenessNanos;
        final long findingsLatenessNanos;
        final List<CapturePoint> points;
        final Map<Integer, Counts> counts = new ConcurrentHashMap<>();
        final List<Published> published = new CopyOnWriteArrayList<>();
        final Map<String, LongAdder> exchanges = new ConcurrentHashMap<>();
        final AtomicLong callbackFailures = new AtomicLong();
        final LongAdder paths = new LongAdder();
        final LongAdder findingsEmitted = new LongAdder();
        final FailureLog failureLog = new FailureLog(LOG, 10, 10_000_000_000L, System::nanoTime);
        /** The packets kept for export: one ring per pipeline thread. */
        final KeptPackets kept;

        Run(Duration lateness, List<CapturePoint> points, int pipelineThreads) {
            this.latenessNanos = lateness.toNanos();
            this.points = points;
            Map<Integer, Nic> nicOf = new HashMap<>();
            for (CapturePoint p : points) {
                nicOf.put(p.id(), p.nic());
            }
            kept = keepPackets == null ? KeptPackets.none()
                    : KeptPackets.create(keepPackets, pipelineThreads, Map.copyOf(nicOf)::get);
            for (CapturePoint p : points) {
                counts.put(p.id(), new Counts());
            }
            findings = onFinding == null && sink == null ? null : FindingsAnalyzer.builder()
                    .allowedLateness(lateness)
                    .listener(f -> {
                        findingsEmitted.increment();
                        if (sink != null) {
                            event(this, "sink.onFinding", () -> sink.onFinding(f));
                        }
                        if (onFinding != null) {
                            event(this, "onFinding", () -> onFinding.onFinding(f));
                        }
                    }).build();
            findingsLatenessNanos = findings == null ? 0 : findings.thresholds().allowedLateness().toNanos();
            ExchangeCorrelator.Builder cb = ExchangeCorrelator.builder().allowedLateness(lateness)
                    .listener(path -> {
                        paths.increment();
                        if (findings != null) {
                            findings.onPath(path);
                        }
                        if (sink != null) {
                            event(this, "sink.onPath", () -> sink.onPath(path));
                        }
                        if (onPath != null) {
                            event(this, "onExchangePath", () -> onPath.onPath(path));
                        }
                    });
            if (correlationWindow != null) {
                cb.window(correlationWindow);
            }
            correlator = cb.build();
        }

        Counts counts(int capturePointId) {
            return counts.computeIfAbsent(capturePointId, k -> new Counts());
        }

        void exchange(L7Log log, Nic nic) {
            exchanges.computeIfAbsent(String.valueOf(log.l7Proto()), k -> new LongAdder()).increment();
            synchronized (lock) {
                correlator.offer(log, nic);
                if (findings != null) {
                    findings.onL7(log, nic);
                }
            }
        }

        void l4Record(L4Log log, Nic nic) {
            if (findings != null) {
                synchronized (lock) {
                    findings.onL4(log, nic);
                }
            }
        }

        /** Moves the correlator's and the analyzer's watermarks to the clock minus their lateness. */
        void advance(long nowNanos) {
            synchronized (lock) {
                correlator.advance(nowNanos - latenessNanos);
                if (findings != null) {
                    findings.advance(nowNanos - findingsLatenessNanos);
                }
            }
        }

        void finish() {
            synchronized (lock) {
                correlator.flush();
                if (findings != null) {
                    findings.flush();
                }
            }
        }

        CorrelatorStats correlatorStats() {
            synchronized (lock) {
                return correlator.stats();
            }
        }

        void failed(String callback, RuntimeException e) {
            callbackFailures.incrementAndGet();
            failureLog.failed(callback, e);
            try {
                listener.callbackFailed(callback, e);
            } catch (RuntimeException ignored) {
                callbackFailures.incrementAndGet();
            }
        }

        /** A snapshot; {@code shards} gives the live capture counters (null offline). */
        NetSieveMetrics metrics(List<Shard> shards) {
            Map<Integer, CaptureStats> capture = new HashMap<>();
            if (shards != null) {
                for (Shard s : shards) {
                    List<CaptureStats> cs = s.stats();
                    for (int i = 0; i < s.points.size(); i++) {
                        capture.put(s.points.get(i).id(), cs.get(i));
                    }
                }
            }
            long[] t = new long[Counts.SIZE];
            boolean filteredCounted = true;
            long dk = 0;
            long du = 0;
            List<CapturePointMetrics> per = new ArrayList<>();
            for (CapturePoint p : points) {
                CapturePointStats s = counts(p.id()).stats();
                CaptureStats c = capture.get(p.id());
                long k = c == null ? 0 : c.kernelDropped();
                long u = c == null ? 0 : c.queueDropped();
                per.add(new CapturePointMetrics(p, s, k, u));
                dk += k;
                du += u;
                t[Counts.PACKETS] += s.packets();
                t[Counts.FILTERED] += s.filtered();
                filteredCounted &= s.filteredCounted();
                t[Counts.DECODED] += s.decoded();
                t[Counts.TRUNCATED] += s.truncated();
                t[Counts.MALFORMED] += s.malformed();
                t[Counts.UNSUPPORTED] += s.unsupported();
                t[Counts.L4] += s.l4Records();
                t[Counts.L7] += s.l7Records();
            }
            long created = 0;
            long active = 0;
            long evicted = 0;
            long expired = 0;
            long parse = 0;
            for (Published p : published) {
                L4Stats a = p.l4;
                if (a != null) {
                    created += a.flowsCreated();
                    active += a.flowsActive();
                    evicted += a.flowsEvicted();
                    expired += a.flowsExpired();
                }
                L7Stats b = p.l7;
                if (b != null) {
                    parse += b.requestMalformed() + b.responseMalformed() + b.parserFailures();
                }
            }
            Map<String, Long> byProto = new TreeMap<>();
            exchanges.forEach((k, v) -> byProto.put(k, v.sum()));
            return new NetSieveMetrics(t[Counts.PACKETS], t[Counts.DECODED], t[Counts.FILTERED],
                    t[Counts.TRUNCATED], t[Counts.MALFORMED], t[Counts.UNSUPPORTED], dk, du, created, active, evicted,
                    expired, t[Counts.L4], t[Counts.L7], byProto, parse, paths.sum(), findingsEmitted.sum(),
                    callbackFailures.get(), per, filteredCounted);
        }
    }

    /**
     * One capture point's counters: counted by its pipeline thread in a plain array and published to any thread
     * with release stores (only the changed ones) before the pipeline calls user code (a record, a flow event, a
     * payload), when it publishes its trackers' counters (every {@value #SWEEP_MILLIS} ms) and at the end. So
     * what a callback sees counts every packet up to its own, and a snapshot from elsewhere lags at most one sweep
     * period. A release store through {@code AtomicLongArray} per counter per packet cost ≈ 4 % of the pipeline
     * thread under C1 (perf, the 600 000-frame bulk-download capture).
     */
    private static final class Counts {
        static final int PACKETS = 0;
        static final int FILTERED = 1;
        static final int DECODED = 2;
        static final int TRUNCATED = 3;
        static final int MALFORMED = 4;
        static final int UNSUPPORTED = 5;
        static final int L4 = 6;
        static final int L7 = 7;
        static final int CAPTURED_BYTES = 8;
        static final int WIRE_BYTES = 9;
        static final int SNAPPED = 10;
        static final int FIRST = 11;
        static final int LAST = 12;
        private static final MalformedReason[] REASONS = MalformedReason.values();
        private static final Layer[] LAYERS = Layer.values();
        /** Malformed packets by reason, then truncated ones by layer cut, then packets by layer present. */
        static final int BY_REASON = 13;
        static final int BY_TRUNCATED_LAYER = BY_REASON + REASONS.length;
        static final int BY_LAYER = BY_TRUNCATED_LAYER + LAYERS.length;
        static final int SIZE = BY_LAYER + LAYERS.length;
        /** What other threads read: the counts as last published. */
        private final AtomicLongArray v = new AtomicLongArray(SIZE);
        /** The counts, written by the pipeline thread only. */
        private final long[] counted = new long[SIZE];
        /** What {@code v} holds, as the pipeline thread last stored it (to store only what changed). */
        private final long[] shown = new long[SIZE];
        private final Set<String> linkTypes = new ConcurrentSkipListSet<>();
        /** Written by the pipeline thread only. */
        private int lastLinkType = Integer.MIN_VALUE;
        volatile String format = "";
        /** False for a live interface whose filter runs in the kernel: what it rejects is not counted. */
        volatile boolean filteredCounted = true;
        /** The trackers' counters, when the pipeline that publishes them sees this capture point only. */
        volatile Published published;

        Counts() {
            counted[FIRST] = Long.MAX_VALUE;
            counted[LAST] = Long.MIN_VALUE;
            shown[FIRST] = Long.MAX_VALUE;
            shown[LAST] = Long.MIN_VALUE;
            v.set(FIRST, Long.MAX_VALUE);
            v.set(LAST, Long.MIN_VALUE);
        }

        void inc(int i) {
            counted[i]++;
        }

        /**
         * Packets the kernel filter rejected and counted ({@link FilterPlacement#KERNEL_COUNTED}): filtered.
         * Published at once (called at a sweep, or after the pipeline has ended).
         */
        void rejectedByKernel(long n) {
            add(FILTERED, n);
            add(PACKETS, n);
            publish();
        }

        private void add(int i, long n) {
            counted[i] += n;
        }

        /** Makes the counts visible to {@link #stats()} on any thread (pipeline thread). */
        void publish() {
            for (int i = 0; i < SIZE; i++) {
                long c = counted[i];
                if (c != shown[i]) {
                    shown[i] = c;
                    v.lazySet(i, c);
                }
            }
        }

        void linkType(int linkType) {
            if (linkType != lastLinkType) { // a name (and its set entry) only when the link type changes
                lastLinkType = linkType;
                linkTypes.add(LinkType.name(linkType));
            }
        }

        /** A packet the filter let through, decoded (as core's {@code DecodeStats.record}, plus bytes and time). */
        void analysed(PacketView view, DecodedPacket d) {
            linkType(view.linkType());
            switch (d.outcome()) {
                case DECODED -> inc(DECODED);
                case TRUNCATED -> {
                    inc(TRUNCATED);
                    inc(BY_TRUNCATED_LAYER + d.truncatedLayer().ordinal());
                }
                case MALFORMED -> {
                    inc(MALFORMED);
                    inc(BY_REASON + d.malformedReason().ordinal());
                }
                case UNSUPPORTED_LINK_TYPE -> inc(UNSUPPORTED);
            }
            inc(PACKETS);
            for (long bits = d.layers(); bits != 0; bits &= bits - 1) {
                inc(BY_LAYER + Long.numberOfTrailingZeros(bits));
            }
            add(CAPTURED_BYTES, view.captureLength());
            add(WIRE_BYTES, view.wireLength());
            if (view.isTruncated()) {
                inc(SNAPPED);
            }
            long ts = view.timestampNanos();
            if (ts < counted[FIRST]) {
                counted[FIRST] = ts;
            }
            if (ts > counted[LAST]) {
                counted[LAST] = ts;
            }
        }

        CapturePointStats stats() {
            Map<MalformedReason, Long> reasons = new HashMap<>();
            for (MalformedReason r : REASONS) {
                reasons.put(r, v.get(BY_REASON + r.ordinal()));
            }
            Map<Layer, Long> cut = new HashMap<>();
            Map<Layer, Long> layers = new HashMap<>();
            for (Layer l : LAYERS) {
                cut.put(l, v.get(BY_TRUNCATED_LAYER + l.ordinal()));
                layers.put(l, v.get(BY_LAYER + l.ordinal()));
            }
            Map<DecodeOutcome, Long> outcomes = Map.of(DecodeOutcome.DECODED, v.get(DECODED),
                    DecodeOutcome.TRUNCATED, v.get(TRUNCATED), DecodeOutcome.MALFORMED, v.get(MALFORMED),
                    DecodeOutcome.UNSUPPORTED_LINK_TYPE, v.get(UNSUPPORTED));
            long first = v.get(FIRST);
            long last = v.get(LAST);
            boolean none = first == Long.MAX_VALUE;
            Published p = published;
            L4Stats l4 = p == null ? null : p.l4;
            L7Stats l7 = p == null ? null : p.l7;
            return new CapturePointStats(v.get(PACKETS), v.get(FILTERED), v.get(DECODED), v.get(TRUNCATED),
                    v.get(MALFORMED), v.get(UNSUPPORTED), v.get(L4), v.get(L7), format, List.copyOf(linkTypes),
                    v.get(CAPTURED_BYTES), v.get(WIRE_BYTES), v.get(SNAPPED), none ? 0 : first, none ? 0 : last,
                    new DecodeCounts(outcomes, reasons, cut, layers), l4, l7, filteredCounted);
        }
    }

    /** Builder; every setter validates its argument and may be called once. */
    public static final class Builder {
        private CaptureSet captureSet;
        private List<LiveInterface> live;
        private String filter;
        private FilterPlacement liveFilterPlacement;
        private L4Config l4Config;
        private L7Registry l7Registry;
        private L7Config l7Config;
        private Duration correlationWindow;
        private int threads;
        private InstantSource clock;
        private int ringBytes;
        private int ringFrames;
        private L4LogCallback onL4Log;
        private L7LogCallback onL7Log;
        private ExchangePathListener onPath;
        private NetSieveListener listener;
        private FindingListener onFinding;
        private PayloadHook onPayload;
        private RecordSink sink;
        private ReadProgress onProgress;
        private PacketRetention keepPackets;

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
         * A pcap-filter expression (pcap-filter(7)); packets it refuses go no further and are counted as filtered
         * (live, unless it runs in the kernel uncounted: see {@link #liveFilterPlacement}). Checked here for
         * Ethernet; each capture point's link type gets its own program.
         */
        public Builder filter(String expression) {
            once(filter != null, "filter");
            Objects.requireNonNull(expression, "expression");
            FilterCompiler.builder().linkType(LinkType.ETHERNET).build().compile(expression); // throws with the column
            filter = expression;
            return this;
        }

        /**
         * Where the {@link #filter} runs on live interfaces (default {@link FilterPlacement#KERNEL}): in the kernel,
         * the cheapest (packets it rejects never reach netsieve, and are not counted: the counters say
         * {@code filteredCounted = false}); in the kernel with the kernel counting what it rejects
         * ({@link FilterPlacement#KERNEL_COUNTED}: a second, never read packet socket with the inverted program); or in
         * user space ({@link FilterPlacement#USER}: every packet of the interface is read and the JIT-compiled program
         * runs in the pipeline). With the last two {@code filtered} is exact. Live runs only ({@link #live}); without
         * a filter all three count exactly (nothing is filtered).
         */
        public Builder liveFilterPlacement(FilterPlacement placement) {
            once(liveFilterPlacement != null, "liveFilterPlacement");
            liveFilterPlacement = Objects.requireNonNull(placement, "placement");
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

        /**
         * Pipeline threads (1 to {@value NetSieve#MAX_THREADS}; default 1). Offline, capture points are read
         * {@code threads} at a time; live, the interfaces are sharded over {@code min(threads, interfaces)} threads.
         * Every capture point has its own L4 and L7 trackers (their tables sized by the L4/L7 configuration), also
         * live interfaces that share a thread, so that their counters are theirs: this bounds the threads, not the
         * interfaces, and memory grows with the interfaces.
         */
        public Builder threads(int threads) {
            once(this.threads != 0, "threads");
            if (threads < 1 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("threads must be 1.." + MAX_THREADS + ": " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * The clock of live runs' idle sweeps (default {@link InstantSource#system()}, which is the time base of
         * the kernel's packet timestamps): on a quiet link, time moves to this clock's instant.
         */
        public Builder clock(InstantSource clock) {
            once(this.clock != null, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The bound of each interface's queue between its capture thread and its pipeline thread (live): at most
         * {@code bytes} of frame data and {@code frames} frames (defaults
         * {@value MultiLiveCapture#DEFAULT_RING_BYTES} and {@value MultiLiveCapture#DEFAULT_RING_SLOTS}; at least
         * 65536 bytes and 16 frames, at most 1 GiB). A full queue drops the new frame and counts it.
         */
        public Builder liveQueue(int bytes, int frames) {
            once(ringBytes != 0, "liveQueue");
            if (bytes < 65_536 || bytes > (1 << 30) || frames < 16 || frames > bytes) {
                throw new IllegalArgumentException("liveQueue must hold 65536 bytes to 1 GiB and 16 frames to one per "
                        + "byte: " + bytes + " bytes, " + frames + " frames");
            }
            ringBytes = bytes;
            ringFrames = frames;
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

        /**
         * Each exchange followed across capture points (called when its window closes or at the end, under the
         * run's correlation lock: one call at a time).
         */
        public Builder onExchangePath(ExchangePathListener callback) {
            once(onPath != null, "onExchangePath");
            onPath = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /**
         * Troubleshooting findings ({@link FindingsAnalyzer} with its default thresholds), each when its window
         * closes (under the run's correlation lock: one call at a time).
         */
        public Builder onFinding(FindingListener callback) {
            once(onFinding != null, "onFinding");
            onFinding = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** Zero-copy access to TCP stream bytes and UDP payloads (see {@link PayloadHook}: the view is call-scoped). */
        public Builder onPayload(PayloadHook hook) {
            once(onPayload != null, "onPayload");
            onPayload = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /**
         * Every record of a run to {@code sink} (L4 and L7 records, paths, findings: one call wiring its four
         * callbacks; e.g. a {@code JsonLinesSink}, or several with {@code RecordSink.tee}). It combines with the
         * {@code onL4Log} / {@code onL7Log} / {@code onExchangePath} / {@code onFinding} callbacks: when both are set
         * each record goes to the sink first, then to the callback, on the same thread (the callbacks' threading
         * contract, see {@link NetSieve}); a sink method that throws is counted and logged as
         * {@code sink.onL4Log} (…) and the callback still gets the record. Setting a sink turns the findings
         * analyzer on, as {@code onFinding} does. The run does not close the sink (a {@code NetSieve} may run many
         * times): close it after {@link #run()} or {@link LiveRun#stop()} returns.
         */
        public Builder sink(RecordSink sink) {
            once(this.sink != null, "sink");
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * How far each capture point's file has been read ({@link ReadProgress}: bytes read of the file's size, on
         * the thread reading it), for a progress bar on long inputs; offline runs only.
         */
        public Builder onProgress(ReadProgress progress) {
            once(onProgress != null, "onProgress");
            onProgress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * Keeps copies of the TCP and UDP frames the filter lets through, per connection, within the bounds of
         * {@code retention} (oldest connections evicted first; see {@link PacketRetention}), so that a connection, an
         * exchange or an exchange path can be written to pcap/pcapng after the run or while it goes on
         * ({@link RunSummary#keptPackets()}, {@link LiveRun#packets()}; {@link KeptPackets}). Off by default. Each
         * frame is copied into pooled chunks on its pipeline thread (no allocation per frame once the store has
         * wrapped); the store is allocated per run and lives as long as its {@code KeptPackets} is reachable.
         */
        public Builder keepPackets(PacketRetention retention) {
            once(keepPackets != null, "keepPackets");
            keepPackets = Objects.requireNonNull(retention, "retention");
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
            if (liveFilterPlacement != null && live == null) {
                throw new IllegalStateException("liveFilterPlacement is for live(...) runs: capture files are always"
                        + " filtered in user space");
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
