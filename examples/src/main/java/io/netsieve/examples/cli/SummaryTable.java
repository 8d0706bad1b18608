package io.netsieve.examples.cli;

import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.Layer;
import io.netsieve.topology.DecodeCounts;
import io.netsieve.topology.FindingKind;
import io.netsieve.topology.sink.LineProtocolSender;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The plain-text summary printed at the end of {@code analyze}: a table with one row per capture point (packets,
 * bytes, time span, TCP and UDP packets, malformed packets, flows, whether the file was read to its end) and a total
 * row, then the totals by outcome and protocol ({@link #printTotals}), the findings by kind and what was posted.
 */
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
        DecodeCounts total = CapturePointSummary.total(summaries);
        for (CapturePointSummary s : summaries) {
            packets += s.packets();
            bytes += s.wireBytes();
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

    /**
     * The lines under the table: every packet by its outcome (decoded, truncated, malformed, unsupported link type,
     * refused by the filter), the flows (and how many of them timed out or were evicted), the exchanges by protocol
     * on the capture points and the number followed across capture points.
     */
    static void printTotals(PrintWriter out, List<CapturePointSummary> summaries, Map<String, Long> exchanges,
                            long paths) {
        DecodeCounts total = CapturePointSummary.total(summaries);
        long packets = 0;
        long filtered = 0;
        long flows = 0;
        long expired = 0;
        long evicted = 0;
        for (CapturePointSummary s : summaries) {
            packets += s.packets();
            filtered += s.filtered();
            flows += s.l4().flowsCreated();
            expired += s.l4().flowsExpired();
            evicted += s.l4().flowsEvicted();
        }
        out.println("packets: " + packets + " (decoded " + total.count(DecodeOutcome.DECODED) + ", truncated "
                + total.count(DecodeOutcome.TRUNCATED) + ", malformed " + total.count(DecodeOutcome.MALFORMED)
                + ", unsupported link type " + total.count(DecodeOutcome.UNSUPPORTED_LINK_TYPE) + ", filtered "
                + filtered + ")");
        out.println("flows: " + flows + " (timed out " + expired + ", evicted " + evicted + ")");
        long all = exchanges.values().stream().mapToLong(Long::longValue).sum();
        out.println("exchanges: " + all + (all == 0 ? "" : " (" + exchanges.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")")
                + " on the capture points, " + paths + " followed across capture points");
    }

    /** What {@code --lp-url} posted: lines sent, dropped (and why), requests and retries. */
    static void printPosted(PrintWriter out, java.net.URI url, LineProtocolSender.Stats s) {
        out.println("posted " + s.sent() + " of " + s.offered() + " lines to " + url + " in " + s.batches()
                + " batches (" + s.requests() + " requests, " + s.retries() + " retries); dropped " + s.dropped()
                + (s.dropped() == 0 ? "" : " (queue full " + s.droppedQueueFull() + ", gave up " + s.droppedGaveUp()
                + ", rejected " + s.droppedRejected() + ", at close " + s.droppedAtClose() + ")"));
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
