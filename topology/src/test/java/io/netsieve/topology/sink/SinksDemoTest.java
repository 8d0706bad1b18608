package io.netsieve.topology.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.topology.CapturePointStats;
import io.netsieve.topology.DemoReplay;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sinks wired to {@link NetSieve}'s callbacks on the bundled demo set: one JSON line per record the run counted,
 * with the record model's names; the line-protocol files and the same lines posted to a loopback endpoint that
 * fails with 500 and 429 first; a disk that fails is counted, not thrown into the pipeline.
 */
class SinksDemoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static NetSieve.Builder demo() throws IOException {
        return NetSieve.builder().captureSet(CaptureManifest.read(DemoReplay.DEMO));
    }

    private static long l4Records(RunSummary s) {
        return s.capturePoints().values().stream().mapToLong(CapturePointStats::l4Records).sum();
    }

    private static long l7Records(RunSummary s) {
        return s.capturePoints().values().stream().mapToLong(CapturePointStats::l7Records).sum();
    }

    @Test
    void jsonLinesHoldEveryRecordWithTheReferenceNames(@TempDir Path tmp) throws IOException {
        RunSummary summary;
        JsonLinesSink sink = JsonLinesSink.builder().directory(tmp).build();
        try (sink) {
            summary = demo().onL4Log(sink::onL4Log).onL7Log(sink::onL7Log).onExchangePath(sink::onPath)
                    .onFinding(sink::onFinding).build().run();
        }
        assertEquals(0, summary.callbackFailures());
        List<String> l4 = Files.readAllLines(tmp.resolve("l4.jsonl"));
        List<String> l7 = Files.readAllLines(tmp.resolve("l7.jsonl"));
        assertEquals(l4Records(summary), l4.size());
        assertEquals(l7Records(summary), l7.size());
        assertEquals(sink.written(RecordType.L4), l4.size());
        assertEquals(summary.correlation().paths(), Files.readAllLines(tmp.resolve("paths.jsonl")).size());
        List<String> findings = Files.readAllLines(tmp.resolve("findings.jsonl"));
        assertEquals(7, findings.size(), "the demo set's seven findings");
        for (String line : l4) {
            JsonNode r = JSON.readTree(line);
            assertEquals("bpf_net_l4_log", r.get("source").asText());
            for (String f : List.of("host", "nic_name", "src_ip", "src_port", "dst_ip", "dst_port", "direction",
                    "conn_side", "l4_proto", "inner_traceid", "nic_traceid", "chunk_id", "tx_packets", "rx_packets",
                    "tx_bytes", "rx_bytes", "conn_state", "history")) {
                assertTrue(r.has(f), f + " in " + line);
            }
            assertEquals(r.get("tx_packets").asLong() + r.get("rx_packets").asLong(), r.get("packets").size(), line);
        }
        for (String line : l7) {
            JsonNode r = JSON.readTree(line);
            assertEquals("bpf_net_l7_log", r.get("source").asText());
            if (r.get("l4_proto").asText().equals("tcp") && !r.get("req_seq").isNull()
                    && !r.get("resp_seq").isNull()) {
                assertEquals(r.get("req_seq").asText() + "_" + r.get("resp_seq").asText(),
                        r.get("l7_traceid").asText(), line);
            }
        }
        Set<String> kinds = findings.stream().map(f -> {
            try {
                return JSON.readTree(f).get("kind").asText();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.toSet());
        assertEquals(Set.of("connection_timeout", "connection_refused", "http_5xx", "http_4xx", "dns_failure",
                "nat_in_path"), kinds);
    }

    @Test
    void onlyTheChosenRecordTypesGetAFile(@TempDir Path tmp) throws IOException {
        try (JsonLinesSink sink = JsonLinesSink.builder().directory(tmp).records(RecordType.PATH).build()) {
            demo().onL4Log(sink::onL4Log).onExchangePath(sink::onPath).build().run();
            assertEquals(0, sink.written(RecordType.L4));
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("paths.jsonl"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertThrows(IllegalStateException.class, () -> JsonLinesSink.builder().directory(tmp).directory(tmp));
        assertThrows(IllegalStateException.class, () -> JsonLinesSink.builder().build(), "no directory");
        assertThrows(IllegalStateException.class, () -> LineProtocolSink.builder().build(), "no output");
    }

    /**
     * The line-protocol sink writes its files and offers the same lines to a sender; the loopback endpoint answers
     * 500 and 429 before 204s, and receives every line of every file exactly once, each type in its order.
     */
    @Test
    void lineProtocolFilesAndThePostedLinesAreTheSame(@TempDir Path tmp) throws IOException {
        RunSummary summary;
        LineProtocolSender.Stats stats;
        try (LoopbackWriteServer server = new LoopbackWriteServer(204, 500, 429)) {
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).maxBatchLines(100)
                    .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).build();
            try (sender; LineProtocolSink sink = LineProtocolSink.builder().directory(tmp).sender(sender).build()) {
                summary = demo().onL4Log(sink::onL4Log).onL7Log(sink::onL7Log).onExchangePath(sink::onPath)
                        .onFinding(sink::onFinding).build().run();
            }
            stats = sender.stats();
            List<String> received = server.accepted();
            List<String> all = new ArrayList<>();
            for (String type : List.of("l4", "l7", "paths", "findings")) {
                List<String> file = Files.readAllLines(tmp.resolve(type + ".lp"));
                assertFalse(file.isEmpty(), type);
                String measurement = file.get(0).substring(0, file.get(0).indexOf(','));
                assertEquals(file, received.stream().filter(l -> l.startsWith(measurement + ",")).toList(), type);
                all.addAll(file);
            }
            assertEquals(all.size(), received.size());
            assertEquals(List.of(500, 429), server.codes().subList(0, 2));
        }
        assertEquals(l4Records(summary), Files.readAllLines(tmp.resolve("l4.lp")).size());
        assertEquals(l7Records(summary), Files.readAllLines(tmp.resolve("l7.lp")).size());
        assertTrue(Files.readAllLines(tmp.resolve("l4.lp")).stream().allMatch(l -> l.startsWith("bpf_net_l4_log,")));
        assertTrue(Files.readAllLines(tmp.resolve("paths.lp")).stream()
                .allMatch(l -> l.startsWith(LineProtocolSink.PATH_MEASUREMENT + ",l4_proto=")));
        assertTrue(Files.readAllLines(tmp.resolve("findings.lp")).stream()
                .allMatch(l -> l.startsWith(LineProtocolSink.FINDING_MEASUREMENT + ",kind=")));
        assertEquals(2, stats.retries(), stats.toString());
        assertEquals(0, stats.dropped(), stats.toString());
        assertEquals(stats.offered(), stats.sent());
    }

    /** A disk that fails: the writes are counted, the run goes on without callback failures, close says why. */
    @Test
    void aFailingDiskIsCountedNotThrown(@TempDir Path tmp) throws IOException {
        Path devFull = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(devFull), "/dev/full is needed");
        Files.createSymbolicLink(tmp.resolve("l4.jsonl"), devFull);
        JsonLinesSink sink = JsonLinesSink.builder().directory(tmp).build();
        RunSummary summary = demo().onL4Log(sink::onL4Log).onL7Log(sink::onL7Log).build().run();
        assertEquals(0, summary.callbackFailures());
        assertTrue(sink.failures() > 0, "writes to a full disk fail");
        assertTrue(sink.written(RecordType.L7) > 0, "the other files go on");
        IOException e = assertThrows(IOException.class, sink::close);
        assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("space"), e.toString());
        assertEquals(l7Records(summary), Files.readAllLines(tmp.resolve("l7.jsonl")).size());
    }

    /** A tee gives every record to each sink; closing it closes all, then throws the first failure. */
    @Test
    void aTeeFeedsEverySinkAndClosesThemAll(@TempDir Path tmp) throws IOException {
        Path devFull = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(devFull), "/dev/full is needed");
        Files.createDirectories(tmp.resolve("full"));
        Files.createSymbolicLink(tmp.resolve("full/l4.jsonl"), devFull);
        JsonLinesSink full = JsonLinesSink.builder().directory(tmp.resolve("full")).build();
        JsonLinesSink json = JsonLinesSink.builder().directory(tmp.resolve("json")).build();
        LineProtocolSink lp = LineProtocolSink.builder().directory(tmp.resolve("lp")).records(RecordType.L7).build();
        RecordSink tee = RecordSink.tee(full, null, json, lp);
        RunSummary summary = demo().onL4Log(tee::onL4Log).onL7Log(tee::onL7Log).onExchangePath(tee::onPath)
                .onFinding(tee::onFinding).build().run();
        assertThrows(IOException.class, tee::close, "the full disk's error");
        assertEquals(l4Records(summary), Files.readAllLines(tmp.resolve("json/l4.jsonl")).size(), "closed, flushed");
        assertEquals(7, Files.readAllLines(tmp.resolve("json/findings.jsonl")).size());
        assertEquals(l7Records(summary), Files.readAllLines(tmp.resolve("lp/l7.lp")).size());
        assertEquals(Files.readAllLines(tmp.resolve("json/l7.jsonl")), Files.readAllLines(tmp.resolve("full/l7.jsonl")),
                "the same records reach every sink (also the one whose L4 file failed)");
    }
}
