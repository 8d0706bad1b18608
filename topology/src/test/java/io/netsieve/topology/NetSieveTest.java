package io.netsieve.topology;

import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l7.L7Log;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieve} on the bundled demo lab set: every packet read ends in one counter (the packet counts are
 * tshark's), a filter keeps exactly what tshark's equivalent display filter keeps, records and paths reach the
 * callbacks, a callback that throws is counted and the run goes on, and the builder refuses what it must.
 */
class NetSieveTest {
    private static final Path DEMO = DemoReplay.DEMO;

    @Test
    void everyPacketEndsInOneCounterAndRecordsReachTheCallbacks() throws Exception {
        Prerequisites.requireCommand("tshark");
        CaptureSet set = CaptureManifest.read(DEMO);
        List<L7Log> l7 = new ArrayList<>();
        AtomicLong l4 = new AtomicLong();
        List<ExchangePath> paths = new ArrayList<>();
        RunSummary s = NetSieve.builder().captureSet(set)
                .onL4Log((log, nic) -> l4.incrementAndGet())
                .onL7Log((log, nic) -> l7.add(log))
                .onExchangePath(paths::add)
                .build().run();
        assertTrue(s.complete(), s.errors().toString());
        assertEquals(0, s.callbackFailures());
        for (Map.Entry<CapturePoint, CapturePointStats> e : s.capturePoints().entrySet()) {
            CapturePointStats c = e.getValue();
            long tshark = Tshark.fields(e.getKey().file(), List.of("frame.number")).rows().size();
            assertEquals(tshark, c.packets(), e.getKey().file() + ": packets read");
            assertEquals(c.packets(), c.filtered() + c.decoded() + c.truncated() + c.malformed() + c.unsupported());
            assertEquals(0, c.filtered());
        }
        assertEquals(l4.get(), s.capturePoints().values().stream().mapToLong(CapturePointStats::l4Records).sum());
        assertEquals(l7.size(), s.capturePoints().values().stream().mapToLong(CapturePointStats::l7Records).sum());
        assertTrue(paths.stream().anyMatch(p -> p.hops().size() == 8), "pod-to-pod paths");
        assertEquals(s.correlation().offered(), l7.size());
    }

    @Test
    void findingsReachTheirCallback() throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        List<Finding> findings = new ArrayList<>();
        NetSieve.builder().captureSet(set).onFinding(findings::add).build().run();
        // the demo README's failures: a refused and a timed-out connection, GET /error's 500, the DNS REFUSED
        List<FindingKind> kinds = findings.stream().map(Finding::kind).toList();
        for (FindingKind k : List.of(FindingKind.CONNECTION_REFUSED, FindingKind.CONNECTION_TIMEOUT,
                FindingKind.HTTP_5XX, FindingKind.DNS_FAILURE)) {
            assertTrue(kinds.contains(k), k + " in " + kinds);
        }
    }

    @Test
    void aFilterKeepsWhatTsharksEquivalentKeeps() throws Exception {
        Prerequisites.requireCommand("tshark");
        CaptureSet set = CaptureManifest.read(DEMO);
        List<L7Log> l7 = new ArrayList<>();
        RunSummary s = NetSieve.builder().captureSet(set).filter("tcp port 6379")
                .onL7Log((log, nic) -> l7.add(log)).build().run();
        for (Map.Entry<CapturePoint, CapturePointStats> e : s.capturePoints().entrySet()) {
            CapturePointStats c = e.getValue();
            long kept = Tshark.fields(e.getKey().file(), List.of("frame.number"), "-Y", "tcp.port == 6379").rows().size();
            assertEquals(kept, c.packets() - c.filtered(), e.getKey().file() + ": packets through the filter");
        }
        assertTrue(!l7.isEmpty() && l7.stream().allMatch(x -> x.l7Proto().equals("redis")), "only Redis left");
    }

    @Test
    void aThrowingCallbackIsCountedAndTheRunGoesOn() throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        List<String> failed = new ArrayList<>();
        AtomicLong seen = new AtomicLong();
        RunSummary s = NetSieve.builder().captureSet(set)
                .onL7Log((log, nic) -> {
                    seen.incrementAndGet();
                    throw new IllegalStateException("user bug");
                })
                .listener(new NetSieveListener() {
                    @Override
                    public void callbackFailed(String callback, RuntimeException error) {
                        failed.add(callback);
                    }
                }).build().run();
        assertTrue(seen.get() > 20);
        assertEquals(seen.get(), s.callbackFailures());
        assertEquals(seen.get(), failed.size());
        assertTrue(failed.stream().allMatch("onL7Log"::equals));
        assertTrue(s.complete());
    }

    @Test
    void theBuilderRefusesWhatItMust() throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        FilterCompileException bad = assertThrows(FilterCompileException.class,
                () -> NetSieve.builder().filter("tcp prot 80"));
        assertTrue(bad.getMessage().contains("prot"), bad.getMessage());
        NetSieve.Builder b = NetSieve.builder().captureSet(set);
        assertThrows(IllegalStateException.class, () -> b.captureSet(set));
        assertThrows(IllegalStateException.class, () -> b.files(List.of(Path.of("x.pcap"))));
        assertThrows(IllegalStateException.class, () -> NetSieve.builder().build());
        assertThrows(IllegalArgumentException.class, () -> NetSieve.builder().files(List.of()));
    }
}
