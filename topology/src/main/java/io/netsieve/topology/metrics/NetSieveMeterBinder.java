package io.netsieve.topology.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netsieve.topology.NetSieveMetrics;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a run's {@link NetSieveMetrics} to Micrometer (an optional dependency: the rest of netsieve runs without
 * Micrometer on the class path, and nothing loads this class unless you do).
 *
 * <pre>{@code
 * NetSieve.LiveRun run = sieve.start();
 * new NetSieveMeterBinder(run::metrics).bindTo(registry);
 * }</pre>
 *
 * <p>Meters (all read the snapshot when the registry polls them; a snapshot is reused for 100 ms so one scrape takes
 * one):
 * <ul>
 *   <li>{@code netsieve.packets} (function counter) tagged {@code outcome}: {@code processed}, {@code filtered},
 *       {@code truncated}, {@code malformed}, {@code unsupported}, {@code dropped_kernel}, {@code dropped_queue}.
 *       {@code filtered} is registered once a snapshot counts it ({@link NetSieveMetrics#filteredCounted()}): a live
 *       run whose filter runs in the kernel has no {@code filtered} counter (the kernel does not count what it
 *       rejects; a counter stuck at 0 would say nothing was filtered), and a counter registered earlier reads NaN
 *       while the snapshots do not count;</li>
 *   <li>{@code netsieve.flows.active} (gauge); {@code netsieve.flows.created}, {@code netsieve.flows.evicted},
 *       {@code netsieve.flows.expired} (function counters);</li>
 *   <li>{@code netsieve.l4.records}; {@code netsieve.exchanges} tagged {@code protocol} (the {@code l7_proto}: one
 *       counter per protocol seen, added as protocols appear); {@code netsieve.parse.failures};
 *       {@code netsieve.paths}; {@code netsieve.findings}; {@code netsieve.callback.failures}.</li>
 * </ul>
 * Every meter also carries the tags given to the constructor. The registry keeps this binder alive (the
 * {@code netsieve.flows.active} gauge holds it strongly).
 */
public final class NetSieveMeterBinder implements MeterBinder {
    private static final long REUSE_NANOS = 100_000_000L;

    private final Supplier<NetSieveMetrics> source;
    private final Tags tags;
    private final Set<String> protocols = ConcurrentHashMap.newKeySet();
    private volatile boolean filteredRegistered;
    private volatile MeterRegistry registry;
    private volatile NetSieveMetrics last;
    private volatile long lastNanos;

    /** Binds the snapshots {@code source} gives (e.g. {@code liveRun::metrics}, or a finished run's summary). */
    public NetSieveMeterBinder(Supplier<NetSieveMetrics> source) {
        this(source, Tags.empty());
    }

    public NetSieveMeterBinder(Supplier<NetSieveMetrics> source, Iterable<Tag> tags) {
        this.source = Objects.requireNonNull(source, "source");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        packets(registry, "processed", NetSieveMetrics::processed);
        packets(registry, "truncated", NetSieveMetrics::truncated);
        packets(registry, "malformed", NetSieveMetrics::malformed);
        packets(registry, "unsupported", NetSieveMetrics::unsupported);
        packets(registry, "dropped_kernel", NetSieveMetrics::droppedByKernel);
        packets(registry, "dropped_queue", NetSieveMetrics::droppedByUs);
        Gauge.builder("netsieve.flows.active", this, b -> b.snapshot().flowsActive()).tags(tags)
                .description("TCP connections and UDP flows open").strongReference(true).register(registry);
        counter(registry, "netsieve.flows.created", "flows the L4 trackers created", NetSieveMetrics::flowsCreated);
        counter(registry, "netsieve.flows.evicted", "flows ended early because an L4 table was full",
                NetSieveMetrics::flowsEvicted);
        counter(registry, "netsieve.flows.expired", "flows ended by an idle timeout", NetSieveMetrics::flowsExpired);
        counter(registry, "netsieve.l4.records", "bpf_net_l4_log records written", NetSieveMetrics::l4Records);
        counter(registry, "netsieve.parse.failures", "L7 requests or responses that could not be parsed",
                NetSieveMetrics::parseFailures);
        counter(registry, "netsieve.paths", "exchanges followed across capture points", NetSieveMetrics::paths);
        counter(registry, "netsieve.findings", "troubleshooting findings", NetSieveMetrics::findings);
        counter(registry, "netsieve.callback.failures", "user callbacks that threw",
                NetSieveMetrics::callbackFailures);
        NetSieveMetrics first = snapshot();
        protocols(first.exchangesByProtocol());
        filtered(first);
    }

    /** Registers {@code outcome=filtered} once a snapshot counts the filtered packets. */
    private void filtered(NetSieveMetrics m) {
        MeterRegistry r = registry;
        if (r == null || filteredRegistered || !m.filteredCounted()) {
            return;
        }
        synchronized (this) {
            if (!filteredRegistered) {
                filteredRegistered = true;
                packets(r, "filtered", s -> s.filteredCounted() ? s.filtered() : Double.NaN);
            }
        }
    }

    private void packets(MeterRegistry registry, String outcome, ToDoubleFunction<NetSieveMetrics> value) {
        FunctionCounter.builder("netsieve.packets", this, b -> value.applyAsDouble(b.snapshot())).tags(tags)
                .tag("outcome", outcome).description("packets by what became of them").baseUnit("packets")
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description,
                         ToDoubleFunction<NetSieveMetrics> value) {
        FunctionCounter.builder(name, this, b -> value.applyAsDouble(b.snapshot())).tags(tags)
                .description(description).register(registry);
    }

    /** Registers a counter for each protocol not seen before. */
    private void protocols(Map<String, Long> byProtocol) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        for (String protocol : List.copyOf(byProtocol.keySet())) {
            if (protocols.add(protocol)) {
                FunctionCounter.builder("netsieve.exchanges", this,
                                b -> b.snapshot().exchangesByProtocol().getOrDefault(protocol, 0L))
                        .tags(tags).tag("protocol", protocol).description("L7 exchanges (bpf_net_l7_log records)")
                        .register(r);
            }
        }
    }

    /** The snapshot, reused for 100 ms; new protocols (and a first counted {@code filtered}) get their counter. */
    private NetSieveMetrics snapshot() {
        NetSieveMetrics m = last;
        long now = System.nanoTime();
        if (m == null || now - lastNanos > REUSE_NANOS) {
            m = source.get();
            last = m;
            lastNanos = now;
            protocols(m.exchangesByProtocol());
            filtered(m);
        }
        return m;
    }
}
