package io.netsieve.examples.cli;

import java.io.PrintWriter;
import java.util.List;

/** The plain-text summary table printed at the end of {@code analyze}. */
final class SummaryTable {
    private SummaryTable() {
    }

    static void print(PrintWriter out, List<CapturePointSummary> summaries) {
        String format = "%-3s %-34s %-8s %-10s %9s %12s %9s  %s%n";
        out.printf(format, "id", "capture point", "kind", "link", "packets", "bytes", "seconds", "status");
        long packets = 0;
        long bytes = 0;
        for (CapturePointSummary s : summaries) {
            packets += s.packets();
            bytes += s.wireBytes();
            out.printf(format, s.point().id(), clip(s.point().nic().label(), 34), s.point().nic().kind().label(),
                    clip(s.linkTypes(), 10), s.packets(), s.wireBytes(), String.format("%.3f", s.durationSeconds()),
                    s.error() == null ? "ok" : "ERROR " + s.error());
        }
        out.printf(format, "", "total (" + summaries.size() + " capture points)", "", "", packets, bytes, "", "");
    }

    private static String clip(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
