package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.topology.ExchangeCorrelator;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.EvidenceStep;
import io.netsieve.topology.Finding;
import io.netsieve.topology.FindingKind;
import io.netsieve.topology.FindingsAnalyzer;
import io.netsieve.topology.Topology;
import io.netsieve.topology.TopologyExport;
import io.netsieve.topology.report.HtmlReport;
import io.netsieve.topology.report.ReportFinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code netsieve analyze (--manifest FILE | FILE...) --out DIR}: reads a capture set and writes what the library
 * can tell about it. For now: a per-capture-point decode summary ({@code summary.json}), the L4 records
 * ({@code l4.jsonl}, one {@code bpf_net_l4_log} per line), the L7 records ({@code l7.jsonl}, one
 * {@code bpf_net_l7_log} per exchange per capture point), the exchanges followed across capture points
 * ({@code paths.jsonl}, one per exchange: its hops in order, hop latencies, NAT), the request topology of the
 * whole set ({@code topology.json}, {@code .dot}, {@code .mmd}), the troubleshooting findings ({@code findings.jsonl},
 * one per line, each with the records that show it; {@link FindingsAnalyzer} at its defaults) and a table on stdout
 * that ends with the findings' counts.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Analyse a capture set (a manifest or plain capture files) and write the results to a folder.")
final class AnalyzeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "capture-set manifest (TSV: file host nic_name nic_kind pod_name k8s_namespace "
                    + "k8s_container_name ip [nic_mac netns])")
    Path manifest;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "pcap/pcapng files (each gets a default NIC)")
    List<Path> files = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder (created if needed)")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl",
            description = "record files as JSON lines (l4.jsonl, l7.jsonl) or as Guance/InfluxDB line protocol "
                    + "(l4.lp, l7.lp): jsonl or lp (default ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--filter", paramLabel = "EXPR",
            description = "pcap-filter expression: only the packets it accepts are analysed (the others are counted)")
    String filter;

    @Option(names = "--report", description = "also write report.html: one self-contained page (topology, findings, "
            + "exchanges with their paths, per connection a packet diagram)")
    boolean report;

    @Override
    public Integer call() throws IOException {
        if ((manifest == null) == files.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give either --manifest FILE or capture FILEs, not both");
        }
        if (!format.equals("jsonl") && !format.equals("lp")) {
            throw new ParameterException(spec.commandLine(), "--format must be jsonl or lp, not '" + format + "'");
        }
        boolean lp = format.equals("lp");
        if (filter != null) {
            try {
                FilterCompiler.builder().linkType(LinkType.ETHERNET).build().compile(filter);
            } catch (FilterCompileException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println(e.getMessage());
                err.flush();
                return 2;
            }
        }
        CaptureSet set = manifest != null ? CaptureManifest.read(manifest) : CaptureSet.ofFiles(files);
        HtmlReport.Builder html = report ? HtmlReport.builder().title("netsieve: " + (manifest != null
                ? manifest.getFileName().toString() : files.size() + " capture files")) : null;
        Files.createDirectories(out);
        List<CapturePointSummary> summaries = new ArrayList<>();
        long l4Records;
        long l7Records;
        long pathRecords;
        long findingRecords;
        Map<FindingKind, Long> findingCounts;
        List<ExchangePath> allPaths = new ArrayList<>();
        String l4File = lp ? "l4.lp" : "l4.jsonl";
        String l7File = lp ? "l7.lp" : "l7.jsonl";
        try (L4JsonLines l4 = new L4JsonLines(out.resolve(l4File), lp);
             PathJsonLines paths = new PathJsonLines(out.resolve("paths.jsonl"));
             FindingJsonLines findingLines = new FindingJsonLines(out.resolve("findings.jsonl"))) {
            // capture points are read one after another, each from its start: the join and the findings' windows
            // wait for the end of input
            FindingsAnalyzer findings = FindingsAnalyzer.builder().listener(f -> {
                        findingLines.onFinding(f);
                        if (html != null) {
                            html.addFinding(reportFinding(f));
                        }
                    })
                    .allowedLateness(Duration.ofDays(36_500)).build();
            ExchangeCorrelator correlator = ExchangeCorrelator.builder().listener(path -> {
                        paths.onPath(path);
                        findings.onPath(path);
                        allPaths.add(path);
                        if (html != null) {
                            html.addPath(path);
                        }
                    })
                    .allowedLateness(Duration.ofDays(36_500)).build();
            try (L7JsonLines l7 = new L7JsonLines(out.resolve(l7File), lp, (log, nic) -> {
                correlator.offer(log, nic);
                findings.onL7(log, nic);
                if (html != null) {
                    html.addL7(log, nic);
                }
            })) {
                for (CapturePoint point : set.points()) {
                    summaries.add(CapturePointSummary.scan(point, log -> {
                        l4.onL4Log(log);
                        findings.onL4(log, log.nic());
                        if (html != null) {
                            html.addL4(log, log.nic());
                        }
                    }, l7, filter));
                }
                l4Records = l4.written();
                l7Records = l7.written();
            }
            correlator.flush();
            findings.flush();
            pathRecords = paths.written();
            findingRecords = findingLines.written();
            findingCounts = findingLines.counts();
        }
        writeJson(summaries);
        Topology topology = Topology.aggregate(allPaths, Long.MIN_VALUE, Long.MAX_VALUE);
        Files.writeString(out.resolve("topology.json"), TopologyExport.json(topology) + "\n");
        Files.writeString(out.resolve("topology.dot"), TopologyExport.dot(topology));
        Files.writeString(out.resolve("topology.mmd"), TopologyExport.mermaid(topology));
        if (html != null) {
            html.build().write(out.resolve("report.html"));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        SummaryTable.print(stdout, summaries);
        SummaryTable.printFindings(stdout, findingCounts);
        stdout.println("wrote " + out.resolve("summary.json") + ", " + out.resolve(l4File) + " ("
                + l4Records + " L4 records), " + out.resolve(l7File) + " (" + l7Records + " L7 records) and "
                + out.resolve("paths.jsonl") + " (" + pathRecords + " exchanges across capture points), "
                + out.resolve("topology.json") + " (" + topology.nodes().size() + " nodes, " + topology.edges().size()
                + " edges; also .dot and .mmd), " + out.resolve("findings.jsonl") + " (" + findingRecords
                + " findings)" + (html != null ? ", " + out.resolve("report.html") : ""));
        stdout.flush();
        boolean failed = summaries.stream().anyMatch(s -> s.error() != null);
        return failed ? 1 : 0;
    }

    /** A finding as the report lists it: each evidence step one line, {@code layer: description (n records)}. */
    private static ReportFinding reportFinding(Finding f) {
        List<String> evidence = new ArrayList<>();
        for (EvidenceStep s : f.evidence()) {
            int records = s.refs().size() + s.omitted();
            evidence.add(s.layer().label() + ": " + s.description() + (records == 0 ? ""
                    : " (" + records + (records == 1 ? " record)" : " records)")));
        }
        return new ReportFinding(f.severity().label(), f.kind().label(), f.summary(), evidence);
    }

    private void writeJson(List<CapturePointSummary> summaries) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Map<String, Object>> points = new ArrayList<>();
        for (CapturePointSummary s : summaries) {
            points.add(s.toJson());
        }
        root.put("capture_points", points);
        root.put("totals", CapturePointSummary.totals(summaries));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("summary.json").toFile(), root);
    }
}
