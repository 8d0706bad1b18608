package io.netsieve.examples.cli;

import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.capture.LiveCaptureException;
import io.netsieve.core.nic.Nic;
import io.netsieve.topology.CapturePointStats;
import io.netsieve.topology.FilterPlacement;
import io.netsieve.topology.LiveInterface;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.PacketRetention;
import io.netsieve.topology.RunSummary;
import io.netsieve.topology.Topology;
import io.netsieve.topology.TopologyExport;
import io.netsieve.topology.sink.JsonLinesSink;
import io.netsieve.topology.sink.LineProtocolSender;
import io.netsieve.topology.sink.LineProtocolSink;
import io.netsieve.topology.sink.RecordSink;
import io.netsieve.topology.sink.RecordType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code netsieve capture -i IFACE[@NETNS] … [--filter EXPR [--filter-in kernel|kernel-counted|user]] [--duration D]
 * --out DIR}: captures live on one or more interfaces (each possibly inside a network namespace) through the library's
 * pipeline and writes the same files as {@code analyze}: {@code l4.jsonl}, {@code l7.jsonl}, {@code paths.jsonl},
 * {@code topology.json}. Without {@code --duration} it runs until interrupted (Ctrl-C): the shutdown flushes open flows
 * and pending exchanges before the files are closed. {@code --export-pcap ID} keeps the packets and, once stopped,
 * writes those of an exchange or connection to {@code DIR/export/} ({@link ExportOptions}). The summary line of each
 * interface counts its packets by outcome; with the filter in the kernel uncounted (the default) the packets it
 * rejected were never read, and the line says {@code filtered not counted (kernel filter)} instead of a count.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Capture live on network interfaces and write the results to a folder.")
final class CaptureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "-i", paramLabel = "IFACE[@NETNS]", required = true,
            description = "interface to capture on, optionally inside a network namespace (ip netns name); repeatable")
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--filter", paramLabel = "EXPR", description = "pcap-filter expression (compiled by netsieve)")
    String filter;

    @Option(names = "--filter-in", paramLabel = "WHERE", converter = PlacementConverter.class,
            description = "where the filter runs: kernel (default: cheapest, the packets it rejects are not counted), "
                    + "kernel-counted (in the kernel, which also counts what it rejects) or user (every packet is "
                    + "read and the filter runs in netsieve); the last two count the filtered packets")
    FilterPlacement filterIn;

    @Option(names = "--duration", paramLabel = "D",
            description = "stop after this long (e.g. 30s, 5m, 1h, or ISO-8601 PT30S); default: until interrupted")
    String duration;

    @Option(names = "--host", paramLabel = "NAME", description = "the host tag of the records (default: this host's name)")
    String host;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder (created if needed)")
    Path out;

    @Option(names = "--lp-url", paramLabel = "URL",
            description = "also post the records (L4, L7, paths) as line protocol to this DataKit or InfluxDB write "
                    + "URL, in batches with retries")
    URI lpUrl;

    @Mixin
    ExportOptions export;

    @Override
    public Integer call() throws Exception {
        Duration limit;
        try {
            limit = duration == null ? null : parseDuration(duration);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (filterIn != null && filter == null) {
            throw new ParameterException(spec.commandLine(), "--filter-in says where --filter runs: give a --filter");
        }
        PacketRetention keep = export.retention(spec.commandLine());
        String hostName = host != null ? host : InetAddress.getLocalHost().getHostName();
        List<LiveInterface> live = new ArrayList<>();
        for (String spec : interfaces) {
            int at = spec.indexOf('@');
            String name = at < 0 ? spec : spec.substring(0, at);
            String netns = at < 0 ? null : spec.substring(at + 1);
            if (name.isEmpty() || (netns != null && netns.isEmpty())) {
                throw new ParameterException(this.spec.commandLine(), "bad interface '" + spec + "': IFACE or IFACE@NETNS");
            }
            Nic.Builder nb = Nic.builder().host(hostName).nicName(name);
            if (netns != null) {
                nb.netns(netns);
            }
            live.add(new LiveInterface(name, netns, nb.build()));
        }
        Files.createDirectories(out);
        // the topology is aggregated as the paths come (as analyze does): a run until Ctrl-C keeps no path (a path
        // holds its records). The run calls onExchangePath under its lock, never two at once; stop() ends them
        Topology.Aggregator topologyOfPaths = Topology.aggregator(Long.MIN_VALUE, Long.MAX_VALUE);
        PrintWriter err = spec.commandLine().getErr();
        LineProtocolSender.Builder senderBuilder;
        try {
            senderBuilder = lpUrl == null ? null : LineProtocolSender.builder().url(lpUrl);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--lp-url: " + e.getMessage());
        }
        LineProtocolSender sender = senderBuilder == null ? null : senderBuilder.build();
        // Ctrl-C: the shutdown hook wakes this thread and waits until it has stopped the run, flushed the open flows
        // and pending exchanges into the sinks and closed the files
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted.countDown();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "netsieve-capture-shutdown");
        try (sender;
             JsonLinesSink sink = JsonLinesSink.builder().directory(out)
                     .records(RecordType.L4, RecordType.L7, RecordType.PATH).build();
             LineProtocolSink post = sender == null ? null : LineProtocolSink.builder().sender(sender)
                     .records(RecordType.L4, RecordType.L7, RecordType.PATH).build()) {
            RecordSink records = RecordSink.tee(sink, post, export.collector());
            NetSieve.Builder b = NetSieve.builder().live(live)
                    .onL4Log(records::onL4Log)
                    .onL7Log(records::onL7Log)
                    .onExchangePath(p -> {
                        records.onPath(p);
                        topologyOfPaths.add(p);
                    });
            if (filter != null) {
                b.filter(filter);
            }
            if (filterIn != null) {
                b.liveFilterPlacement(filterIn);
            }
            if (keep != null) {
                b.keepPackets(keep);
            }
            NetSieve.LiveRun run;
            try {
                run = b.build().start();
            } catch (LiveCaptureException e) {
                err.println("netsieve capture: " + e.getMessage());
                err.println("Live capture needs root or the capabilities CAP_NET_RAW and CAP_NET_ADMIN (and "
                        + "CAP_SYS_ADMIN to enter another namespace), and an interface that exists: see `ip link`"
                        + " (or `ip netns exec NETNS ip link`).");
                err.flush();
                return 2;
            }
            Runtime.getRuntime().addShutdownHook(hook);
            if (limit != null) {
                interrupted.await(limit.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                interrupted.await(); // until Ctrl-C
            }
            List<CaptureStats> captureStats = run.captureStats();
            RunSummary summary = run.stop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits until the files are closed
            }
            Topology topology = topologyOfPaths.topology();
            Files.writeString(out.resolve("topology.json"), TopologyExport.json(topology) + "\n");
            PrintWriter stdout = spec.commandLine().getOut();
            int i = 0;
            for (Map.Entry<?, CapturePointStats> e : summary.capturePoints().entrySet()) {
                CapturePointStats s = e.getValue();
                CaptureStats c = captureStats.get(i);
                stdout.printf("%-24s packets %d (%s, decoded %d, truncated %d, malformed %d, unsupported %d), "
                                + "kernel drops %d, queue drops %d, L4 records %d, L7 records %d%n", interfaces.get(i),
                        s.packets(), filtered(s), s.decoded(), s.truncated(), s.malformed(), s.unsupported(),
                        c.kernelDropped(), c.queueDropped(), s.l4Records(), s.l7Records());
                i++;
            }
            stdout.println("wrote " + out.resolve("l4.jsonl") + " (" + sink.written(RecordType.L4) + "), "
                    + out.resolve("l7.jsonl") + " (" + sink.written(RecordType.L7) + "), " + out.resolve("paths.jsonl")
                    + " (" + sink.written(RecordType.PATH) + ")");
            if (post != null) {
                post.close();
                sender.close();
                SummaryTable.printPosted(stdout, lpUrl, sender.stats());
            }
            boolean exported = export.write(spec.commandLine(), summary.keptPackets(), out, stdout, err);
            stdout.flush();
            err.flush();
            return summary.complete() && exported ? 0 : 1;
        } finally {
            finished.countDown();
        }
    }

    /** {@code filtered N}, or {@code filtered not counted (kernel filter)} when the kernel rejected them unseen. */
    static String filtered(CapturePointStats s) {
        return s.filteredCounted() ? "filtered " + s.filtered() : "filtered not counted (kernel filter)";
    }

    /** {@code kernel}, {@code kernel-counted} or {@code user}, in any case. */
    static final class PlacementConverter implements CommandLine.ITypeConverter<FilterPlacement> {
        @Override
        public FilterPlacement convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "kernel" -> FilterPlacement.KERNEL;
                case "kernel-counted" -> FilterPlacement.KERNEL_COUNTED;
                case "user" -> FilterPlacement.USER;
                default -> throw new CommandLine.TypeConversionException("'" + value
                        + "' is not kernel, kernel-counted or user");
            };
        }
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 250ms}, or ISO-8601 ({@code PT30S}). */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad duration '" + text + "': use e.g. 30s, 5m, 1h or PT30S");
        }
    }
}
