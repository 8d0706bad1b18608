package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class AnalyzeCommandTest {

    static Path corpus() {
        Path shared = Path.of(System.getProperty("netsieve.shared", "../shared"));
        if (!Files.isDirectory(shared.resolve("corpus"))) shared = Path.of("/work/shared");
        Path dir = shared.resolve("corpus/tcpdump-tests");
        if (!Files.isDirectory(dir)) {
            if ("true".equals(System.getenv("CI"))) fail("CI=true but the shared corpus is missing");
            System.out.println("[netsieve test] SKIPPED: the shared corpus (../shared/corpus) is not present");
            Assumptions.abort("shared corpus missing");
        }
        return dir;
    }

    @Test
    void summarisesPlainFilesWithCountsFromTheCorpusIndex(@TempDir Path tmp) throws IOException {
        Path corpus = corpus();
        Path out = tmp.resolve("out");
        int rc = NetSieveCli.run("analyze", "--out", out.toString(),
                corpus.resolve("print-flags.pcap").toString(), corpus.resolve("bgp-role.pcapng").toString());
        assertEquals(0, rc);
        JsonNode root = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        // Expected packet counts come from the corpus's own index.tsv (written when the corpus was made).
        for (JsonNode point : root.get("capture_points")) {
            String file = Path.of(point.get("file").asText()).getFileName().toString();
            assertEquals(indexPackets(corpus, file), point.get("packets").asLong(), file);
            assertTrue(point.get("error").isNull());
        }
        assertEquals("print-flags", root.get("capture_points").get(0).get("nic_name").asText());
        assertEquals("EN10MB", root.get("capture_points").get(0).get("link_types").get(0).asText());
        // Layer counts of print-flags.pcap from the corpus index: ipv4=10 tcp=10.
        JsonNode decode = root.get("capture_points").get(0).get("decode");
        assertEquals(10, decode.get("decoded").asLong(), decode.toString());
        assertEquals(10, decode.get("layers").get("ipv4").asLong());
        assertEquals(10, decode.get("layers").get("tcp").asLong());
        assertEquals(0, decode.get("malformed").asLong());
        long all = root.get("totals").get("packets").asLong();
        JsonNode totals = root.get("totals").get("decode");
        assertEquals(all, totals.get("decoded").asLong() + totals.get("truncated").asLong()
                + totals.get("malformed").asLong() + totals.get("unsupported_link_type").asLong(),
                "every packet ends in exactly one outcome");
    }

    @Test
    void writesOneL4RecordPerConnectionChunkWithReferenceFieldNames(@TempDir Path tmp) throws Exception {
        Path file = corpus().resolve("resp_1_benchmark.pcap");
        Prerequisites.requireCommand("tshark");
        Path out = tmp.resolve("out");
        assertEquals(0, NetSieveCli.run("analyze", "--out", out.toString(), file.toString()));
        List<String> lines = Files.readAllLines(out.resolve("l4.jsonl"));
        ObjectMapper mapper = new ObjectMapper();
        java.util.Set<String> connections = new java.util.HashSet<>();
        long packets = 0;
        for (String line : lines) {
            JsonNode r = mapper.readTree(line);
            for (String field : List.of("host", "nic_name", "src_ip", "src_port", "dst_ip", "dst_port", "direction",
                    "conn_side", "l4_proto", "tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "inner_traceid",
                    "nic_traceid", "community_id", "conn_state", "history", "packets")) {
                assertTrue(r.has(field), "missing " + field + " in " + line);
            }
            connections.add(r.get("inner_traceid").asText());
            packets += r.get("tx_packets").asLong() + r.get("rx_packets").asLong();
            assertEquals(r.get("tx_packets").asLong() + r.get("rx_packets").asLong(), r.get("packets").size());
        }
        Tshark.Result t = Tshark.fields(file, List.of("tcp.stream"), "-Y", "tcp");
        assertEquals(t.rows().stream().map(row -> row[0]).distinct().count(), connections.size());
        assertEquals(t.rows().size(), packets);
        JsonNode summary = mapper.readTree(out.resolve("summary.json").toFile());
        assertEquals(lines.size(), summary.get("totals").get("l4_records").asLong());
    }

    /**
     * {@code l7.jsonl} on the bundled lab set: every HTTP exchange tshark pairs on each capture point (method, URI,
     * code) is one record with the reference's field names on that capture point, and the DNS exchanges' ids and
     * names are tshark's.
     */
    /** host/pod/nic: a capture point of the lab set (pods share the NIC name eth0). */
    private static String point(JsonNode r) {
        JsonNode pod = r.get("k8s_pod_name");
        return r.get("host").asText() + "/" + (pod.isNull() ? "" : pod.asText()) + "/" + r.get("nic_name").asText();
    }

    @Test
    void writesOneL7RecordPerExchangeAsTshark(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tshark");
        Path demo = Path.of("src/main/resources/demo");
        Path out = tmp.resolve("out");
        assertEquals(0, NetSieveCli.run("analyze", "--manifest", demo.resolve("captures.tsv").toString(), "--out",
                out.toString()));
        ObjectMapper mapper = new ObjectMapper();
        java.util.List<String> ours = new java.util.ArrayList<>();
        java.util.List<String> oursDns = new java.util.ArrayList<>();
        int redis = 0;
        List<String> lines = Files.readAllLines(out.resolve("l7.jsonl"));
        for (String line : lines) {
            JsonNode r = mapper.readTree(line);
            for (String field : List.of("host", "nic_name", "l4_proto", "l7_proto", "client_ip", "client_port",
                    "server_ip", "server_port", "inner_traceid", "l7_traceid", "req_seq", "resp_seq", "cost_req_sent",
                    "cost_resp_wait", "cost_cnt_dl", "tx_seq", "rx_seq", "tx_packets", "rx_packets", "tx_bytes",
                    "rx_bytes", "tx_retrans", "rx_retrans", "chunk_id_min", "chunk_id_max")) {
                assertTrue(r.has(field), "missing " + field + " in " + line);
            }
            if ("http".equals(r.get("l7_proto").asText())) {
                assertTrue(r.has("http_method") && r.has("http_path") && r.has("http_status_code"), line);
                assertEquals(r.get("req_seq").asText() + "_" + r.get("resp_seq").asText(),
                        r.get("l7_traceid").asText());
                // tx/rx: the request and the response, one each way from the capture point
                String req = r.get("req_seq").asText();
                String resp = r.get("resp_seq").asText();
                String tx = r.get("tx_seq").asText();
                String rx = r.get("rx_seq").asText();
                assertTrue(tx.equals(req) && rx.equals(resp) || tx.equals(resp) && rx.equals(req), line);
                if (!r.get("req_seq").isNull()) {
                    assertTrue(r.get("tx_packets").asLong() + r.get("rx_packets").asLong() > 0, line);
                    assertTrue(r.get("chunk_id_min").asInt() >= 0, line);
                }
                ours.add(point(r) + " " + r.get("http_method").asText() + " "
                        + r.get("http_path").asText() + " " + r.get("http_status_code").asInt());
            } else if ("redis".equals(r.get("l7_proto").asText())) {
                assertTrue(r.has("redis_command") && r.has("redis_args") && r.has("redis_reply_type"), line);
                redis++;
            } else if ("dns".equals(r.get("l7_proto").asText()) && "ok".equals(r.get("status").asText())) {
                oursDns.add(point(r) + " " + r.get("dns_id").asInt() + " "
                        + r.get("dns_query_name").asText());
            }
        }
        java.util.List<String> tshark = new java.util.ArrayList<>();
        java.util.List<String> tsharkDns = new java.util.ArrayList<>();
        for (String row : Files.readAllLines(demo.resolve("captures.tsv"))) {
            if (row.startsWith("#") || row.startsWith("file\t")) {
                continue;
            }
            String[] cols = row.split("\t", -1);
            Path pcap = demo.resolve(cols[0]);
            String nic = cols[1] + "/" + cols[4] + "/" + cols[2];
            java.util.Map<String, String[]> requests = new java.util.HashMap<>();
            List<String[]> rows = Tshark.fields(pcap, List.of("http.request.method", "http.request.uri",
                    "http.response.code", "http.request_in", "frame.number"), "-Y", "http.request || http.response")
                    .rows();
            for (String[] t : rows) {
                requests.put(t[4], t);
            }
            for (String[] t : rows) {
                String[] q = t[2].isEmpty() || t[3].isEmpty() ? null : requests.get(t[3]);
                if (q != null) {
                    String uri = q[1].contains("?") ? q[1].substring(0, q[1].indexOf('?')) : q[1];
                    tshark.add(nic + " " + q[0] + " " + uri + " " + t[2]);
                }
            }
            for (String[] t : Tshark.fields(pcap, List.of("dns.id", "dns.qry.name", "dns.time"), "-Y",
                    "dns.flags.response == 1").rows()) {
                if (!t[2].isEmpty()) {
                    tsharkDns.add(nic + " " + Integer.decode(t[0]) + " " + t[1]);
                }
            }
        }
        java.util.Collections.sort(ours);
        java.util.Collections.sort(tshark);
        java.util.Collections.sort(oursDns);
        java.util.Collections.sort(tsharkDns);
        assertFalse(tshark.isEmpty());
        assertEquals(tshark, ours);
        assertFalse(tsharkDns.isEmpty());
        assertEquals(tsharkDns, oursDns);
        JsonNode summary = mapper.readTree(out.resolve("summary.json").toFile());
        assertEquals(lines.size(), summary.get("totals").get("l7_records").asLong());
        assertTrue(redis > 0, "the lab's redis-cli commands");
        System.out.println("[cli l7] " + lines.size() + " L7 records; " + ours.size() + " HTTP and " + oursDns.size()
                + " DNS exchanges as tshark, " + redis + " Redis commands");
    }

    @Test
    void damagedFileIsReportedAndExitCodeIsOne(@TempDir Path tmp) throws IOException {
        Path corpus = corpus();
        byte[] bytes = Files.readAllBytes(corpus.resolve("print-flags.pcap"));
        Path cut = tmp.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 3));
        int rc = NetSieveCli.run("analyze", "--out", tmp.resolve("o").toString(), cut.toString());
        assertEquals(1, rc);
        JsonNode point = new ObjectMapper().readTree(tmp.resolve("o/summary.json").toFile()).get("capture_points").get(0);
        assertEquals(9, point.get("packets").asLong());
        assertTrue(point.get("error").asText().contains("truncated record"), point.toString());
    }

    @Test
    void usageErrors(@TempDir Path tmp) {
        assertEquals(2, NetSieveCli.run("analyze", "--out", tmp.toString()));
        assertEquals(2, NetSieveCli.run("analyze", tmp.toString()));
    }

    static long indexPackets(Path corpus, String file) throws IOException {
        for (String line : Files.readAllLines(corpus.resolve("index.tsv"), StandardCharsets.UTF_8)) {
            String[] cols = line.split("\t");
            if (cols[0].equals(file)) return Long.parseLong(cols[3]);
        }
        throw new AssertionError(file + " not in index.tsv");
    }

    /**
     * {@code paths.jsonl} on the bundled lab set: the pod-a -> pod-c request {@code GET /chunked} is one line whose
     * hops are the eight NICs a packet from pod-a to pod-c crosses (the lab's topology), client first, with hop
     * latencies; the request to the external host shows the SNAT between node1's bridge and its uplink.
     */
    @Test
    void writesEachExchangeAcrossCapturePoints(@TempDir Path tmp) throws Exception {
        Path demo = Path.of("src/main/resources/demo");
        Path out = tmp.resolve("out");
        assertEquals(0, NetSieveCli.run("analyze", "--manifest", demo.resolve("captures.tsv").toString(), "--out",
                out.toString()));
        ObjectMapper mapper = new ObjectMapper();
        JsonNode chunked = null;
        JsonNode external = null;
        for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
            JsonNode p = mapper.readTree(line);
            if (p.has("http_path") && p.get("http_path").asText().equals("/chunked")) {
                chunked = p;
            }
            if (p.has("http_path") && p.get("http_path").asText().equals("/external")) {
                external = p;
            }
        }
        assertTrue(chunked != null && external != null, "both exchanges in paths.jsonl");
        List<String> hops = new java.util.ArrayList<>();
        for (JsonNode h : chunked.get("hops")) {
            hops.add(point(h) + " " + h.get("role").asText());
        }
        assertEquals(List.of("node1/pod-a/eth0 c", "node1//veth-a c-nd", "node1//br0 c-nd", "node1//eth0 c-nd",
                "node2//eth0 s-nd", "node2//br0 s-nd", "node2//veth-c s-nd", "node2/pod-c/eth0 s"), hops);
        assertEquals(7, chunked.get("hop_latencies").size());
        for (JsonNode l : chunked.get("hop_latencies")) {
            assertTrue(l.get("request_ms").asDouble() > 0 && l.get("response_ms").asDouble() > 0, l.toString());
        }
        assertEquals("[\"l7_traceid\"]", chunked.get("joined_by").toString());
        assertEquals(1, external.get("nat").size(), external.toString());
        JsonNode nat = external.get("nat").get(0);
        assertTrue(nat.get("snat").asBoolean() && nat.get("client_after").asText().startsWith("198.19.0.1:"),
                nat.toString());

        // topology.json: the aggregate of those paths; pod-a's requests all leave through node1's veth-a
        JsonNode topology = mapper.readTree(out.resolve("topology.json").toFile());
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        for (JsonNode n : topology.get("nodes")) {
            labels.put(n.get("id").asText(), n.get("label").asText());
        }
        long fromPodA = 0;
        for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
            JsonNode p = mapper.readTree(line);
            if (point(p.get("hops").get(0)).equals("node1/pod-a/eth0")) {
                fromPodA++;
            }
        }
        long edge = -1;
        for (JsonNode e : topology.get("edges")) {
            if (labels.get(e.get("from").asText()).equals("pod-a/eth0")
                    && labels.get(e.get("to").asText()).equals("node1/veth-a")) {
                edge = e.get("exchanges").asLong();
            }
        }
        assertTrue(fromPodA > 5, "exchanges from pod-a: " + fromPodA);
        assertEquals(fromPodA, edge);
        assertTrue(Files.readString(out.resolve("topology.dot")).startsWith("digraph topology {"));
        assertTrue(Files.readString(out.resolve("topology.mmd")).startsWith("flowchart LR"));
    }

    /**
     * {@code findings.jsonl} on the bundled lab set: the README's failures — the refused connection to pod-c's port
     * 8081 and the timed-out one to port 9999 (lab.env), the 500 and the 404 of pod-c's web server, the DNS REFUSED
     * at pod-d, the SNAT on node1 — one finding each, linked to records that exist in {@code l4.jsonl},
     * {@code l7.jsonl} and {@code paths.jsonl}; the summary on stdout counts them.
     */
    @Test
    void writesFindingsLinkedToTheRecords(@TempDir Path tmp) throws Exception {
        Path demo = Path.of("src/main/resources/demo");
        Path out = tmp.resolve("out");
        java.io.StringWriter stdout = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new NetSieveCli());
        cli.setOut(new java.io.PrintWriter(stdout));
        assertEquals(0, cli.execute("analyze", "--manifest", demo.resolve("captures.tsv").toString(), "--out",
                out.toString()));
        ObjectMapper mapper = new ObjectMapper();
        java.util.Set<String> l4 = new java.util.HashSet<>();
        for (String line : Files.readAllLines(out.resolve("l4.jsonl"))) {
            JsonNode r = mapper.readTree(line);
            l4.add(point(r) + " " + r.get("inner_traceid").asText() + " " + r.get("chunk_id").asInt());
        }
        java.util.Map<String, JsonNode> l7 = new java.util.HashMap<>();
        for (String line : Files.readAllLines(out.resolve("l7.jsonl"))) {
            JsonNode r = mapper.readTree(line);
            l7.put(point(r) + " " + r.get("inner_traceid").asText() + " " + r.get("l7_traceid").asText(), r);
        }
        java.util.Set<String> paths = new java.util.HashSet<>();
        for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
            paths.add(mapper.readTree(line).get("l7_traceid").asText());
        }
        java.util.Map<String, JsonNode> findings = new java.util.TreeMap<>();
        List<String> lines = Files.readAllLines(out.resolve("findings.jsonl"));
        for (String line : lines) {
            JsonNode f = mapper.readTree(line);
            String key = f.get("kind").asText() + " " + f.get("subject").get("value").asText();
            assertTrue(findings.put(key, f) == null, "one finding per kind and subject: " + key);
            // one window each on this short capture: every finding is the first of its series
            assertEquals(1, f.get("occurrence").asInt(), line);
            assertEquals(f.get("start_time").asLong(), f.get("since_time").asLong(), line);
            String previous = null;
            List<String> order = List.of("symptom", "l4", "l7", "topology", "correlation", "related");
            for (JsonNode step : f.get("evidence")) {
                String layer = step.get("layer").asText();
                assertTrue(previous == null || order.indexOf(layer) > order.indexOf(previous), line);
                previous = layer;
                for (JsonNode ref : step.get("refs")) {
                    String p = ref.get("host").asText() + "/" + ref.get("k8s_pod_name").asText() + "/"
                            + ref.get("nic_name").asText();
                    switch (ref.get("record").asText()) {
                        case "bpf_net_l4_log" -> assertTrue(l4.contains(p + " " + ref.get("inner_traceid").asText()
                                + " " + ref.get("chunk_id").asInt()), "an L4 record of l4.jsonl: " + ref);
                        case "bpf_net_l7_log" -> assertTrue(l7.containsKey(p + " " + ref.get("inner_traceid")
                                .asText() + " " + ref.get("l7_traceid").asText()), "an L7 record of l7.jsonl: " + ref);
                        default -> assertTrue(paths.contains(ref.get("l7_traceid").asText()), "a path: " + ref);
                    }
                }
            }
        }
        assertEquals(java.util.Set.of("connection_timeout 198.18.2.10:9999", "connection_refused 198.18.2.10:8081",
                "http_5xx 198.18.2.10:8080", "http_4xx 198.18.2.10:8080", "http_4xx 198.19.0.10:8080",
                "dns_failure 198.18.2.11:53", "nat_in_path node1/node1/br0 -> node1/node1/eth1"), findings.keySet());
        JsonNode refused = findings.get("connection_refused 198.18.2.10:8081");
        assertEquals("error", refused.get("severity").asText());
        assertEquals(1, refused.get("count").asInt());
        JsonNode correlation = refused.get("evidence").get(refused.get("evidence").size() - 1);
        assertEquals("correlation", correlation.get("layer").asText());
        assertEquals(8, correlation.get("refs").size(), "the SYN and its RST on the eight NICs from pod-a to pod-c");
        // the 500's server-side record is GET /error on pod-c
        JsonNode error = findings.get("http_5xx 198.18.2.10:8080");
        JsonNode serverRef = null;
        for (JsonNode step : error.get("evidence")) {
            if (step.get("layer").asText().equals("l7")) {
                serverRef = step.get("refs").get(0);
            }
        }
        JsonNode record = l7.get("node2/pod-c/eth0 " + serverRef.get("inner_traceid").asText() + " "
                + serverRef.get("l7_traceid").asText());
        assertEquals("/error", record.get("http_path").asText());
        assertEquals(500, record.get("http_status_code").asInt());
        String text = stdout.toString();
        assertTrue(text.contains("findings: 7 (connection_timeout 1, connection_refused 1, http_5xx 1, http_4xx 2, "
                + "dns_failure 1, nat_in_path 1)"), text);
        assertTrue(text.contains("findings.jsonl (7 findings)"), text);
    }
}
