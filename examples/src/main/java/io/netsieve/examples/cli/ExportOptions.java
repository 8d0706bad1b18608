package io.netsieve.examples.cli;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.ExportFormat;
import io.netsieve.topology.Finding;
import io.netsieve.topology.Hop;
import io.netsieve.topology.KeptPackets;
import io.netsieve.topology.KeptPacketsStats;
import io.netsieve.topology.PacketRetention;
import io.netsieve.topology.PacketsNotKeptException;
import io.netsieve.topology.Topology;
import io.netsieve.topology.sink.RecordSink;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --export-pcap WHAT}, shared by {@code analyze} and {@code capture}: the run keeps its packets
 * ({@code NetSieve.Builder.keepPackets}) and, once it has ended, writes into {@code DIR/export/} the packets of what
 * each WHAT names — an {@code l7_traceid} (the exchange on every capture point of its path), a {@code nic_traceid}
 * (the connection on every capture point that saw it), {@code path=/URI} (every HTTP exchange with that path) or
 * {@code failed} (every exchange that failed as its server-most capture point saw it, {@code Topology.isError}) — as
 * pcapng (one interface per capture point, named after its NIC) or pcap. The last two are what a live capture can
 * name before it starts; each selects at most {@value #MAX_PER_SELECTOR} exchanges (the others are counted). The
 * records are matched as they come ({@link #collector()}, thread-safe), so nothing but the matching records is held
 * beside the packets. ({@code inner_traceid}s are random per run, so a command line cannot name one in advance.)
 */
final class ExportOptions {

    /** The most exchanges a selector ({@code failed}, {@code path=}) exports. */
    static final int MAX_PER_SELECTOR = 100;

    @Option(names = "--export-pcap", paramLabel = "WHAT",
            description = "keep the packets and write those of WHAT to DIR/export/ when the run ends: an l7_traceid "
                    + "(the exchange on every capture point of its path), a nic_traceid (the connection on every "
                    + "capture point), path=/URI (each HTTP exchange with that path) or failed (each failed exchange); "
                    + "repeatable")
    List<String> ids = new ArrayList<>();

    @Option(names = "--export-format", paramLabel = "FORMAT", defaultValue = "pcapng",
            description = "pcapng (one interface per capture point, named after its NIC) or pcap (default "
                    + "${DEFAULT-VALUE})")
    String format;

    @Option(names = "--keep-mb", paramLabel = "MB", defaultValue = "64",
            description = "memory for the kept packets with --export-pcap, in MiB (default ${DEFAULT-VALUE}; at most "
                    + "1 MiB per connection and 10000 connections; the oldest connections are evicted first)")
    long keepMb;

    private final Matches matches = new Matches();

    /** True when an export was asked for. */
    boolean enabled() {
        return !ids.isEmpty();
    }

    /** Checks the options; returns the retention to build the run with (null without {@code --export-pcap}). */
    PacketRetention retention(CommandLine cl) {
        exportFormat(cl);
        if (keepMb < 1 || keepMb > PacketRetention.MAX_TOTAL_BYTES >> 20) {
            throw new CommandLine.ParameterException(cl, "--keep-mb must be 1 to "
                    + (PacketRetention.MAX_TOTAL_BYTES >> 20) + ": " + keepMb);
        }
        for (String id : ids) {
            if (id.isBlank() || id.equals("0_0") || id.equals("path=")) {
                throw new CommandLine.ParameterException(cl, "--export-pcap: '" + id + "' does not name an exchange "
                        + "or connection (0_0 is the nic_traceid of every connection whose handshake was not seen)");
            }
        }
        if (!enabled()) {
            return null;
        }
        long total = keepMb << 20;
        return PacketRetention.builder().totalBytes(total)
                .bytesPerConnection(Math.min(PacketRetention.DEFAULT_BYTES_PER_CONNECTION, total)).build();
    }

    private ExportFormat exportFormat(CommandLine cl) {
        return switch (format) {
            case "pcapng" -> ExportFormat.PCAPNG;
            case "pcap" -> ExportFormat.PCAP;
            default -> throw new CommandLine.ParameterException(cl, "--export-format must be pcapng or pcap, not '"
                    + format + "'");
        };
    }

    /** Collects the records the IDs name (a sink to tee in; ignores everything without {@code --export-pcap}). */
    RecordSink collector() {
        return matches;
    }

    /**
     * Writes each ID's packets into {@code out/export/} and reports them on {@code stdout}; an ID that matched no
     * record or whose packets were not all kept is an error line on {@code err}. Returns true when all were written.
     */
    boolean write(CommandLine cl, KeptPackets packets, Path out, PrintWriter stdout, PrintWriter err)
            throws IOException {
        if (!enabled()) {
            return true;
        }
        ExportFormat f = exportFormat(cl);
        Path dir = out.resolve("export");
        Files.createDirectories(dir);
        boolean ok = true;
        Set<String> names = new LinkedHashSet<>();
        for (String id : new LinkedHashSet<>(ids)) {
            List<ExchangePath> paths;
            List<L4Log> connection;
            long more;
            synchronized (matches) {
                paths = List.copyOf(matches.paths.getOrDefault(id, List.of()));
                connection = List.copyOf(matches.l4.getOrDefault(id, List.of()));
                more = matches.beyond.getOrDefault(id, 0L);
            }
            boolean selector = selector(id);
            if (paths.isEmpty() && connection.isEmpty()) {
                if (selector) {
                    stdout.println("exported " + id + ": no exchange of this run matched");
                } else {
                    err.println("netsieve: --export-pcap " + id + ": no exchange (l7_traceid) or connection "
                            + "(nic_traceid) of this run has that id");
                    ok = false;
                }
                continue;
            }
            List<String> written = new ArrayList<>();
            for (ExchangePath path : paths) {
                // a selector's exchanges are named by their l7_traceid; one id may name several exchanges
                String base = selector ? path.hops().get(0).log().l7TraceId() : id;
                Path file = dir.resolve(unique(names, base, f));
                try {
                    long n = packets.writePath(path, file, f);
                    written.add(out.relativize(file) + " (" + n + " frames, exchange on " + path.hops().size()
                            + " capture points)");
                } catch (PacketsNotKeptException e) {
                    err.println("netsieve: --export-pcap " + id + ": " + e.getMessage());
                    ok = false;
                }
            }
            if (!connection.isEmpty()) {
                Path file = dir.resolve(unique(names, id, f));
                try {
                    long n = packets.writeConnections(connection, file, f);
                    long points = connection.stream().map(L4Log::capturePointId).distinct().count();
                    written.add(out.relativize(file) + " (" + n + " frames, connection on " + points
                            + (points == 1 ? " capture point)" : " capture points)"));
                } catch (PacketsNotKeptException e) {
                    err.println("netsieve: --export-pcap " + id + ": " + e.getMessage());
                    ok = false;
                }
            }
            if (!written.isEmpty() || more > 0) {
                stdout.println("exported " + id + ": " + String.join(", ", written) + (more == 0 ? ""
                        : (written.isEmpty() ? "" : "; ") + more + " more exchanges matched, not exported (at most "
                        + MAX_PER_SELECTOR + ")"));
            }
        }
        KeptPacketsStats s = packets.stats();
        stdout.println("kept packets: " + s.framesKept() + " frames (" + s.bytesKept() + " bytes) of "
                + s.connections() + " connections; evicted " + s.connectionsEvicted() + " connections, cut "
                + s.framesCut() + " frames past the per-connection bound");
        return ok;
    }

    /**
     * {@code ID.pcapng} ({@code ID-2.pcapng}, … when taken), the ID's characters outside {@code [A-Za-z0-9._-]} as
     * {@code _}.
     */
    static String unique(Set<String> taken, String id, ExportFormat f) {
        String base = id.replaceAll("[^A-Za-z0-9._-]", "_");
        String name = base + f.extension();
        for (int i = 2; !taken.add(name); i++) {
            name = base + "-" + i + f.extension();
        }
        return name;
    }

    private static boolean selector(String what) {
        return what.equals("failed") || what.startsWith("path=");
    }

    /** Whether {@code path} is one that {@code what} (an id or a selector) names. */
    private static boolean matches(String what, ExchangePath path) {
        if (what.equals("failed")) {
            return Topology.isError(path);
        }
        if (what.startsWith("path=")) {
            L7Log server = path.hops().get(path.hops().size() - 1).log();
            return server.http() != null && what.substring(5).equals(server.http().path());
        }
        for (Hop h : path.hops()) {
            if (what.equals(h.log().l7TraceId())) {
                return true;
            }
        }
        return false;
    }

    /** The records the IDs name, as they come (any thread). */
    private final class Matches implements RecordSink {
        final Map<String, List<ExchangePath>> paths = new LinkedHashMap<>();
        final Map<String, List<L4Log>> l4 = new LinkedHashMap<>();
        /** Exchanges a selector matched beyond {@value #MAX_PER_SELECTOR}. */
        final Map<String, Long> beyond = new LinkedHashMap<>();

        @Override
        public synchronized void onL4Log(L4Log log, Nic nic) {
            for (String id : ids) {
                if (id.equals(log.nicTraceId())) {
                    l4.computeIfAbsent(id, k -> new ArrayList<>()).add(log);
                }
            }
        }

        @Override
        public void onL7Log(L7Log log, Nic nic) {
            // exchanges are exported with their paths
        }

        @Override
        public synchronized void onPath(ExchangePath path) {
            for (String id : ids) {
                if (matches(id, path)) {
                    List<ExchangePath> list = paths.computeIfAbsent(id, k -> new ArrayList<>());
                    if (list.size() < MAX_PER_SELECTOR) {
                        list.add(path);
                    } else {
                        beyond.merge(id, 1L, Long::sum);
                    }
                }
            }
        }

        @Override
        public void onFinding(Finding finding) {
        }

        @Override
        public void close() {
        }
    }
}
