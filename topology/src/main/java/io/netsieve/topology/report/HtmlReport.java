package io.netsieve.topology.report;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.Direction;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.TcpAnalysisFlag;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.topology.AddressTranslation;
import io.netsieve.topology.AssociatedLogs;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Hop;
import io.netsieve.topology.Topology;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One self-contained HTML file about a capture set: the request topology (inline SVG drawn here), the findings, the
 * L7 exchanges in a filterable table with each one's path and hop latencies, and per connection a packet interaction
 * diagram (client and server lanes, one arrow per packet with flags, relative seq/ack, length, time delta, the L7
 * label on the packets that start a message, analysis flags highlighted) with its packet table and a seq search.
 * No external scripts, fonts or styles: the page's script draws diagrams from data embedded in the page, a page of
 * packets at a time, so large captures stay usable.
 *
 * <p>Bounds, applied as records are added so that the builder's memory is bounded too: the L4 records of at most
 * {@link Builder#maxConnections} connections are kept (they get a diagram; the rest are counted in the page's
 * summary and dropped), at most {@link Builder#maxPacketsPerConnection} packets of each are drawn, and at most
 * {@link Builder#maxExchanges} L7 records and as many paths are kept (the rest counted).
 */
public final class HtmlReport {
    private final String html;

    private HtmlReport(String html) {
        this.html = html;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The page. */
    public String html() {
        return html;
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, html, StandardCharsets.UTF_8);
    }

    /** Builder: add records, paths and findings, then {@link #build()}. Setters may be called once each. */
    public static final class Builder {
        private String title;
        private int maxConnections;
        private int maxPackets;
        private int maxExchanges;
        private boolean adding;
        /** Connections kept (their L4 records), by inner_traceid. */
        private final java.util.Set<String> kept = new java.util.HashSet<>();
        private long omittedConnections;
        private long omittedL4;
        private long omittedL7;
        private long omittedPaths;
        private final List<L4Log> l4 = new ArrayList<>();
        private final List<L7Log> l7 = new ArrayList<>();
        private final List<ExchangePath> paths = new ArrayList<>();
        private final List<ReportFinding> findings = new ArrayList<>();
        private final AssociatedLogs logs = AssociatedLogs.builder().maxRecords(Integer.MAX_VALUE).build();
        private final Map<Object, Nic> nics = new HashMap<>();

        private Builder() {
        }

        public Builder title(String title) {
            if (this.title != null) {
                throw new IllegalStateException("title was already set");
            }
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        /** Connections kept and drawn at most (default 5 000); set before the first record is added. */
        public Builder maxConnections(int connections) {
            if (maxConnections != 0) {
                throw new IllegalStateException("maxConnections was already set");
            }
            beforeRecords("maxConnections");
            if (connections < 1) {
                throw new IllegalArgumentException("maxConnections must be positive: " + connections);
            }
            maxConnections = connections;
            return this;
        }

        /** Packets drawn per connection at most (default 5 000). */
        public Builder maxPacketsPerConnection(int packets) {
            if (maxPackets != 0) {
                throw new IllegalStateException("maxPacketsPerConnection was already set");
            }
            if (packets < 1) {
                throw new IllegalArgumentException("maxPacketsPerConnection must be positive: " + packets);
            }
            maxPackets = packets;
            return this;
        }

        /** L7 records kept at most, and paths kept at most (default 100 000 each); set before the first record. */
        public Builder maxExchanges(int exchanges) {
            if (maxExchanges != 0) {
                throw new IllegalStateException("maxExchanges was already set");
            }
            beforeRecords("maxExchanges");
            if (exchanges < 1) {
                throw new IllegalArgumentException("maxExchanges must be positive: " + exchanges);
            }
            maxExchanges = exchanges;
            return this;
        }

        private void beforeRecords(String name) {
            if (adding) {
                throw new IllegalStateException(name + " must be set before the first record is added");
            }
        }

        private int connectionBound() {
            return maxConnections > 0 ? maxConnections : 5_000;
        }

        private int exchangeBound() {
            return maxExchanges > 0 ? maxExchanges : 100_000;
        }

        /** Adds an L4 record; kept when its connection is one of the first {@code maxConnections}, else counted. */
        public Builder addL4(L4Log log, Nic nic) {
            adding = true;
            if (!kept.contains(log.innerTraceId())) {
                if (kept.size() >= connectionBound()) {
                    omittedL4++;
                    if (log.chunkId() == 0) {
                        omittedConnections++;
                    }
                    return this;
                }
                kept.add(log.innerTraceId());
            }
            l4.add(log);
            nics.put(log, nic);
            logs.addL4(log, nic);
            return this;
        }

        /** Adds an L7 record; kept while fewer than {@code maxExchanges} are, else counted. */
        public Builder addL7(L7Log log, Nic nic) {
            adding = true;
            if (l7.size() >= exchangeBound()) {
                omittedL7++;
                return this;
            }
            l7.add(log);
            nics.put(log, nic);
            logs.addL7(log, nic);
            return this;
        }

        /** Adds a path; kept while fewer than {@code maxExchanges} are, else counted. */
        public Builder addPath(ExchangePath path) {
            adding = true;
            if (paths.size() >= exchangeBound()) {
                omittedPaths++;
                return this;
            }
            paths.add(path);
            logs.addPath(path);
            return this;
        }

        public Builder addFinding(ReportFinding finding) {
            findings.add(Objects.requireNonNull(finding, "finding"));
            return this;
        }

        public HtmlReport build() {
            int maxConn = connectionBound();
            int maxPkts = maxPackets > 0 ? maxPackets : 5_000;
            long t0 = Long.MAX_VALUE;
            for (L4Log c : l4) {
                t0 = Math.min(t0, c.timeNanos());
            }
            for (L7Log x : l7) {
                t0 = Math.min(t0, x.timestampNanos());
            }
            if (t0 == Long.MAX_VALUE) {
                t0 = 0;
            }
            StringBuilder data = new StringBuilder(1 << 16);
            Json j = new Json(data);
            j.open('{');
            // connections: chunks of one connection (inner_traceid) in chunk order
            Map<String, List<L4Log>> byConnection = new LinkedHashMap<>();
            for (L4Log c : l4) {
                if ("tcp".equals(c.l4Proto()) || "udp".equals(c.l4Proto())) {
                    byConnection.computeIfAbsent(c.innerTraceId(), k -> new ArrayList<>()).add(c);
                }
            }
            Map<String, Integer> connIndex = new HashMap<>();
            j.key("connections").open('[');
            int drawn = 0;
            for (Map.Entry<String, List<L4Log>> e : byConnection.entrySet()) {
                if (drawn == maxConn) {
                    break;
                }
                connIndex.put(e.getKey(), drawn++);
                connection(j, e.getValue(), t0, maxPkts);
            }
            j.close(']');
            Map<ExchangePath, Integer> pathIndex = new HashMap<>();
            j.key("paths").open('[');
            for (ExchangePath p : paths) {
                pathIndex.put(p, pathIndex.size());
                path(j, p);
            }
            j.close(']');
            j.key("exchanges").open('[');
            for (L7Log x : l7) {
                Integer conn = connIndex.get(x.innerTraceId());
                ExchangePath p = logs.crossNic(x).orElse(null);
                exchange(j, x, nics.get(x), t0, conn == null ? -1 : conn, p == null ? -1 : pathIndex.get(p));
            }
            j.close(']');
            j.key("summary").open('{')
                    .key("capture_points").value(new java.util.HashSet<>(nics.values()).size())
                    .key("connections").value(byConnection.size() + omittedConnections)
                    .key("connections_drawn").value(drawn)
                    .key("exchanges").value(l7.size() + omittedL7)
                    .key("exchanges_shown").value(l7.size())
                    .key("paths").value(paths.size() + omittedPaths)
                    .key("paths_shown").value(paths.size())
                    .key("l4_records_omitted").value(omittedL4)
                    .key("findings").value(findings.size())
                    .close('}');
            j.close('}');
            Topology topology = Topology.aggregate(paths, Long.MIN_VALUE, Long.MAX_VALUE);
            String page = template()
                    .replace("{{title}}", Html.escape(title != null ? title : "netsieve report"))
                    .replace("{{topology}}", topology.nodes().isEmpty()
                            ? "<p class=\"empty\">No exchange was followed across capture points.</p>"
                            : TopologySvg.render(topology))
                    .replace("{{findings}}", findingsHtml())
                    .replace("{{data}}", data.toString());
            return new HtmlReport(page);
        }

        private String findingsHtml() {
            if (findings.isEmpty()) {
                return "<p class=\"empty\">No findings.</p>";
            }
            StringBuilder b = new StringBuilder("<ol class=\"findings\">");
            for (ReportFinding f : findings) {
                b.append("<li class=\"finding ").append(Html.escape(f.severity().toLowerCase(java.util.Locale.ROOT)))
                        .append("\"><span class=\"severity\">").append(Html.escape(f.severity()))
                        .append("</span> <span class=\"kind\">").append(Html.escape(f.kind())).append("</span> ")
                        .append(Html.escape(f.summary())).append("<ol class=\"evidence\">");
                for (String ev : f.evidence()) {
                    b.append("<li>").append(Html.escape(ev)).append("</li>");
                }
                b.append("</ol></li>");
            }
            return b.append("</ol>").toString();
        }

        private void connection(Json j, List<L4Log> chunks, long t0, int maxPkts) {
            L4Log first = chunks.get(0);
            boolean clientIsSrc = first.direction() != Direction.INCOMING;
            Nic nic = nics.get(first);
            j.open('{')
                    .key("nic").value(nic.label())
                    .key("client").value(endpoint(first.clientIp(), first.clientPort()))
                    .key("server").value(endpoint(first.serverIp(), first.serverPort()))
                    .key("proto").value(first.l4Proto())
                    .key("l7").value(first.l7Proto())
                    .key("direction").value(first.direction().label())
                    .key("state").value(chunks.get(chunks.size() - 1).connState())
                    .key("history").value(chunks.get(chunks.size() - 1).history())
                    .key("start_ms").value((first.timeNanos() - t0) / 1e6);
            long clientBase = -1;
            long serverBase = -1;
            int kept = 0;
            int total = 0;
            long previous = first.timeNanos();
            j.key("packets").open('[');
            for (L4Log c : chunks) {
                PacketSeries s = c.packets();
                Map<Integer, String> labels = logs.messageLabels(c);
                for (int i = 0; i < s.size(); i++) {
                    total++;
                    if (kept == maxPkts) {
                        continue;
                    }
                    kept++;
                    boolean fromSrc = s.isTx(i);
                    boolean fromClient = fromSrc == clientIsSrc;
                    long seq = ((fromSrc ? c.txSeqPos() : c.rxSeqPos()) + s.seq(i)) & 0xffffffffL;
                    long ack = ((fromSrc ? c.rxSeqPos() : c.txSeqPos()) + s.ack(i)) & 0xffffffffL;
                    if (fromClient && clientBase < 0) {
                        clientBase = seq;
                    }
                    if (!fromClient && serverBase < 0) {
                        serverBase = seq;
                    }
                    long mine = fromClient ? clientBase : serverBase;
                    long peer = fromClient ? serverBase : clientBase;
                    long t = c.timeNanos() + s.tsOffset(i);
                    j.open('[')
                            .value((t - t0) / 1_000)                         // µs since the report's start
                            .value(fromClient ? 0 : 1)
                            .value(PacketSeries.flagText(s.flags(i)))
                            .value((seq - mine) & 0xffffffffL)
                            .value(peer < 0 || (s.flags(i) & 0x10) == 0 ? -1 : (ack - peer) & 0xffffffffL)
                            .value(s.payloadSize(i))
                            .value(s.window(i))
                            .value(TcpAnalysisFlag.text(s.analysis(i)))
                            .value(labels.getOrDefault(i, ""))
                            .value((t - previous) / 1_000)
                            .close(']');
                    previous = t;
                }
            }
            j.close(']');
            j.key("packets_total").value(total);
            j.close('}');
        }

        private void path(Json j, ExchangePath p) {
            long base = p.hops().get(0).requestNanos() >= 0 ? p.hops().get(0).requestNanos()
                    : p.hops().get(0).log().timestampNanos();
            j.open('{').key("hops").open('[');
            for (Hop h : p.hops()) {
                j.open('{').key("nic").value(h.nic().label()).key("role").value(h.role().label())
                        .key("client").value(h.client()).key("server").value(h.server())
                        .key("req_ms").value(h.requestNanos() >= 0 ? (h.requestNanos() - base) / 1e6 : -1)
                        .key("joined_by").value(h.joinedBy() == null ? null
                                : h.joinedBy().name().toLowerCase(java.util.Locale.ROOT))
                        .close('}');
            }
            j.close(']').key("latency").open('[');
            for (int i = 0; i < p.requestLatencyNanos().size(); i++) {
                j.open('[').value(p.requestLatencyNanos().get(i) / 1e6).value(p.responseLatencyNanos().get(i) / 1e6)
                        .close(']');
            }
            j.close(']').key("nat").open('[');
            for (AddressTranslation t : p.translations()) {
                j.value("after hop " + t.afterHop() + ": " + t.clientBefore() + " → " + t.clientAfter() + ", "
                        + t.serverBefore() + " → " + t.serverAfter());
            }
            j.close(']').key("client_observed").value(p.clientObserved() ? 1 : 0)
                    .key("server_observed").value(p.serverObserved() ? 1 : 0).close('}');
        }

        private static void exchange(Json j, L7Log x, Nic nic, long t0, int conn, int path) {
            HttpInfo h = x.http();
            String what;
            String status;
            if (h != null) {
                what = h.method() + " " + h.path() + (h.query() == null || h.query().isEmpty() ? "" : "?" + h.query());
                status = Integer.toString(h.statusCode());
            } else if (x.dns() != null) {
                what = x.dns().queryType() + " " + x.dns().queryName();
                status = x.dns().rcode() >= 0 ? "rcode " + x.dns().rcode() : "";
            } else {
                String cmd = x.attributes().get("redis_command");
                what = cmd != null ? cmd : x.l7Proto();
                String err = x.attributes().get("redis_error");
                status = err != null && !err.isEmpty() ? err : x.attributes().getOrDefault("redis_reply_type", "");
            }
            boolean failed = x.status() != L7Status.OK || (h != null && (h.statusCode() >= 400 || h.statusCode() < 0))
                    || (x.dns() != null && x.dns().rcode() > 0)
                    || (x.attributes().get("redis_error") != null && !x.attributes().get("redis_error").isEmpty());
            j.open('{')
                    .key("t_ms").value((x.timestampNanos() - t0) / 1e6)
                    .key("nic").value(nic.label())
                    .key("proto").value(x.l7Proto())
                    .key("what").value(what)
                    .key("status").value(status)
                    .key("outcome").value(x.status().name().toLowerCase(java.util.Locale.ROOT))
                    .key("failed").value(failed ? 1 : 0)
                    .key("client").value(endpoint(x.clientIp(), x.clientPort()))
                    .key("server").value(endpoint(x.serverIp(), x.serverPort()))
                    .key("latency_ms").value(x.latencyNanos() >= 0 ? x.latencyNanos() / 1e6 : -1)
                    .key("l7_traceid").value(x.l7TraceId())
                    .key("conn").value(conn)
                    .key("path").value(path)
                    .close('}');
        }

        private static String endpoint(String ip, int port) {
            return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
        }

        private static String template() {
            try (InputStream in = HtmlReport.class.getResourceAsStream("report.html")) {
                if (in == null) {
                    throw new IllegalStateException("report.html is missing from the netsieve-topology jar");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the report template", e);
            }
        }
    }
}
