package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.sink.JsonLinesSink;
import io.netsieve.topology.sink.RecordSink;
import io.netsieve.topology.sink.RecordType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieve.Builder#sink} on the demo set: one call wires the four record types into a real
 * {@link JsonLinesSink} (one line per record the run counted), it combines with the separately set callbacks (each
 * record to the sink, then to the callback), a sink that throws is counted and the callbacks still get every record,
 * the run leaves the sink open, and the builder takes one sink.
 */
class NetSieveSinkTest {

    /** Writes down the order in which records reach it. */
    private record Recorder(List<String> seen) implements RecordSink {
        @Override
        public void onL4Log(L4Log log, Nic nic) {
            seen.add("sink l4 " + log.innerTraceId() + " " + log.chunkId());
        }

        @Override
        public void onL7Log(L7Log log, Nic nic) {
            seen.add("sink l7 " + log.innerTraceId() + " " + log.l7TraceId());
        }

        @Override
        public void onPath(ExchangePath path) {
            seen.add("sink path " + path.key());
        }

        @Override
        public void onFinding(Finding finding) {
            seen.add("sink finding " + finding.kind() + " " + finding.subject());
        }

        @Override
        public void close() {
            seen.add("closed");
        }
    }

    @Test
    void oneCallWiresEveryRecordTypeAndCombinesWithTheCallbacks(@TempDir Path tmp) throws Exception {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        RunSummary run;
        try (JsonLinesSink json = JsonLinesSink.builder().directory(tmp).build()) {
            run = NetSieve.builder().captureSet(set)
                    .sink(RecordSink.tee(json, new Recorder(seen)))
                    .onL4Log((log, nic) -> seen.add("callback l4 " + log.innerTraceId() + " " + log.chunkId()))
                    .onL7Log((log, nic) -> seen.add("callback l7 " + log.innerTraceId() + " " + log.l7TraceId()))
                    .onExchangePath(path -> seen.add("callback path " + path.key()))
                    .onFinding(f -> seen.add("callback finding " + f.kind() + " " + f.subject()))
                    .build().run();
            assertFalse(seen.contains("closed"), "the run leaves the sink open");
            assertEquals(run.metrics().l4Records(), json.written(RecordType.L4));
        }
        NetSieveMetrics m = run.metrics();
        assertEquals(0, run.callbackFailures());
        assertTrue(m.l4Records() > 100 && m.exchanges() > 100 && m.paths() > 10 && m.findings() > 5, m.toString());
        assertEquals(m.l4Records(), Files.readAllLines(tmp.resolve("l4.jsonl")).size());
        assertEquals(m.exchanges(), Files.readAllLines(tmp.resolve("l7.jsonl")).size());
        assertEquals(m.paths(), Files.readAllLines(tmp.resolve("paths.jsonl")).size());
        assertEquals(m.findings(), Files.readAllLines(tmp.resolve("findings.jsonl")).size());
        // every record: the sink's call right before the callback's, for each of the four types
        List<String> events = seen.stream().filter(e -> !e.equals("closed")).toList();
        assertEquals(2 * (m.l4Records() + m.exchanges() + m.paths() + m.findings()), events.size());
        for (int i = 0; i < events.size(); i += 2) {
            assertTrue(events.get(i).startsWith("sink "), events.get(i));
            assertEquals(events.get(i).substring(5), events.get(i + 1).substring("callback ".length()),
                    "the same record to the sink, then the callback");
        }
    }

    @Test
    void aThrowingSinkIsCountedAndTheCallbacksStillGetEveryRecord() throws Exception {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        List<L7Log> l7 = Collections.synchronizedList(new ArrayList<>());
        RecordSink broken = new RecordSink() {
            @Override
            public void onL4Log(L4Log log, Nic nic) {
            }

            @Override
            public void onL7Log(L7Log log, Nic nic) {
                throw new IllegalStateException("disk full");
            }

            @Override
            public void onPath(ExchangePath path) {
            }

            @Override
            public void onFinding(Finding finding) {
            }

            @Override
            public void close() {
            }
        };
        RunSummary run = NetSieve.builder().captureSet(set).sink(broken)
                .onL7Log((log, nic) -> l7.add(log))
                .listener(new NetSieveListener() {
                    @Override
                    public void callbackFailed(String callback, RuntimeException error) {
                        failed.add(callback);
                    }
                }).build().run();
        assertTrue(run.complete());
        assertTrue(run.metrics().exchanges() > 100);
        assertEquals(run.metrics().exchanges(), l7.size(), "the callback got every record");
        assertEquals(run.metrics().exchanges(), run.callbackFailures());
        assertEquals(run.metrics().exchanges(), failed.size());
        assertTrue(failed.stream().allMatch("sink.onL7Log"::equals), failed.toString());
    }

    @Test
    void theBuilderTakesOneSinkAndOneProgressHook() {
        RecordSink sink = new Recorder(new ArrayList<>());
        NetSieve.Builder b = NetSieve.builder().sink(sink).onProgress((p, read, size) -> { });
        assertThrows(IllegalStateException.class, () -> b.sink(sink));
        assertThrows(IllegalStateException.class, () -> b.onProgress((p, read, size) -> { }));
        assertThrows(NullPointerException.class, () -> NetSieve.builder().sink(null));
        assertThrows(NullPointerException.class, () -> NetSieve.builder().onProgress(null));
    }
}
