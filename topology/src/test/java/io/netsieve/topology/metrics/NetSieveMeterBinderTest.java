package io.netsieve.topology.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.NetSieveMetrics;
import io.netsieve.topology.RunSummary;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieveMeterBinder} on a real {@link SimpleMeterRegistry} reading the metrics of real runs on the demo
 * set: every meter reads its snapshot value, protocols that appear later get their counter; and netsieve runs
 * without Micrometer on the class path.
 */
class NetSieveMeterBinderTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    private static double counter(MeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void theMetersReadTheRunsMetrics() throws Exception {
        RunSummary dnsOnly = NetSieve.builder().captureSet(CaptureManifest.read(DEMO)).filter("udp port 53")
                .build().run();
        RunSummary all = NetSieve.builder().captureSet(CaptureManifest.read(DEMO)).onFinding(f -> { })
                .build().run();
        AtomicReference<NetSieveMetrics> current = new AtomicReference<>(dnsOnly.metrics());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new NetSieveMeterBinder(current::get, Tags.of("run", "demo")).bindTo(registry);
        NetSieveMetrics d = dnsOnly.metrics();
        assertEquals(Map.of("dns", d.exchanges()), d.exchangesByProtocol());
        assertEquals(d.filtered(), counter(registry, "netsieve.packets", "outcome", "filtered", "run", "demo"));
        assertEquals(d.exchanges(), counter(registry, "netsieve.exchanges", "protocol", "dns"));
        assertThrows(RuntimeException.class, () -> registry.get("netsieve.exchanges").tag("protocol", "http")
                .functionCounter());

        current.set(all.metrics());
        Thread.sleep(150); // past the snapshot's reuse
        NetSieveMetrics m = all.metrics();
        assertEquals(m.processed(), counter(registry, "netsieve.packets", "outcome", "processed"));
        assertEquals(m.truncated(), counter(registry, "netsieve.packets", "outcome", "truncated"));
        assertEquals(m.malformed(), counter(registry, "netsieve.packets", "outcome", "malformed"));
        assertEquals(m.unsupported(), counter(registry, "netsieve.packets", "outcome", "unsupported"));
        assertEquals(0, counter(registry, "netsieve.packets", "outcome", "filtered"));
        assertEquals(0, counter(registry, "netsieve.packets", "outcome", "dropped_kernel"));
        assertEquals(0, counter(registry, "netsieve.packets", "outcome", "dropped_queue"));
        assertEquals(m.flowsCreated(), counter(registry, "netsieve.flows.created"));
        assertEquals(0, registry.get("netsieve.flows.active").gauge().value());
        assertEquals(m.l4Records(), counter(registry, "netsieve.l4.records"));
        assertEquals(m.paths(), counter(registry, "netsieve.paths"));
        assertEquals(m.findings(), counter(registry, "netsieve.findings"));
        assertTrue(m.findings() > 0 && m.paths() > 0 && m.processed() > 0);
        for (Map.Entry<String, Long> e : m.exchangesByProtocol().entrySet()) {
            assertEquals((double) e.getValue(), counter(registry, "netsieve.exchanges", "protocol", e.getKey()), e.getKey());
        }
        assertTrue(m.exchangesByProtocol().size() >= 3, m.exchangesByProtocol().toString());
    }

    @Test
    void netsieveRunsWithoutMicrometerOnTheClassPath() throws Exception {
        List<URL> urls = new ArrayList<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.contains("micrometer") && !entry.contains("HdrHistogram")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class,
                    () -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"), "Micrometer is gone");
            Class<?> netSieve = loader.loadClass("io.netsieve.topology.NetSieve");
            Class<?> manifest = loader.loadClass("io.netsieve.core.nic.CaptureManifest");
            Class<?> captureSet = loader.loadClass("io.netsieve.core.nic.CaptureSet");
            Object set = manifest.getMethod("read", Path.class).invoke(null, DEMO);
            Object builder = netSieve.getMethod("builder").invoke(null);
            builder.getClass().getMethod("captureSet", captureSet).invoke(builder, set);
            builder.getClass().getMethod("threads", int.class).invoke(builder, 2);
            Object sieve = builder.getClass().getMethod("build").invoke(builder);
            Object summary = netSieve.getMethod("run").invoke(sieve);
            Object metrics = summary.getClass().getMethod("metrics").invoke(summary);
            long exchanges = (long) metrics.getClass().getMethod("exchanges").invoke(metrics);
            assertTrue(exchanges > 50, "exchanges: " + exchanges);
        }
    }
}
