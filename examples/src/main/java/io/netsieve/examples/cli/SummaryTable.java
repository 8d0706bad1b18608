package io.netsieve.examples.cli;

import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodeStats;
import io.netsieve.core.packet.Layer;
import io.netsieve.topology.FindingKind;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The plain-text summary table printed at the end of {@code analyze}. */
final class SummaryTable {
    private SummaryTable() {
    }

    static void print(PrintWriter out, List<CapturePointSummary> summaries) {
        String format = "%-3s %-34s %-8s %-10s %9s %12s %9s %7s %7s %9s %7s  %s%n";
        out.printf(format, "id", "capture point", "kind", "link", "packets", "bytes", "seconds", "tcp", "udp",
                "malformed", "flows", "status");
        long flows = 0;
        long packets = 0;
        long bytes = 0;
        DecodeStats total = new DecodeStats();
        for (CapturePointSummary s : summaries) {
            packets += s.packets();
            bytes += s.wireBytes();
            total.add(s.decode());
            flows += s.l4().flowsCreated();
            out.printf(format, s.point().id(), clip(s.point().nic().label(), 34), s.point().nic().kind().label(),
                    clip(s.linkTypes(), 10), s.packets(), s.wireBytes(), String.format("%.3f", s.durationSeconds()),
                    s.decode().count(Layer.TCP), s.decode().count(Layer.UDP),
                    s.decode().count(DecodeOutcome.MALFORMED), s.l4().flowsCreated(),
                    s.error() == null ? "ok" : "ERROR " + s.error());
        }
        out.printf(format, "", "total (" + summaries.size() + " capture points)", "", "", packets, bytes, "",
                total.count(Layer.TCP), total.count(Layer.UDP), total.count(DecodeOutcome.MALFORMED), flows, "");
    }

    /** The findings' line under the table: their number, and per kind (in {@link FindingKind} order). */
    static void printFindings(PrintWriter out, Map<FindingKind, Long> counts) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        out.println("findings: " + total + (total == 0 ? "" : " (" + counts.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey().label() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")"));
    }

    private static String clip(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
