package io.netsieve.topology.report;

import io.netsieve.topology.NodeKind;
import io.netsieve.topology.Topology;
import io.netsieve.topology.TopologyEdge;
import io.netsieve.topology.TopologyNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a {@link Topology} as inline SVG: nodes in layers by their longest distance from a client endpoint (requests
 * flow left to right), one box per node (rounded for virtual NICs, plain for physical ones, ellipse for endpoints,
 * dashed for N/A), one arrow per edge labelled with the exchange count, failures and median request latency.
 */
final class TopologySvg {
    private static final int COLUMN = 230;
    private static final int ROW = 64;
    private static final int BOX_W = 190;
    private static final int BOX_H = 40;

    private TopologySvg() {
    }

    static String render(Topology t) {
        Map<String, Integer> layer = new HashMap<>();
        for (TopologyNode n : t.nodes()) {
            layer.put(n.id(), 0);
        }
        // longest path layering, bounded (the graph may have cycles: a NIC on the client side of one exchange and
        // the server side of another)
        for (int round = 0; round < t.nodes().size(); round++) {
            boolean changed = false;
            for (TopologyEdge e : t.edges()) {
                int want = layer.get(e.from()) + 1;
                if (want > layer.get(e.to()) && want < t.nodes().size()) {
                    layer.put(e.to(), want);
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        Map<Integer, List<TopologyNode>> columns = new HashMap<>();
        int maxLayer = 0;
        for (TopologyNode n : t.nodes()) {
            int l = layer.get(n.id());
            columns.computeIfAbsent(l, k -> new ArrayList<>()).add(n);
            maxLayer = Math.max(maxLayer, l);
        }
        Map<String, int[]> pos = new HashMap<>();
        int maxRows = 1;
        for (int l = 0; l <= maxLayer; l++) {
            List<TopologyNode> col = columns.getOrDefault(l, List.of());
            for (int i = 0; i < col.size(); i++) {
                pos.put(col.get(i).id(), new int[] {20 + l * COLUMN, 20 + i * ROW});
            }
            maxRows = Math.max(maxRows, col.size());
        }
        int width = 40 + (maxLayer + 1) * COLUMN;
        int height = 40 + maxRows * ROW;
        StringBuilder b = new StringBuilder();
        b.append("<svg class=\"topology\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\">");
        b.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" "
                + "markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>");
        for (TopologyEdge e : t.edges()) {
            int[] a = pos.get(e.from());
            int[] z = pos.get(e.to());
            int x1 = a[0] + BOX_W;
            int y1 = a[1] + BOX_H / 2;
            int x2 = z[0];
            int y2 = z[1] + BOX_H / 2;
            String cls = e.errors() > 0 ? "edge failed" : "edge";
            if (x2 > x1) {
                b.append("<line class=\"").append(cls).append("\" x1=\"").append(x1).append("\" y1=\"").append(y1)
                        .append("\" x2=\"").append(x2).append("\" y2=\"").append(y2)
                        .append("\" marker-end=\"url(#arrow)\"/>");
            } else {
                // a back edge: a curve below the boxes
                int dip = Math.max(y1, y2) + ROW / 2;
                b.append("<path class=\"").append(cls).append("\" fill=\"none\" d=\"M ").append(x1).append(' ')
                        .append(y1).append(" C ").append(x1 + 40).append(' ').append(dip).append(", ").append(x2 - 40)
                        .append(' ').append(dip).append(", ").append(x2).append(' ').append(y2)
                        .append("\" marker-end=\"url(#arrow)\"/>");
            }
            String label = e.exchanges() + (e.errors() > 0 ? " (" + e.errors() + " failed)" : "")
                    + (e.requestLatency().count() > 0 ? " · " + micros(e.requestLatency().p50Nanos()) : "");
            b.append("<text class=\"edge-label\" x=\"").append((x1 + x2) / 2).append("\" y=\"")
                    .append((y1 + y2) / 2 - 4).append("\">").append(Html.escape(label)).append("</text>");
        }
        for (TopologyNode n : t.nodes()) {
            int[] p = pos.get(n.id());
            String cls = "node " + n.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
            b.append("<g class=\"").append(cls).append("\"><title>").append(Html.escape(tooltip(n))).append("</title>");
            if (n.kind() == NodeKind.PORT || n.kind() == NodeKind.NOT_AVAILABLE) {
                b.append("<ellipse cx=\"").append(p[0] + BOX_W / 2).append("\" cy=\"").append(p[1] + BOX_H / 2)
                        .append("\" rx=\"").append(BOX_W / 2).append("\" ry=\"").append(BOX_H / 2).append("\"/>");
            } else {
                int r = n.kind() == NodeKind.VIRTUAL_NIC ? 12 : 2;
                b.append("<rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"").append(BOX_W)
                        .append("\" height=\"").append(BOX_H).append("\" rx=\"").append(r).append("\"/>");
            }
            b.append("<text x=\"").append(p[0] + BOX_W / 2).append("\" y=\"").append(p[1] + BOX_H / 2 + 5)
                    .append("\">").append(Html.escape(shorten(n.label()))).append("</text></g>");
        }
        return b.append("</svg>").toString();
    }

    private static String tooltip(TopologyNode n) {
        StringBuilder b = new StringBuilder(n.label());
        n.attributes().forEach((k, v) -> b.append('\n').append(k).append(": ").append(v));
        return b.toString();
    }

    private static String shorten(String s) {
        return s.length() <= 28 ? s : s.substring(0, 27) + "…";
    }

    static String micros(long nanos) {
        return nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
    }
}
