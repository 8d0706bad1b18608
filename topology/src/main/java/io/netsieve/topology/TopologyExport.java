package io.netsieve.topology;

import io.netsieve.topology.internal.JsonText;

import java.util.Map;

/**
 * Text forms of a {@link Topology}: JSON (nodes with their attributes, edges with counts and latencies in ns),
 * Graphviz DOT and Mermaid ({@code flowchart LR}); edge labels carry the exchange count, errors and the median
 * request latency. Written by hand: the library has no JSON dependency.
 */
public final class TopologyExport {
    private TopologyExport() {
    }

    public static String json(Topology t) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"nodes\":[");
        boolean firstNode = true;
        for (TopologyNode n : t.nodes()) {
            b.append(firstNode ? "" : ",").append("{\"id\":").append(quote(n.id())).append(",\"kind\":")
                    .append(quote(n.kind().name().toLowerCase(java.util.Locale.ROOT))).append(",\"label\":")
                    .append(quote(n.label())).append(",\"attributes\":{");
            boolean firstAttr = true;
            for (Map.Entry<String, String> e : n.attributes().entrySet()) {
                b.append(firstAttr ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
                firstAttr = false;
            }
            b.append("}}");
            firstNode = false;
        }
        b.append("],\"edges\":[");
        boolean firstEdge = true;
        for (TopologyEdge e : t.edges()) {
            b.append(firstEdge ? "" : ",").append("{\"from\":").append(quote(e.from())).append(",\"to\":")
                    .append(quote(e.to())).append(",\"exchanges\":").append(e.exchanges()).append(",\"errors\":")
                    .append(e.errors()).append(",\"request_latency\":");
            latency(b, e.requestLatency());
            b.append(",\"response_latency\":");
            latency(b, e.responseLatency());
            b.append('}');
            firstEdge = false;
        }
        return b.append("]}").toString();
    }

    public static String dot(Topology t) {
        StringBuilder b = new StringBuilder("digraph topology {\n  rankdir=LR;\n");
        for (TopologyNode n : t.nodes()) {
            String shape = switch (n.kind()) {
                case VIRTUAL_NIC -> "box, style=rounded";
                case PHYSICAL_NIC -> "box";
                case PORT -> "ellipse";
                case NOT_AVAILABLE -> "ellipse, style=dashed";
            };
            b.append("  ").append(quote(n.id())).append(" [label=").append(quote(n.label())).append(", shape=")
                    .append(shape).append("];\n");
        }
        for (TopologyEdge e : t.edges()) {
            b.append("  ").append(quote(e.from())).append(" -> ").append(quote(e.to())).append(" [label=")
                    .append(quote(edgeLabel(e))).append("];\n");
        }
        return b.append("}\n").toString();
    }

    public static String mermaid(Topology t) {
        StringBuilder b = new StringBuilder("flowchart LR\n");
        Map<String, String> ids = new java.util.HashMap<>();
        for (TopologyNode n : t.nodes()) {
            String id = "n" + ids.size();
            ids.put(n.id(), id);
            String text = mermaidText(n.label());
            b.append("  ").append(id).append(switch (n.kind()) {
                case VIRTUAL_NIC -> "(\"" + text + "\")";
                case PHYSICAL_NIC -> "[\"" + text + "\"]";
                case PORT -> "([\"" + text + "\"])";
                case NOT_AVAILABLE -> "{{\"" + text + "\"}}";
            }).append('\n');
        }
        for (TopologyEdge e : t.edges()) {
            b.append("  ").append(ids.get(e.from())).append(" -->|\"").append(mermaidText(edgeLabel(e)))
                    .append("\"| ").append(ids.get(e.to())).append('\n');
        }
        return b.toString();
    }

    private static String edgeLabel(TopologyEdge e) {
        String label = e.exchanges() + (e.exchanges() == 1 ? " exchange" : " exchanges");
        if (e.errors() > 0) {
            label += ", " + e.errors() + " failed";
        }
        if (e.requestLatency().count() > 0) {
            label += ", req p50 " + micros(e.requestLatency().p50Nanos());
        }
        return label;
    }

    private static String micros(long nanos) {
        return nanos >= 1_000_000 ? String.format(java.util.Locale.ROOT, "%.1f ms", nanos / 1e6)
                : String.format(java.util.Locale.ROOT, "%.0f µs", nanos / 1e3);
    }

    private static void latency(StringBuilder b, LatencySummary s) {
        b.append("{\"count\":").append(s.count()).append(",\"p50_ns\":").append(s.p50Nanos()).append(",\"p90_ns\":")
                .append(s.p90Nanos()).append(",\"p99_ns\":").append(s.p99Nanos()).append(",\"max_ns\":")
                .append(s.maxNanos()).append('}');
    }

    /** A JSON (and DOT) string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        JsonText.quote(b, s, false);
        return b.toString();
    }

    /** Mermaid labels in quotes: a double quote becomes {@code #quot;}. */
    private static String mermaidText(String s) {
        return s.replace("\"", "#quot;");
    }
}
