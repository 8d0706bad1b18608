package io.netsieve.topology;

import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
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
 * <p>Offline runs read the capture points one after another on the calling thread; the correlator waits for the
 * end of input (unbounded lateness) and is flushed when the last capture point is done. Live capture comes later.
 */
public final class NetSieve {
    private final CaptureSet captureSet;
    private final String filter;
    private final L4Config l4Config;
    private final L7Registry l7Registry;
    private final L7Config l7Config;
    private final Duration correlationWindow;
    private final L4LogCallback onL4Log;
    private final L7LogCallback onL7Log;
    private final ExchangePathListener onPath;
    private final NetSieveListener listener;

    private NetSieve(Builder b) {
        this.captureSet = b.captureSet;
        this.filter = b.filter;
        this.l4Config = b.l4Config != null ? b.l4Config : L4Config.defaults();
        this.l7Registry = b.l7Registry != null ? b.l7Registry : L7Registry.defaults();
        this.l7Config = b.l7Config != null ? b.l7Config : L7Config.defaults();
        this.correlationWindow = b.correlationWindow;
        this.onL4Log = b.onL4Log;
        this.onL7Log = b.onL7Log;
        this.onPath = b.onPath;
        this.listener = b.listener != null ? b.listener : new NetSieveListener() { };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads every capture point to its end and returns what happened; records went to the callbacks. */
    public RunSummary run() {
        Run run = new Run();
        ExchangeCorrelator.Builder cb = ExchangeCorrelator.builder().allowedLateness(Duration.ofDays(36_500))
                .listener(path -> {
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
        ExchangeCorrelator correlator = cb.build();
        Map<CapturePoint, CapturePointStats> stats = new LinkedHashMap<>();
        Map<CapturePoint, String> errors = new LinkedHashMap<>();
        Map<Integer, BpfFilter> filters = new HashMap<>();
        for (CapturePoint point : captureSet.points()) {
            Counts c = new Counts();
            try {
                listener.capturePointStart(point);
            } catch (RuntimeException e) {
                run.failed("capturePointStart", e);
            }
            Exception failure = null;
            try {
                process(point, c, correlator, filters, run);
            } catch (Exception e) {
                failure = e;
            }
            CapturePointStats s = c.stats();
            stats.put(point, s);
            try {
                if (failure == null) {
                    listener.capturePointEnd(point, s);
                } else {
                    errors.put(point, String.valueOf(failure.getMessage()));
                    listener.capturePointFailed(point, s, failure);
                }
            } catch (RuntimeException e) {
                run.failed("capturePointEnd", e);
            }
        }
        correlator.flush();
        return new RunSummary(stats, errors, correlator.stats(), run.callbackFailures);
    }

    private void process(CapturePoint point, Counts c, ExchangeCorrelator correlator, Map<Integer, BpfFilter> filters,
                         Run run) throws Exception {
        Nic nic = point.nic();
        L7Tracker l7 = L7Tracker.builder().registry(l7Registry).config(l7Config).listener(log -> {
            c.l7Records++;
            correlator.offer(log, nic);
            if (onL7Log != null) {
                try {
                    onL7Log.onL7Log(log, nic);
                } catch (RuntimeException e) {
                    run.failed("onL7Log", e);
                }
            }
        }).build();
        L4Tracker l4 = L4Tracker.builder().config(l4Config).nics(id -> nic).listener(log -> {
            c.l4Records++;
            if (onL4Log != null) {
                try {
                    onL4Log.onL4Log(log, nic);
                } catch (RuntimeException e) {
                    run.failed("onL4Log", e);
                }
            }
        }).streams(l7.streams()).datagrams(l7.datagrams()).build();
        PacketView view = new PacketView();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(point.file(), point.id())) {
            int linkType = Integer.MIN_VALUE;
            BpfFilter f = null;
            while (reader.next(view)) {
                c.packets++;
                if (filter != null) {
                    if (view.linkType() != linkType) {
                        linkType = view.linkType();
                        f = filters.computeIfAbsent(linkType, this::compile);
                    }
                    if (f.apply(view) == 0) {
                        c.filtered++;
                        continue;
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
        } finally {
            l4.flush();
        }
    }

    private BpfFilter compile(int linkType) {
        return BpfJit.compile(FilterCompiler.builder().linkType(linkType).build().compile(filter));
    }

    /** Per run: the callback failures (runs are independent; a run is on one thread). */
    private final class Run {
        long callbackFailures;

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
        private String filter;
        private L4Config l4Config;
        private L7Registry l7Registry;
        private L7Config l7Config;
        private Duration correlationWindow;
        private L4LogCallback onL4Log;
        private L7LogCallback onL7Log;
        private ExchangePathListener onPath;
        private NetSieveListener listener;

        private Builder() {
        }

        /** The capture points (files with their NIC metadata, e.g. from {@code CaptureManifest.read}). */
        public Builder captureSet(CaptureSet set) {
            once(captureSet != null, "captureSet/files");
            captureSet = Objects.requireNonNull(set, "set");
            return this;
        }

        /** Plain capture files, each a capture point with a default NIC. */
        public Builder files(List<Path> files) {
            once(captureSet != null, "captureSet/files");
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

        public Builder listener(NetSieveListener listener) {
            once(this.listener != null, "listener");
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public NetSieve build() {
            if (captureSet == null) {
                throw new IllegalStateException("no capture points: set captureSet(...) or files(...)");
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
