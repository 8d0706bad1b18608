package io.netsieve.examples.cli;

import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodeStats;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Stats;
import io.netsieve.l4.L4Tracker;
import io.netsieve.topology.L4LogCallback;
import io.netsieve.topology.L7LogCallback;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * What one capture point's file holds: counts, time span, link types, every packet decoded (outcomes, malformed
 * reasons, layers), and the error that ended the file, if any.
 */
final class CapturePointSummary {
    private final CapturePoint point;
    private String format = "";
    private final TreeSet<String> linkTypes = new TreeSet<>();
    private long packets;
    private long capturedBytes;
    private long wireBytes;
    private long truncated;
    /** Packets the filter refused (not decoded, not tracked). */
    private long filtered;
    private long firstNanos = Long.MAX_VALUE;
    private long lastNanos = Long.MIN_VALUE;
    private String error;
    private final DecodeStats decode = new DecodeStats();
    private L4Stats l4;
    private io.netsieve.l7.L7Stats l7;

    private CapturePointSummary(CapturePoint point) {
        this.point = point;
    }

    /**
     * Reads the capture point's file to its end (or to the damage that stops it), decoding every packet and
     * rebuilding its connections: the L4 records go to {@code l4Logs}, the L7 exchanges (parsed when {@code l7Logs}
     * is not null) to {@code l7Logs}, each with the capture point's NIC. With a pcap-filter {@code filter} (compiled
     * per link type, run by the JIT) the packets it refuses are counted as filtered and go no further. Every 4096
     * packets and at the end {@code progress} hears the bytes read from the file so far (record headers included).
     */
    static CapturePointSummary scan(CapturePoint point, L4LogCallback l4Logs, L7LogCallback l7Logs, String filter,
                                    LongConsumer progress) {
        CapturePointSummary s = new CapturePointSummary(point);
        PacketView view = new PacketView();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        Nic nic = point.nic();
        L4Tracker.Builder builder = L4Tracker.builder().nics(id -> nic).listener(log -> l4Logs.onL4Log(log, nic));
        io.netsieve.l7.L7Tracker l7 = null;
        if (l7Logs != null) {
            l7 = io.netsieve.l7.L7Tracker.builder().listener(log -> l7Logs.onL7Log(log, nic)).build();
            builder.streams(l7.streams()).datagrams(l7.datagrams());
        }
        L4Tracker tracker = builder.build();
        try (CaptureFileReader reader = CaptureFiles.open(point.file(), point.id())) {
            s.format = reader.format();
            int lastLinkType = -1;
            BpfFilter bpf = null;
            long read = reader.format().equals("pcap") ? 24 : 0;
            while (reader.next(view)) {
                s.packets++;
                read += view.captureLength() + 16;
                if ((s.packets & 4095) == 0) {
                    progress.accept(read);
                }
                if (view.linkType() != lastLinkType && filter != null) {
                    try {
                        bpf = BpfJit.compile(FilterCompiler.builder().linkType(view.linkType()).build()
                                .compile(filter));
                    } catch (IllegalArgumentException e) { // the expression does not suit this link type
                        s.error = "filter for link type " + LinkType.name(view.linkType()) + ": " + e.getMessage();
                        break;
                    }
                }
                if (bpf != null && bpf.apply(view) == 0) {
                    s.filtered++;
                    if (view.linkType() != lastLinkType) {
                        lastLinkType = view.linkType();
                        s.linkTypes.add(LinkType.name(lastLinkType));
                    }
                    continue;
                }
                decoder.decode(view, decoded);
                s.decode.record(decoded);
                tracker.onPacket(decoded);
                s.capturedBytes += view.captureLength();
                s.wireBytes += view.wireLength();
                if (view.isTruncated()) s.truncated++;
                long ts = view.timestampNanos();
                if (ts < s.firstNanos) s.firstNanos = ts;
                if (ts > s.lastNanos) s.lastNanos = ts;
                if (view.linkType() != lastLinkType) {
                    lastLinkType = view.linkType();
                    s.linkTypes.add(LinkType.name(lastLinkType));
                }
            }
        } catch (IOException e) {
            s.error = e.getMessage();
        }
        progress.accept(Long.MAX_VALUE);
        tracker.flush();
        s.l4 = tracker.stats();
        s.l7 = l7 == null ? null : l7.stats();
        return s;
    }

    CapturePoint point() { return point; }
    long packets() { return packets; }
    /** Packets the filter refused. */
    long filtered() { return filtered; }
    long wireBytes() { return wireBytes; }
    String error() { return error; }
    String linkTypes() { return String.join(",", linkTypes); }
    String format() { return format; }
    DecodeStats decode() { return decode; }
    L4Stats l4() { return l4; }
    /** L7 counters, or null when L7 was not parsed. */
    io.netsieve.l7.L7Stats l7() { return l7; }

    double durationSeconds() {
        return packets == 0 ? 0 : (lastNanos - firstNanos) / 1e9;
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
        m.put("format", format);
        m.put("link_types", List.copyOf(linkTypes));
        m.put("packets", packets);
        m.put("captured_bytes", capturedBytes);
        m.put("wire_bytes", wireBytes);
        m.put("truncated_packets", truncated);
        m.put("filtered_packets", filtered);
        m.put("first_packet", packets == 0 ? null : Instant.ofEpochSecond(0, firstNanos).toString());
        m.put("last_packet", packets == 0 ? null : Instant.ofEpochSecond(0, lastNanos).toString());
        m.put("decode", decodeJson(decode));
        m.put("l4", l4Json(l4));
        if (l7 != null) {
            m.put("l7", l7Json(l7));
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

    static Map<String, Object> l7Json(io.netsieve.l7.L7Stats l7) {
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

    static Map<String, Object> decodeJson(DecodeStats stats) {
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
        m.put("packets", all.stream().mapToLong(s -> s.packets).sum());
        m.put("wire_bytes", all.stream().mapToLong(s -> s.wireBytes).sum());
        m.put("filtered_packets", all.stream().mapToLong(s -> s.filtered).sum());
        m.put("capture_points_with_errors", all.stream().filter(s -> s.error != null).count());
        m.put("flows", all.stream().mapToLong(s -> s.l4.flowsCreated()).sum());
        m.put("l4_records", all.stream().mapToLong(s -> s.l4.records()).sum());
        m.put("l7_records", all.stream().mapToLong(s -> s.l7 == null ? 0 : s.l7.records()).sum());
        DecodeStats decode = new DecodeStats();
        all.forEach(s -> decode.add(s.decode));
        m.put("decode", decodeJson(decode));
        return m;
    }
}
