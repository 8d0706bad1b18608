package io.netsieve.examples.cli;

import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.l4.L4Stats;
import io.netsieve.l7.L7Stats;
import io.netsieve.topology.CapturePointStats;
import io.netsieve.topology.DecodeCounts;
import io.netsieve.topology.RunSummary;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One capture point of a run as {@code summary.json} and the summary table show it: the pipeline's counters
 * ({@link CapturePointStats}: packets by outcome, bytes, time span, link types, file format, decode details, the L4
 * and L7 trackers' counters) and the error that ended its file, if any.
 */
record CapturePointSummary(CapturePoint point, CapturePointStats stats, String error) {

    /** The capture points of {@code summary}, in the run's order. */
    static List<CapturePointSummary> of(RunSummary summary, List<CapturePoint> order) {
        List<CapturePointSummary> all = new ArrayList<>();
        for (CapturePoint p : order) {
            all.add(new CapturePointSummary(p, summary.capturePoints().get(p), summary.errors().get(p)));
        }
        return all;
    }

    long packets() { return stats.packets(); }
    /** Packets the filter refused. */
    long filtered() { return stats.filtered(); }
    long wireBytes() { return stats.wireBytes(); }
    String linkTypes() { return String.join(",", stats.linkTypes()); }
    DecodeCounts decode() { return stats.decode(); }
    L4Stats l4() { return stats.l4(); }
    /** L7 counters, or null when L7 was not parsed. */
    L7Stats l7() { return stats.l7(); }

    double durationSeconds() {
        return stats.durationNanos() / 1e9;
    }

    Map<String, Object> toJson() {
        Nic nic = point.nic();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("capture_point_id", point.id());
        m.put("file", point.file().toString());
        m.put("host", nic.host());
        m.put("nic_name", nic.nicName());
        m.put("nic_kind", nic.kind().label());
        m.put("nic_mac", nic.macString());
        m.put("netns", nic.netns());
        m.put("pod_name", nic.podName());
        m.put("k8s_namespace", nic.k8sNamespace());
        m.put("k8s_container_name", nic.k8sContainerName());
        m.put("ip", nic.localAddresses().stream().map(io.netsieve.core.packet.IpAddressText::of).toList());
        m.put("format", stats.format());
        m.put("link_types", stats.linkTypes());
        m.put("packets", stats.packets());
        m.put("captured_bytes", stats.capturedBytes());
        m.put("wire_bytes", stats.wireBytes());
        m.put("truncated_packets", stats.snapped());
        m.put("filtered_packets", stats.filtered());
        boolean none = stats.analysed() == 0;
        m.put("first_packet", none ? null : Instant.ofEpochSecond(0, stats.firstNanos()).toString());
        m.put("last_packet", none ? null : Instant.ofEpochSecond(0, stats.lastNanos()).toString());
        m.put("decode", decodeJson(stats.decode()));
        m.put("l4", l4Json(stats.l4()));
        if (stats.l7() != null) {
            m.put("l7", l7Json(stats.l7()));
        }
        m.put("error", error);
        return m;
    }

    static Map<String, Object> l4Json(L4Stats l4) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tcp_packets", l4.tcpPackets());
        m.put("udp_packets", l4.udpPackets());
        m.put("untracked_packets", l4.ignoredPackets());
        m.put("flows", l4.flowsCreated());
        m.put("flows_expired", l4.flowsExpired());
        m.put("flows_evicted", l4.flowsEvicted());
        m.put("port_reuses", l4.portReuses());
        m.put("records", l4.records());
        return m;
    }

    static Map<String, Object> l7Json(L7Stats l7) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connections", l7.connections());
        m.put("detected", l7.detected());
        m.put("undetected", l7.undetected());
        m.put("records", l7.records());
        m.put("ok", l7.ok());
        m.put("no_response", l7.noResponse());
        m.put("request_malformed", l7.requestMalformed());
        m.put("response_malformed", l7.responseMalformed());
        m.put("no_request", l7.noRequest());
        m.put("gaps", l7.gaps());
        m.put("lost_bytes", l7.lostBytes());
        m.put("pending_evicted", l7.pendingEvicted());
        m.put("late_responses", l7.lateResponses());
        m.put("parser_failures", l7.parserFailures());
        return m;
    }

    static Map<String, Object> decodeJson(DecodeCounts stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (DecodeOutcome o : DecodeOutcome.values()) {
            m.put(o.name().toLowerCase(), stats.count(o));
        }
        Map<String, Object> reasons = new LinkedHashMap<>();
        for (MalformedReason r : MalformedReason.values()) {
            if (stats.count(r) > 0) {
                reasons.put(r.name().toLowerCase(), stats.count(r));
            }
        }
        m.put("malformed_reasons", reasons);
        Map<String, Object> layers = new LinkedHashMap<>();
        for (Layer l : Layer.values()) {
            if (stats.count(l) > 0) {
                layers.put(l.name().toLowerCase(), stats.count(l));
            }
        }
        m.put("layers", layers);
        return m;
    }

    static Map<String, Object> totals(List<CapturePointSummary> all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("capture_points", all.size());
        m.put("packets", all.stream().mapToLong(CapturePointSummary::packets).sum());
        m.put("wire_bytes", all.stream().mapToLong(CapturePointSummary::wireBytes).sum());
        m.put("filtered_packets", all.stream().mapToLong(CapturePointSummary::filtered).sum());
        m.put("capture_points_with_errors", all.stream().filter(s -> s.error != null).count());
        m.put("flows", all.stream().mapToLong(s -> s.l4().flowsCreated()).sum());
        m.put("l4_records", all.stream().mapToLong(s -> s.l4().records()).sum());
        m.put("l7_records", all.stream().mapToLong(s -> s.l7() == null ? 0 : s.l7().records()).sum());
        m.put("decode", decodeJson(total(all)));
        return m;
    }

    /** The decode counts of every capture point added up. */
    static DecodeCounts total(List<CapturePointSummary> all) {
        DecodeCounts total = DecodeCounts.EMPTY;
        for (CapturePointSummary s : all) {
            total = total.plus(s.decode());
        }
        return total;
    }
}
