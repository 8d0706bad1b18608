package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code netsieve analyze} as a user meets it: plain capture files with default NICs; errors on stderr with a
 * non-zero exit for an unknown file, a bad manifest line and a manifest line naming a missing file (with the line
 * number); {@code --lp-url} posting every record to a real HTTP endpoint on loopback that fails first; the summary
 * lines; the progress bar's rendering, and no bar when stderr is not a terminal.
 */
class AnalyzeCliTest {
    private static final Path DEMO = Path.of("src/main/resources/demo");

    /** The command line in this JVM: exit code, stdout, stderr. */
    private static FilterCommandTest.Result run(String... args) {
        return FilterCommandTest.netsieve(args);
    }

    @Test
    void plainFilesGetADefaultNicNamedAfterTheFile(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        FilterCommandTest.Result r = run("analyze", "--out", out.toString(), DEMO.resolve("pod-a-eth0.pcap").toString(),
                DEMO.resolve("pod-c-eth0.pcap").toString());
        assertEquals(0, r.exit(), r.err());
        ObjectMapper mapper = new ObjectMapper();
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("l7.jsonl"))) {
            JsonNode n = mapper.readTree(line);
            names.add(n.get("nic_name").asText());
            assertTrue(n.get("k8s_pod_name").asText().isEmpty(), "no pod without a manifest: " + line);
        }
        assertEquals(List.of("pod-a-eth0", "pod-c-eth0"), names.stream().distinct().sorted().toList());
        // the request of pod-a to pod-c, seen on both files, is one path of two hops
        boolean twoHops = false;
        for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
            twoHops |= mapper.readTree(line).get("hops").size() == 2;
        }
        assertTrue(twoHops, "an exchange across the two files");
    }

    @Test
    void anUnknownFileIsAnErrorOnStderr(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such.pcap");
        FilterCommandTest.Result r = run("analyze", "--out", tmp.resolve("out").toString(), DEMO.resolve("pod-a-eth0.pcap").toString(),
                missing.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("no such file"), r.err());
        assertFalse(Files.exists(tmp.resolve("out/l4.jsonl")), "nothing written");
    }

    @Test
    void aBadManifestLineIsAnErrorWithItsLineNumber(@TempDir Path tmp) throws IOException {
        List<String> demo = Files.readAllLines(DEMO.resolve("captures.tsv"));
        List<String> lines = new ArrayList<>(demo.subList(0, 3));
        lines.add(1, "# a comment line counts as a line");
        lines.add("x.pcap\tnode9\teth0\tvirtual\t\t\t\tnot-an-address\t\t"); // line 5
        Path manifest = tmp.resolve("captures.tsv");
        Files.write(manifest, lines, StandardCharsets.UTF_8);
        FilterCommandTest.Result r = run("analyze", "--manifest", manifest.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("line 5") && r.err().contains("not-an-address"), r.err());
    }

    @Test
    void aManifestLineNamingAMissingFileIsAnErrorWithItsLineNumber(@TempDir Path tmp) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(DEMO.resolve("captures.tsv")).subList(0, 4)) {
            String[] cells = line.split("\t", -1);
            if (cells[0].endsWith(".pcap")) {
                cells[0] = DEMO.resolve(cells[0]).toAbsolutePath().toString();
            }
            lines.add(String.join("\t", cells));
        }
        String[] gone = lines.get(3).split("\t", -1);
        gone[0] = tmp.resolve("gone.pcap").toString();
        lines.set(3, String.join("\t", gone)); // line 4
        Path manifest = tmp.resolve("captures.tsv");
        Files.write(manifest, lines, StandardCharsets.UTF_8);
        FilterCommandTest.Result r = run("analyze", "--manifest", manifest.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("line 4") && r.err().contains("gone.pcap"), r.err());
        FilterCommandTest.Result noManifest = run("analyze", "--manifest", tmp.resolve("none.tsv").toString(), "--out",
                tmp.resolve("out").toString());
        assertEquals(2, noManifest.exit());
        assertTrue(noManifest.err().contains("none.tsv"), noManifest.err());
    }

    /**
     * {@code --lp-url}: the records go to a loopback endpoint that answers 500, then 429, then 204; every line it
     * accepts reads back with the strict line-protocol reader, the L4 and L7 lines are exactly those of
     * {@code l4.lp} and {@code l7.lp}, paths and findings one line each; stdout says what was posted.
     */
    @Test
    void lpUrlPostsEveryRecordThroughRetries(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        AtomicInteger requests = new AtomicInteger();
        List<String> received = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/write/logging", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int code = switch (requests.getAndIncrement()) {
                    case 0 -> 500;
                    case 1 -> 429;
                    default -> 204;
                };
                if (code == 204) {
                    synchronized (received) {
                        received.addAll(Arrays.asList(body.split("\n")));
                    }
                }
                exchange.sendResponseHeaders(code, -1);
            }
        });
        server.start();
        FilterCommandTest.Result r;
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/write/logging";
            r = run("analyze", "--manifest", DEMO.resolve("captures.tsv").toString(), "--out", out.toString(),
                    "--format", "lp", "--lp-url", url);
        } finally {
            server.stop(0);
        }
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> l4 = new ArrayList<>();
        List<String> l7 = new ArrayList<>();
        int paths = 0;
        int findings = 0;
        for (String line : received) {
            LineProtocolTest.Parsed p = LineProtocolTest.parse(line);
            switch (p.measurement()) {
                case "bpf_net_l4_log" -> l4.add(line);
                case "bpf_net_l7_log" -> l7.add(line);
                case "netsieve_exchange_path" -> paths++;
                case "netsieve_finding" -> {
                    findings++;
                    assertTrue(p.tags().containsKey("kind") && p.fields().containsKey("evidence"), line);
                }
                default -> throw new AssertionError("measurement " + p.measurement());
            }
        }
        assertEquals(Files.readAllLines(out.resolve("l4.lp")), l4);
        assertEquals(Files.readAllLines(out.resolve("l7.lp")), l7);
        assertEquals(Files.readAllLines(out.resolve("paths.jsonl")).size(), paths);
        assertEquals(7, findings);
        int lines = l4.size() + l7.size() + paths + findings;
        assertTrue(r.out().contains("posted " + lines + " of " + lines + " lines to "), r.out());
        assertTrue(r.out().contains("2 retries); dropped 0"), r.out());
        assertEquals(2, run("analyze", "--manifest", DEMO.resolve("captures.tsv").toString(), "--out",
                out.toString(), "--lp-url", "ftp://198.18.0.1/write").exit(), "only http(s)");
    }

    /**
     * The lines under the table on the demo set without UDP: every packet by outcome (the filter's refusals
     * counted), and the exchanges per protocol as many as {@code l7.jsonl} holds (DNS over TCP is left).
     */
    @Test
    void theSummaryCountsPacketsByOutcomeAndExchangesByProtocol(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        FilterCommandTest.Result r = run("analyze", "--manifest", DEMO.resolve("captures.tsv").toString(), "--out", out.toString(),
                "--filter", "not udp");
        assertEquals(0, r.exit(), r.err());
        JsonNode totals = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("totals");
        JsonNode decode = totals.get("decode");
        assertTrue(totals.get("filtered_packets").asLong() > 0);
        assertTrue(r.out().contains("\npackets: " + totals.get("packets").asLong() + " (decoded "
                + decode.get("decoded").asLong() + ", truncated " + decode.get("truncated").asLong() + ", malformed "
                + decode.get("malformed").asLong() + ", unsupported link type "
                + decode.get("unsupported_link_type").asLong() + ", filtered " + totals.get("filtered_packets").asLong()
                + ")\n"), r.out());
        java.util.Map<String, Long> byProtocol = new java.util.TreeMap<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : Files.readAllLines(out.resolve("l7.jsonl"))) {
            JsonNode n = mapper.readTree(line);
            assertEquals("tcp", n.get("l4_proto").asText(), "no UDP left: " + line);
            byProtocol.merge(n.get("l7_proto").asText(), 1L, Long::sum);
        }
        assertEquals(java.util.Set.of("dns", "http", "redis"), byProtocol.keySet());
        long all = byProtocol.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(r.out().contains("\nexchanges: " + all + " (dns " + byProtocol.get("dns") + ", http "
                + byProtocol.get("http") + ", redis " + byProtocol.get("redis") + ") on the capture points, "
                + Files.readAllLines(out.resolve("paths.jsonl")).size() + " followed across capture points\n"),
                r.out());
        assertTrue(r.out().contains("\nflows: " + totals.get("flows").asLong() + " (timed out "), r.out());
        assertFalse(r.err().contains("\r"), "no progress bar when stderr is not a terminal");
    }

    @Test
    void theProgressBar() {
        assertEquals("[" + ".".repeat(24) + "]   0%  0.0/2.0 MB  1/14 node1/pod-a/eth0  0:00",
                Progress.render(0, 2_000_000, 0, 14, "node1/pod-a/eth0", 0));
        assertEquals("[" + "#".repeat(12) + ".".repeat(12) + "]  50%  1.0/2.0 MB  3/14 node1/br0  1:05",
                Progress.render(1_000_000, 2_000_000, 2, 14, "node1/br0", 65_000_000_000L));
        assertEquals("[" + "#".repeat(24) + "] 100%  2.0/2.0 MB  14/14 a-very-long-capture-poi…  0:03",
                Progress.render(2_000_000, 2_000_000, 13, 14, "a-very-long-capture-point-name", 3_000_000_000L));
        assertEquals("[" + "#".repeat(24) + "] 100%  0.0/0.0 MB  1/1 x  0:00", Progress.render(0, 0, 0, 1, "x", 0),
                "an empty input is done");
        assertNull(Progress.onTerminal(new PrintWriter(new StringWriter()), 1, 1), "tests have no terminal");
    }

    /**
     * {@code --export-pcap}: the longest HTTP path of the demo set (its {@code l7_traceid} from a first run's
     * {@code paths.jsonl}) becomes a pcapng that tshark opens with one interface per NIC of the path, each holding
     * exactly one request, for the path's URI; the {@code nic_traceid} of that exchange's connection becomes a pcapng
     * with the connection's SYN (tshark's {@code tcp.seq_raw} = the id's first half) on every NIC whose L4 records
     * carry that id; an id that names nothing is an error (exit 1), a bad format a usage error (exit 2).
     */
    @Test
    void exportPcapWritesAPathAndAConnectionThatTsharkReads(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tshark");
        String manifest = DEMO.resolve("captures.tsv").toString();
        Path first = tmp.resolve("first");
        assertEquals(0, run("analyze", "--manifest", manifest, "--out", first.toString()).exit());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode longest = null;
        for (String line : Files.readAllLines(first.resolve("paths.jsonl"))) {
            JsonNode n = mapper.readTree(line);
            if (n.get("l7_proto").asText().equals("http") && (longest == null
                    || n.get("hops").size() > longest.get("hops").size())) {
                longest = n;
            }
        }
        String l7 = longest.get("l7_traceid").asText();
        Set<String> pathNics = new TreeSet<>();
        for (JsonNode h : longest.get("hops")) {
            pathNics.add(label(h));
        }
        assertTrue(pathNics.size() >= 8, "pod to pod over 8 NICs: " + pathNics);
        String innerOfFirstHop = longest.get("hops").get(0).get("inner_traceid").asText();
        String nicTraceId = null;
        for (String line : Files.readAllLines(first.resolve("l4.jsonl"))) {
            JsonNode n = mapper.readTree(line);
            if (n.get("inner_traceid").asText().equals(innerOfFirstHop)) {
                nicTraceId = n.get("nic_traceid").asText();
            }
        }
        Set<String> connectionNics = new TreeSet<>();
        for (String line : Files.readAllLines(first.resolve("l4.jsonl"))) {
            JsonNode n = mapper.readTree(line);
            if (n.get("nic_traceid").asText().equals(nicTraceId)) {
                connectionNics.add(label(n));
            }
        }

        List<String> chunked = new ArrayList<>();
        List<String> serverErrors = new ArrayList<>();
        for (String line : Files.readAllLines(first.resolve("paths.jsonl"))) {
            JsonNode n = mapper.readTree(line);
            if (n.path("http_path").asText().equals("/chunked")) {
                chunked.add(n.get("l7_traceid").asText());
            }
            if (n.path("http_status_code").asInt() >= 500) {
                serverErrors.add(n.get("l7_traceid").asText());
            }
        }
        assertEquals(1, chunked.size(), "one /chunked exchange in the demo set");
        assertEquals(1, serverErrors.size(), "one 500 in the demo set");

        Path out = tmp.resolve("out");
        FilterCommandTest.Result r = run("analyze", "--manifest", manifest, "--out", out.toString(), "--export-pcap",
                l7, "--export-pcap", nicTraceId);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("exported " + l7 + ": export/" + l7 + ".pcapng"), r.out());
        // tshark 4.0 takes the same segment on the next NIC for a retransmission (conversations are not kept apart
        // by interface) and would dissect HTTP on the first NIC only: its sequence analysis is turned off
        Tshark.Result requests = Tshark.fields(out.resolve("export/" + l7 + ".pcapng"),
                List.of("frame.interface_name", "http.request.uri"), "-o", "tcp.analyze_sequence_numbers:FALSE",
                "-Y", "http.request");
        assertNull(requests.error(), requests.error());
        assertEquals(pathNics.size(), requests.rows().size(), "one request per NIC");
        assertEquals(pathNics, new TreeSet<>(requests.rows().stream().map(x -> x[0]).toList()));
        for (String[] row : requests.rows()) {
            assertEquals(longest.get("http_path").asText(), row[1].split("\\?")[0]);
        }
        Tshark.Result syns = Tshark.fields(out.resolve("export/" + nicTraceId + ".pcapng"),
                List.of("frame.interface_name", "tcp.seq_raw"), "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0");
        assertNull(syns.error(), syns.error());
        assertEquals(connectionNics, new TreeSet<>(syns.rows().stream().map(x -> x[0]).toList()));
        assertTrue(connectionNics.containsAll(pathNics), connectionNics.toString());
        for (String[] row : syns.rows()) {
            assertEquals(nicTraceId.split("_")[0], row[1]);
        }

        // the selectors a live capture can name in advance, as pcap: every /chunked exchange, every failed one
        Path selected = tmp.resolve("selected");
        FilterCommandTest.Result sel = run("analyze", "--manifest", manifest, "--out", selected.toString(),
                "--export-pcap", "path=/chunked", "--export-pcap", "failed", "--export-format", "pcap");
        assertEquals(0, sel.exit(), sel.err());
        Tshark.Result chunkedRequests = Tshark.fields(selected.resolve("export/" + chunked.get(0) + ".pcap"),
                List.of("http.request.uri"), "-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", "http.request");
        assertNull(chunkedRequests.error(), chunkedRequests.error());
        assertTrue(chunkedRequests.rows().size() >= 2, "the request on each NIC of its path");
        assertTrue(chunkedRequests.rows().stream().allMatch(x -> x[0].equals("/chunked")));
        Tshark.Result errors = Tshark.fields(selected.resolve("export/" + serverErrors.get(0) + ".pcap"),
                List.of("http.response.code"), "-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", "http.response");
        assertNull(errors.error(), errors.error());
        assertTrue(!errors.rows().isEmpty() && errors.rows().stream().allMatch(x -> x[0].equals("500")),
                "the 500 on each NIC of its path");
        assertTrue(sel.out().contains("exported failed: "), sel.out());

        FilterCommandTest.Result unknown = run("analyze", "--manifest", manifest, "--out",
                tmp.resolve("unknown").toString(), "--export-pcap", "1_2");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("--export-pcap 1_2: no exchange"), unknown.err());
        FilterCommandTest.Result badFormat = run("analyze", "--manifest", manifest, "--out",
                tmp.resolve("bad").toString(), "--export-pcap", l7, "--export-format", "erf");
        assertEquals(2, badFormat.exit());
        assertTrue(badFormat.err().contains("--export-format must be pcapng or pcap"), badFormat.err());
    }

    /** A NIC's label as {@code Nic.label()} writes it (the pcapng interface name): host/pod-or-netns/nic. */
    private static String label(JsonNode n) {
        String pod = n.get("k8s_pod_name").asText();
        String netns = n.get("netns").asText();
        return n.get("host").asText() + "/" + (pod.isEmpty() ? netns : pod) + "/" + n.get("nic_name").asText();
    }
}
