package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.Transport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link NetSieveMetrics} snapshot and the lifecycle events of {@link NetSieveListener} on the bundled demo set,
 * checked against what the record callbacks received and against tshark's packet counts: every flow that starts
 * ends once, the flows the L4 tracker created are the connections of the L4 records, exchanges by protocol and
 * parse failures are the L7 records', evictions (a tiny flow table) are the records marked evicted; a failing
 * callback is logged through slf4j, rate limited.
 */
class NetSieveMetricsTest {

    /** Counts every lifecycle event. */
    private static final class Events implements NetSieveListener {
        final Set<String> started = new HashSet<>();
        final Set<String> ended = new HashSet<>();
        final Set<String> evictedIds = new HashSet<>();
        final AtomicLong starts = new AtomicLong();
        final AtomicLong ends = new AtomicLong();
        final AtomicLong evicted = new AtomicLong();
        final AtomicLong exchanges = new AtomicLong();
        final AtomicLong parseFailures = new AtomicLong();

        @Override
        public void flowStart(Nic nic, Transport transport, StreamInfo flow) {
            starts.incrementAndGet();
            started.add(nic.label() + "|" + flow.innerTraceId());
        }

        @Override
        public void flowEnd(Nic nic, Transport transport, StreamInfo flow, long timestampNanos) {
            ends.incrementAndGet();
            ended.add(nic.label() + "|" + flow.innerTraceId());
        }

        @Override
        public void flowEvicted(Nic nic, Transport transport, StreamInfo flow, long timestampNanos) {
            evicted.incrementAndGet();
            evictedIds.add(nic.label() + "|" + flow.innerTraceId());
        }

        @Override
        public void exchange(Nic nic, L7Log exchange) {
            exchanges.incrementAndGet();
        }

        @Override
        public void parseFailure(Nic nic, L7Log exchange) {
            parseFailures.incrementAndGet();
        }
    }

    @Test
    void metricsAndLifecycleEventsAgreeWithTheRecordsAndTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        Events events = new Events();
        List<L4Log> l4 = new ArrayList<>();
        List<L7Log> l7 = new ArrayList<>();
        AtomicLong paths = new AtomicLong();
        AtomicLong findings = new AtomicLong();
        RunSummary s = NetSieve.builder().captureSet(set).listener(events)
                .onL4Log((log, nic) -> l4.add(log))
                .onL7Log((log, nic) -> l7.add(log))
                .onExchangePath(p -> paths.incrementAndGet())
                .onFinding(f -> findings.incrementAndGet())
                .build().run();
        NetSieveMetrics m = s.metrics();
        long frames = 0;
        for (CapturePoint p : set.points()) {
            frames += Tshark.fields(p.file(), List.of("frame.number")).rows().size();
        }
        assertEquals(frames, m.packets(), "packets: tshark's frames");
        assertEquals(m.packets(), m.processed() + m.filtered() + m.truncated() + m.malformed() + m.unsupported());
        assertTrue(m.processed() > 0.9 * m.packets(), m.toString());
        assertEquals(0, m.droppedByKernel());
        assertEquals(0, m.droppedByUs());
        assertEquals(l4.size(), m.l4Records());
        assertEquals(l7.size(), m.exchanges());
        assertEquals(l7.stream().collect(Collectors.groupingBy(L7Log::l7Proto, TreeMap::new, Collectors.counting())),
                m.exchangesByProtocol());
        assertTrue(m.exchangesByProtocol().keySet().containsAll(List.of("http", "dns", "redis")),
                m.exchangesByProtocol().toString());
        long malformed = l7.stream().filter(r -> r.status() == L7Status.REQUEST_MALFORMED
                || r.status() == L7Status.RESPONSE_MALFORMED).count();
        assertEquals(malformed, m.parseFailures());
        assertEquals(malformed, events.parseFailures.get());
        assertEquals(l7.size(), events.exchanges.get());
        assertEquals(paths.get(), m.paths());
        assertEquals(s.correlation().paths(), m.paths());
        assertEquals(findings.get(), m.findings());
        assertTrue(m.findings() >= 4, "the demo's failures");
        assertEquals(0, m.callbackFailures());
        // flows: what L4 created is what the records are about, and every start has its end
        Set<String> connections = l4.stream().map(r -> r.nic().label() + "|" + r.innerTraceId())
                .collect(Collectors.toSet());
        assertEquals(connections.size(), m.flowsCreated());
        assertEquals(connections, events.started);
        assertEquals(events.started, events.ended);
        assertEquals(m.flowsCreated(), events.starts.get());
        assertEquals(m.flowsCreated(), events.ends.get());
        assertEquals(0, m.flowsActive(), "flushed at the end");
        assertEquals(0, m.flowsEvicted());
        assertEquals(0, events.evicted.get());
        assertEquals(set.points().size(), m.capturePoints().size());
        for (CapturePointMetrics c : m.capturePoints()) {
            assertEquals(s.capturePoints().get(c.point()), c.stats());
        }
    }

    @Test
    void aFullFlowTableIsReportedAsEvictionsInsteadOfEnds() throws Exception {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        Events events = new Events();
        List<L4Log> evicted = new ArrayList<>();
        RunSummary s = NetSieve.builder().captureSet(set).listener(events)
                .l4Config(L4Config.builder().maxFlows(2).build())
                .onL4Log((log, nic) -> {
                    if (log.evicted()) {
                        evicted.add(log);
                    }
                })
                .build().run();
        NetSieveMetrics m = s.metrics();
        assertTrue(events.evicted.get() > 10, m.toString());
        // L4 counts every eviction, also of flows already closed and waiting out TIME_WAIT (their flowEnd was told)
        assertTrue(events.evicted.get() <= m.flowsEvicted(), events.evicted.get() + " > " + m.flowsEvicted());
        assertEquals(events.starts.get(), events.ends.get() + events.evicted.get(), "each flow ends once");
        assertEquals(m.flowsCreated(), events.starts.get());
        // the evicted flows' records (those that still had packets to write) are marked evicted
        assertTrue(!evicted.isEmpty());
        for (L4Log r : evicted) {
            assertTrue(events.evictedIds.contains(r.nic().label() + "|" + r.innerTraceId()), r.innerTraceId());
        }
        assertTrue(events.ended.stream().noneMatch(events.evictedIds::contains), "ended or evicted, not both");
    }

    @Test
    void aFailingCallbackIsLoggedThroughSlf4jRateLimited() throws Exception {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        RunSummary s;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            s = NetSieve.builder().captureSet(set)
                    .onL7Log((log, nic) -> {
                        throw new IllegalStateException("user bug in " + log.l7Proto());
                    }).build().run();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        long lines = log.lines().filter(l -> l.contains("netsieve: callback onL7Log threw")).count();
        assertTrue(s.callbackFailures() > 20, "failures: " + s.callbackFailures());
        assertEquals(s.callbackFailures(), s.metrics().callbackFailures());
        assertEquals(10, lines, "the first 10 failures, then at most one line per 10 s (the run is shorter):\n" + log);
        assertTrue(log.contains("WARN io.netsieve.topology.NetSieve"), log);
        assertTrue(log.contains("java.lang.IllegalStateException: user bug in "), "with the stack trace");
    }

    @Test
    void theMetricsTypesAreImmutable() throws Exception {
        RunSummary s = NetSieve.builder().captureSet(CaptureManifest.read(DemoReplay.DEMO)).build().run();
        Map<String, Long> byProto = s.metrics().exchangesByProtocol();
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, () -> byProto.put("x", 1L));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> s.metrics().capturePoints().clear());
    }
}
