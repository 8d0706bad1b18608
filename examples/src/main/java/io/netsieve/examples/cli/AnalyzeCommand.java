package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.EvidenceStep;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.FindingKind;
import io.netsieve.topology.FindingsAnalyzer;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.PacketRetention;
import io.netsieve.topology.ReadProgress;
import io.netsieve.topology.RunSummary;
import io.netsieve.topology.Topology;
import io.netsieve.topology.TopologyExport;
import io.netsieve.topology.report.HtmlReport;
import io.netsieve.topology.report.ReportFinding;
import io.netsieve.topology.sink.JsonLinesSink;
import io.netsieve.topology.sink.LineProtocolSender;
import io.netsieve.topology.sink.LineProtocolSink;
import io.netsieve.topology.sink.RecordSink;
import io.netsieve.topology.sink.RecordType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code netsieve analyze (--manifest FILE | FILE...) --out DIR}: runs a capture set through the library's pipeline
 * ({@link NetSieve}, one thread) and writes what it can tell about it: a per-capture-point decode summary ({@code summary.json}), the L4 records ({@code l4.jsonl},
 * one {@code bpf_net_l4_log} per line), the L7 records ({@code l7.jsonl}, one {@code bpf_net_l7_log} per exchange
 * per capture point), the exchanges followed across capture points ({@code paths.jsonl}, one per exchange: its hops
 * in order, hop latencies, NAT), the request topology of the whole set ({@code topology.json}, {@code .dot},
 * {@code .mmd}), the troubleshooting findings ({@code findings.jsonl}, one per line, each with the records that show
 * it; {@link FindingsAnalyzer} at its defaults), and a summary table on stdout. The record files are written by the
 * library's sinks ({@link JsonLinesSink}, {@link LineProtocolSink}); {@code --lp-url} also posts every record as
 * line protocol ({@link LineProtocolSender}). A progress bar is drawn on stderr when it is a terminal.
 * {@code --export-pcap ID} keeps the packets and writes those of an exchange or connection to {@code DIR/export/}
 * ({@link ExportOptions}).
 *
 * <p>Errors go to stderr with exit code 2: a capture file that cannot be read, a manifest that cannot be read or a
 * line of it that is wrong or names a missing file (with the line number), a bad filter (with its column).
 * A capture file damaged part-way is read up to the damage and makes the exit code 1, as do lines that
 * {@code --lp-url} could not post (the endpoint failed past the retries, or was too slow to drain the queue), and an
 * {@code --export-pcap} ID that matched nothing or whose packets were not all kept.
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

    @Option(names = "--lp-url", paramLabel = "URL",
            description = "also post every record (L4, L7, paths, findings) as line protocol to this DataKit or "
                    + "InfluxDB write URL, in batches with retries (lines it could not post make the exit code 1)")
    URI lpUrl;

    @Option(names = "--lp-gzip", description = "gzip the bodies posted to --lp-url")
    boolean lpGzip;

    @Mixin
    ExportOptions export;

    @Override
    public Integer call() throws IOException {
        if ((manifest == null) == files.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give either --manifest FILE or capture FILEs, not both");
        }
        if (!format.equals("jsonl") && !format.equals("lp")) {
            throw new ParameterException(spec.commandLine(), "--format must be jsonl or lp, not '" + format + "'");
        }
        boolean lp = format.equals("lp");
        LineProtocolSender.Builder senderBuilder = null;
        if (lpUrl != null) {
            try {
                senderBuilder = LineProtocolSender.builder().url(lpUrl).gzip(lpGzip);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--lp-url: " + e.getMessage());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        NetSieve.Builder pipeline = NetSieve.builder();
        PacketRetention keep = export.retention(spec.commandLine());
        if (keep != null) {
            pipeline.keepPackets(keep);
        }
        if (filter != null) {
            try {
                pipeline.filter(filter);
            } catch (FilterCompileException e) {
                return error(err, e.getMessage());
            }
        }
        CaptureSet set;
        try {
            set = manifest != null ? CaptureManifest.read(manifest) : CaptureSet.ofFiles(files);
        } catch (NoSuchFileException e) {
            return error(err, "netsieve analyze: cannot read the manifest " + manifest + ": no such file");
        } catch (IOException e) {
            return error(err, "netsieve analyze: " + e.getMessage()); // names the manifest and the line
        }
        String missing = missingFile(set);
        if (missing != null) {
            return error(err, missing);
        }
        // summary.json is written with an ObjectMapper at the end: made meanwhile on another thread, its classes and
        // serializers are loaded off the end of the run (from the summary's start to the JVM's end, class-load
        // timestamps on the 600 000-frame bulk capture: 37-38 ms before, 22-24 ms after)
        summaryMapper = CompletableFuture.supplyAsync(AnalyzeCommand::summaryMapper, runnable -> {
            Thread t = new Thread(runnable, "netsieve-summary-mapper");
            t.setDaemon(true);
            t.start();
        });
        HtmlReport.Builder html = report ? HtmlReport.builder().title("netsieve: " + (manifest != null
                ? manifest.getFileName().toString() : files.size() + " capture files")) : null;
        pipeline.captureSet(set);
        Files.createDirectories(out);
        Map<FindingKind, Long> findingCounts = new EnumMap<>(FindingKind.class);
        // the topology is aggregated as the paths come: a run keeps no path (a path holds its records)
        Topology.Aggregator topologyOfPaths = Topology.aggregator(Long.MIN_VALUE, Long.MAX_VALUE);
        RunSummary run;
        long l4Records;
        long l7Records;
        long pathRecords;
        long findingRecords;
        LineProtocolSender.Stats posted = null;
        LineProtocolSender sender = senderBuilder == null ? null : senderBuilder.build();
        try (sender;
             JsonLinesSink json = lp ? JsonLinesSink.builder().directory(out)
                     .records(RecordType.PATH, RecordType.FINDING).build()
                     : JsonLinesSink.builder().directory(out).build();
             LineProtocolSink lpFiles = lp ? LineProtocolSink.builder().directory(out)
                     .records(RecordType.L4, RecordType.L7).build() : null;
             LineProtocolSink post = sender == null ? null : LineProtocolSink.builder().sender(sender).build()) {
            // each record to the files, the endpoint and the report; a sink ignores the record types it was not
            // built for. One pipeline thread: the capture points are read in order (the join and the findings'
            // windows wait for the end of input either way)
            // the records are written on a thread of their own (BackgroundSink): the pipeline goes on meanwhile;
            // the export's collector matches them on the pipeline thread as before
            BackgroundSink records = new BackgroundSink(RecordSink.tee(json, lpFiles, post,
                    new Collected(html, topologyOfPaths, findingCounts)));
            pipeline.sink(RecordSink.tee(records, export.collector()));
            Progress progress = Progress.onTerminal(err, totalBytes(set), set.size());
            if (progress != null) {
                pipeline.onProgress(progressOf(progress, set));
            }
            try {
                run = pipeline.build().run();
            } finally {
                records.finish(); // every record in the files (and counted) before they are counted or closed
            }
            if (progress != null) {
                progress.finish();
            }
            l4Records = lp ? lpFiles.written(RecordType.L4) : json.written(RecordType.L4);
            l7Records = lp ? lpFiles.written(RecordType.L7) : json.written(RecordType.L7);
            pathRecords = json.written(RecordType.PATH);
            findingRecords = json.written(RecordType.FINDING);
        } finally {
            if (sender != null) {
                posted = sender.stats(); // closed by now: every line sent or counted as dropped
            }
        }
        List<CapturePointSummary> summaries = CapturePointSummary.of(run, set.points());
        Map<String, Long> exchangesByProtocol = new TreeMap<>(run.metrics().exchangesByProtocol());
        writeJson(summaries);
        Topology topology = topologyOfPaths.topology();
        Files.writeString(out.resolve("topology.json"), TopologyExport.json(topology) + "\n");
        Files.writeString(out.resolve("topology.dot"), TopologyExport.dot(topology));
        Files.writeString(out.resolve("topology.mmd"), TopologyExport.mermaid(topology));
        if (html != null) {
            html.build().write(out.resolve("report.html"));
        }
        String l4File = lp ? "l4.lp" : "l4.jsonl";
        String l7File = lp ? "l7.lp" : "l7.jsonl";
        PrintWriter stdout = spec.commandLine().getOut();
        SummaryTable.print(stdout, summaries);
        SummaryTable.printTotals(stdout, summaries, exchangesByProtocol, pathRecords);
        SummaryTable.printFindings(stdout, findingCounts);
        stdout.println("wrote " + out.resolve("summary.json") + ", " + out.resolve(l4File) + " ("
                + l4Records + " L4 records), " + out.resolve(l7File) + " (" + l7Records + " L7 records) and "
                + out.resolve("paths.jsonl") + " (" + pathRecords + " exchanges across capture points), "
                + out.resolve("topology.json") + " (" + topology.nodes().size() + " nodes, " + topology.edges().size()
                + " edges; also .dot and .mmd), " + out.resolve("findings.jsonl") + " (" + findingRecords
                + " findings)" + (html != null ? ", " + out.resolve("report.html") : ""));
        if (posted != null) {
            SummaryTable.printPosted(stdout, lpUrl, posted);
        }
        boolean exported = export.write(spec.commandLine(), run.keptPackets(), out, stdout, err);
        stdout.flush();
        err.flush();
        boolean failed = !run.complete() || posted != null && posted.dropped() > 0 || !exported;
        return failed ? 1 : 0;
    }

    private static int error(PrintWriter err, String message) {
        err.println(message);
        err.flush();
        return 2;
    }

    /**
     * The error of the first capture point whose file cannot be read (for a manifest, with the manifest's line), or
     * null when all can.
     */
    private String missingFile(CaptureSet set) throws IOException {
        List<Integer> lines = manifest == null ? null : dataLines(manifest);
        for (CapturePoint p : set.points()) {
            if (!Files.isRegularFile(p.file()) || !Files.isReadable(p.file())) {
                String why = Files.exists(p.file()) ? "not a readable file" : "no such file";
                return lines == null ? "netsieve analyze: cannot read the capture file " + p.file() + ": " + why
                        : "netsieve analyze: " + manifest + " line " + lines.get(p.id()) + ": cannot read the capture "
                        + "file " + p.file() + ": " + why;
            }
        }
        return null;
    }

    /** The line numbers (1-based) of a manifest's capture points, in order: its lines after the header. */
    static List<Integer> dataLines(Path manifest) throws IOException {
        List<Integer> numbers = new ArrayList<>();
        boolean header = true;
        List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
            } else {
                numbers.add(i + 1);
            }
        }
        return numbers;
    }

    private static long totalBytes(CaptureSet set) {
        return set.points().stream().mapToLong(p -> size(p.file())).sum();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The run's progress hook drawing {@code bar}: a capture point's first call starts its part of the bar (after the
     * files before it in {@code set}'s order), each call moves it.
     */
    private static ReadProgress progressOf(Progress bar, CaptureSet set) {
        Map<Integer, Integer> index = new HashMap<>();
        long[] before = new long[set.size()];
        long done = 0;
        for (int i = 0; i < set.size(); i++) {
            CapturePoint p = set.points().get(i);
            index.put(p.id(), i);
            before[i] = done;
            done += size(p.file());
        }
        int[] current = {-1};
        return (point, bytesRead, fileBytes) -> {
            int i = index.get(point.id());
            if (i != current[0]) {
                current[0] = i;
                bar.start(i, point.nic().label(), before[i]);
            }
            bar.read(bytesRead);
        };
    }

    /**
     * What {@code analyze} keeps of the records beside the files: the topology of the paths (for {@code topology.json}), the
     * findings by kind (for the summary) and, with {@code --report}, everything the report shows.
     */
    private record Collected(HtmlReport.Builder html, Topology.Aggregator paths, Map<FindingKind, Long> findings)
            implements RecordSink {
        @Override
        public void onL4Log(L4Log log, Nic nic) {
            if (html != null) {
                html.addL4(log, nic);
            }
        }

        @Override
        public void onL7Log(L7Log log, Nic nic) {
            if (html != null) {
                html.addL7(log, nic);
            }
        }

        @Override
        public void onPath(ExchangePath path) {
            paths.add(path);
            if (html != null) {
                html.addPath(path);
            }
        }

        @Override
        public void onFinding(Finding finding) {
            findings.merge(finding.kind(), 1L, Long::sum);
            if (html != null) {
                html.addFinding(reportFinding(finding));
            }
        }

        @Override
        public void close() {
        }
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

    /** The summary's mapper, being made on another thread while the pipeline runs. */
    private CompletableFuture<ObjectMapper> summaryMapper;

    private void writeJson(List<CapturePointSummary> summaries) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Map<String, Object>> points = new ArrayList<>();
        for (CapturePointSummary s : summaries) {
            points.add(s.toJson());
        }
        root.put("capture_points", points);
        root.put("totals", CapturePointSummary.totals(summaries));
        summaryMapper.join().writeValue(out.resolve("summary.json").toFile(), root);
    }

    /** The summary's mapper, warmed on a small map of the summary's kinds of values. */
    private static ObjectMapper summaryMapper() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try {
            mapper.writeValueAsString(Map.of("a", List.of(Map.of("b", 1L, "c", "d", "e", true, "f", 1.5)), "g",
                    new LinkedHashMap<>(Map.of("h", new ArrayList<>(List.of(0))))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mapper;
    }
}
