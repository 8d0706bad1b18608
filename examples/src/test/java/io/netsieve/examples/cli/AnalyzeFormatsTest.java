package io.netsieve.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code netsieve analyze --format lp --report} on the bundled demo set: one line-protocol line per record (as many
 * as the JSON lines of a default run, each read back by the strict line-protocol reader), and a self-contained
 * report; a bad format is refused.
 */
class AnalyzeFormatsTest {
    private static final String MANIFEST = "src/main/resources/demo/captures.tsv";

    @Test
    void lineProtocolFilesAndTheReport(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("json");
        Path lp = tmp.resolve("lp");
        assertEquals(0, NetSieveCli.run("analyze", "--manifest", MANIFEST, "--out", json.toString()));
        assertEquals(0, NetSieveCli.run("analyze", "--manifest", MANIFEST, "--out", lp.toString(), "--format", "lp",
                "--report"));
        for (String kind : List.of("l4", "l7")) {
            List<String> lines = Files.readAllLines(lp.resolve(kind + ".lp"));
            assertEquals(Files.readAllLines(json.resolve(kind + ".jsonl")).size(), lines.size(), kind);
            for (String line : lines) {
                LineProtocolTest.Parsed p = LineProtocolTest.parse(line);
                assertEquals(kind.equals("l4") ? "bpf_net_l4_log" : "bpf_net_l7_log", p.measurement());
                assertTrue(p.tags().containsKey("host") && p.tags().containsKey("nic_name"), line);
            }
            assertFalse(Files.exists(lp.resolve(kind + ".jsonl")));
        }
        String html = Files.readString(lp.resolve("report.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<svg class=\"topology\""));
        assertTrue(html.contains("\"what\":\"GET /chunked\""), "the exchanges are in the page's data");
        assertFalse(Files.exists(json.resolve("report.html")), "only with --report");
    }

    @Test
    void anUnknownFormatIsRefused(@TempDir Path tmp) {
        assertNotEquals(0, NetSieveCli.run("analyze", "--manifest", MANIFEST, "--out", tmp.toString(), "--format",
                "xml"));
    }

    @Test
    void aFilterLeavesOnlyWhatItAccepts(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, NetSieveCli.run("analyze", "--manifest", MANIFEST, "--out", out.toString(), "--filter",
                "tcp port 6379"));
        List<String> l7 = Files.readAllLines(out.resolve("l7.jsonl"));
        assertTrue(!l7.isEmpty() && l7.stream().allMatch(l -> l.contains("\"l7_proto\":\"redis\"")), "only Redis");
        String summary = Files.readString(out.resolve("summary.json"));
        assertTrue(summary.matches("(?s).*\"filtered_packets\" : [1-9][0-9]*.*"), "filtered packets counted");
    }

    @Test
    void aBadFilterIsAnErrorWithItsColumn(@TempDir Path tmp) {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new NetSieveCli());
        cli.setErr(new java.io.PrintWriter(err, true));
        assertEquals(2, cli.execute("analyze", "--manifest", MANIFEST, "--out", tmp.toString(), "--filter",
                "tcp prot 80"));
        assertTrue(err.toString().contains("prot") && err.toString().contains("^"), err.toString());
    }
}
