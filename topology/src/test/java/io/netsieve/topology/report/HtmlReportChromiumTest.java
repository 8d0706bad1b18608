package io.netsieve.topology.report;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.L7Tracker;
import io.netsieve.topology.DemoReplay;
import io.netsieve.topology.ExchangeCorrelator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTML report of the bundled demo lab set, loaded in a real headless Chromium (Debian's {@code chromium}): no
 * console error, no external resource, and after its script ran the page holds the topology (one node per capture
 * point the exchanges crossed), a row per L7 exchange, the first connection's ladder diagram with one arrow per
 * packet and its packet table; a screenshot is left in target/ for a person to look at. Needs chromium: in CI it
 * must be there, elsewhere the test skips with the reason.
 */
class HtmlReportChromiumTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    static HtmlReport demoReport() throws Exception {
        return demoReport(b -> { });
    }

    /** The demo set's records, paths and one finding in a report built by a builder {@code config} set up. */
    static HtmlReport demoReport(java.util.function.Consumer<HtmlReport.Builder> config) throws Exception {
        CaptureSet set = CaptureManifest.read(DEMO);
        HtmlReport.Builder report = HtmlReport.builder().title("netsieve demo lab");
        config.accept(report);
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(report::addPath).build();
        for (CapturePoint point : set.points()) {
            L7Tracker l7 = L7Tracker.builder().listener(log -> {
                report.addL7(log, point.nic());
                c.offer(log, point.nic());
            }).build();
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(log -> report.addL4(log, point.nic()))
                    .streams(l7.streams()).datagrams(l7.datagrams()).build();
            DemoReplay.replay(point, l4);
        }
        c.flush();
        report.addFinding(new ReportFinding("warning", "http_5xx", "GET /error answered 500 by 198.18.2.10:8080",
                List.of("symptom: 1 of 8 requests to 198.18.2.10:8080 failed", "L7: pod-c/eth0 GET /error -> 500")));
        return report.build();
    }

    private static String chromium() {
        for (String name : List.of("chromium", "chromium-browser")) {
            if (Prerequisites.onPath(name)) {
                return name;
            }
        }
        Prerequisites.require(false, "chromium is not installed (Debian: apt-get install chromium)");
        return null;
    }

    private static Process run(Path profile, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"));
        command.addAll(args);
        return new ProcessBuilder(command).start();
    }

    @Test
    void theReportLoadsInChromiumAndShowsItsParts() throws Exception {
        String browser = chromium();
        HtmlReport report = demoReport();
        String html = report.html();
        // self-contained: nothing is fetched from elsewhere
        assertFalse(Pattern.compile("<(script|link|img)[^>]+(src|href)=", Pattern.CASE_INSENSITIVE).matcher(html).find(),
                "no external scripts, styles or images");
        assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"),
                "no URL but the SVG namespace");
        Path dir = Files.createDirectories(Path.of("target", "report"));
        Path page = dir.resolve("demo-report.html").toAbsolutePath();
        report.write(page);
        Path profile = Files.createTempDirectory("netsieve-chromium-");

        Process dump = run(profile, List.of("--dump-dom", page.toUri().toString()));
        byte[] out = dump.getInputStream().readAllBytes();
        String stderr = new String(dump.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(dump.waitFor(120, TimeUnit.SECONDS), browser + " did not finish");
        String dom = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, dump.exitValue(), stderr);
        List<String> consoleErrors = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error") || line.contains("error"))) {
                consoleErrors.add(line);
            }
        }
        assertEquals(List.of(), consoleErrors, "console errors");

        // the script ran: rows, diagrams, tables are in the DOM
        assertTrue(dom.contains("<svg class=\"topology\""), "topology drawn");
        for (String nic : List.of("pod-a/eth0", "node1/veth-a", "node1/br0", "node1/eth0", "node2/eth0", "node2/br0",
                "node2/veth-c", "pod-c/eth0")) {
            assertTrue(dom.contains(">" + nic + "<"), "topology node " + nic);
        }
        int exchangeRows = count(dom, "<tr class=\"clickable");
        assertTrue(exchangeRows > 20, "exchange rows: " + exchangeRows);
        assertTrue(dom.contains("GET /chunked"), "an exchange of the demo traffic");
        assertTrue(count(dom, "<line class=\"pkt ") > 3, "ladder arrows");
        assertTrue(dom.contains("<svg class=\"ladder\""), "ladder diagram");
        assertTrue(count(dom, "<tr data-index=") > 3, "packet table rows");
        assertTrue(dom.contains("http_5xx"), "findings listed");

        Process shot = run(profile, List.of("--window-size=1400,2400", "--screenshot=" + dir.resolve("demo-report.png").toAbsolutePath(),
                page.toUri().toString()));
        shot.getInputStream().readAllBytes();
        shot.getErrorStream().readAllBytes();
        assertTrue(shot.waitFor(120, TimeUnit.SECONDS));
        assertTrue(Files.size(dir.resolve("demo-report.png")) > 10_000, "screenshot written");
        System.out.println("[report] " + page + " (" + html.length() + " bytes), screenshot " + dir.resolve("demo-report.png"));
    }

    private static int count(String s, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
