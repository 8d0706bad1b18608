package io.netsieve.topology.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.topology.DemoReplay;
import io.netsieve.topology.NetSieve;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link JsonLinesSink} writes records with Jackson's streaming generator, {@link RecordFields} returns maps: on
 * every record of the bundled demo set (HTTP, DNS with answers, Redis attributes, L4 packet series, multi-hop paths
 * with NAT, findings with evidence) each line is exactly what {@code ObjectMapper} writes for the record's map.
 */
class JsonLinesSinkMapsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyLineIsTheJsonOfTheRecordsMap(@TempDir Path tmp) throws IOException {
        List<String> l4 = new ArrayList<>();
        List<String> l7 = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        List<String> findings = new ArrayList<>();
        try (JsonLinesSink sink = JsonLinesSink.builder().directory(tmp).build()) {
            NetSieve.builder().captureSet(CaptureManifest.read(DemoReplay.DEMO))
                    .onL4Log((log, nic) -> {
                        sink.onL4Log(log, nic);
                        l4.add(json(RecordFields.l4(log, nic)));
                    })
                    .onL7Log((log, nic) -> {
                        sink.onL7Log(log, nic);
                        l7.add(json(RecordFields.l7(log, nic)));
                    })
                    .onExchangePath(p -> {
                        sink.onPath(p);
                        paths.add(json(RecordFields.path(p)));
                    })
                    .onFinding(f -> {
                        sink.onFinding(f);
                        findings.add(json(RecordFields.finding(f)));
                    })
                    .build().run();
        }
        assertEquals(l4, Files.readAllLines(tmp.resolve("l4.jsonl")));
        assertEquals(l7, Files.readAllLines(tmp.resolve("l7.jsonl")));
        assertEquals(paths, Files.readAllLines(tmp.resolve("paths.jsonl")));
        assertEquals(findings, Files.readAllLines(tmp.resolve("findings.jsonl")));
        // what the demo set covers: the branches of RecordFields
        assertTrue(l7.stream().anyMatch(l -> l.contains("\"dns_answers\":[{")), "DNS answers");
        assertTrue(l7.stream().anyMatch(l -> l.contains("\"redis_command\":")), "Redis attributes");
        assertTrue(l7.stream().anyMatch(l -> l.contains("\"http_headers\":{")), "HTTP headers");
        assertTrue(paths.stream().anyMatch(l -> l.contains("\"nat\":[{")), "NAT in a path");
        assertTrue(findings.stream().anyMatch(l -> l.contains("\"refs\":[{")), "evidence references");
    }

    private static String json(Object record) {
        try {
            return JSON.writeValueAsString(record);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
