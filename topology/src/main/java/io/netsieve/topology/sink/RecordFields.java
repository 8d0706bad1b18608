package io.netsieve.topology.sink;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.TcpAnalysisFlag;
import io.netsieve.l7.DnsAnswer;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.AddressTranslation;
import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.EvidenceStep;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.Hop;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * netsieve's records as ordered maps with the field names of the record model (snake_case, reference §2-§4), the
 * form both sinks write ({@link JsonLinesSink} as JSON objects, {@link LineProtocolSink} as tags and fields) and the
 * one to use for a sink of your own. Absent values are {@code null} (JSON {@code null}, left out of line protocol);
 * costs and latencies are in ms, times in ns since the epoch. Each call returns a new mutable map. The fields are
 * written through a {@link FieldOut}, so {@link JsonLinesSink} writes the same fields as JSON without making the maps.
 */
public final class RecordFields {
    private RecordFields() {
    }

    /**
     * A {@code bpf_net_l4_log} record ({@code source} {@code bpf_net_l4_log}, {@code time}, the capture point's
     * tags, endpoints, direction, the connection's ids, the chunk's counts and TCP costs, Zeek's state and history,
     * and the packet series as a list of maps).
     */
    public static Map<String, Object> l4(L4Log log, Nic nic) {
        MapFieldOut m = new MapFieldOut();
        l4(m, log, nic);
        return m.root();
    }

    /** The same fields written to {@code m}. */
    static void l4(FieldOut m, L4Log log, Nic nic) {
        m.put("source", "bpf_net_l4_log");
        m.put("time", log.timeNanos());
        nicTags(m, nic);
        m.put("src_ip", log.srcIp());
        m.put("src_port", log.srcPort());
        m.put("dst_ip", log.dstIp());
        m.put("dst_port", log.dstPort());
        m.put("direction", log.direction().label());
        m.put("conn_side", log.connSide());
        m.put("direction_score", log.directionScore());
        connection(m, log.l4Proto(), log.l7Proto(), log.clientIp(), log.clientPort(), log.serverIp(),
                log.serverPort(), log.innerTraceId());
        m.put("nic_traceid", log.nicTraceId());
        m.put("community_id", log.communityId());
        m.put("vxlan_packet", log.vxlanPacket());
        m.putOrNull("vni_id", log.vni() >= 0, log.vni());
        m.putOrNull("vlan_id", log.vlanId() >= 0, log.vlanId());
        m.put("chunk_id", log.chunkId());
        m.put("last_chunk", log.lastChunk());
        m.put("evicted", log.evicted());
        m.put("tx_seq_min", log.txSeqMin());
        m.put("tx_seq_max", log.txSeqMax());
        m.put("rx_seq_min", log.rxSeqMin());
        m.put("rx_seq_max", log.rxSeqMax());
        m.put("tx_seq_pos", log.txSeqPos());
        m.put("rx_seq_pos", log.rxSeqPos());
        counts(m, log.txPackets(), log.rxPackets(), log.txBytes(), log.rxBytes(), log.txRetrans(), log.rxRetrans());
        m.put("tcp_syn_retrans", log.tcpSynRetrans());
        m.put("chunk_syn", log.chunkSyn());
        m.putOrNull("tcp_3whs_cost", log.tcp3whsCost() >= 0, log.tcp3whsCost());
        m.put("chunk_fin", log.chunkFin());
        m.putOrNull("tcp_4whs_cost", log.tcp4whsCost() >= 0, log.tcp4whsCost());
        m.putOrNull("tcp_rtt", log.tcpRtt() >= 0, log.tcpRtt());
        m.put("conn_state", log.connState());
        m.put("history", log.history());
        m.put("icmp_errors", log.icmpErrors());
        m.put("icmp_last_error", log.icmpLastError());
        PacketSeries s = log.packets();
        m.beginArray("packets");
        for (int i = 0; i < s.size(); i++) {
            m.beginElement();
            m.put("txrx", s.isTx(i) ? "tx" : "rx");
            m.put("src_mac", s.srcMacId(i));
            m.put("dst_mac", s.dstMacId(i));
            m.put("flags", PacketSeries.flagText(s.flags(i)));
            m.put("seq", s.seq(i));
            m.put("ack_seq", s.ack(i));
            m.put("payload_size", s.payloadSize(i));
            m.put("win", s.window(i));
            m.put("ts", s.tsOffset(i));
            if (s.analysis(i) != 0) {
                m.put("analysis", TcpAnalysisFlag.text(s.analysis(i)));
            }
            if (s.ackRttNanos(i) >= 0) {
                m.put("ack_rtt", s.ackRttNanos(i) / 1e6);
            }
            m.endObject();
        }
        m.endArray();
    }

    /**
     * A {@code bpf_net_l7_log} record (one exchange on one capture point): the reference's §2 and §4 fields; DNS and
     * Redis fields named in the same style ({@code dns_*}, {@code redis_command}, {@code redis_args},
     * {@code redis_reply_type}, {@code redis_error}); a protocol's other attributes at the top level.
     */
    public static Map<String, Object> l7(L7Log log, Nic nic) {
        MapFieldOut m = new MapFieldOut();
        l7(m, log, nic);
        return m.root();
    }

    /** The same fields written to {@code m}. */
    static void l7(FieldOut m, L7Log log, Nic nic) {
        m.put("source", "bpf_net_l7_log");
        m.put("time", log.timestampNanos());
        nicTags(m, nic);
        connection(m, log.l4Proto(), log.l7Proto(), log.clientIp(), log.clientPort(), log.serverIp(),
                log.serverPort(), log.innerTraceId());
        m.put("l7_traceid", log.l7TraceId());
        m.putOrNull("req_seq", log.reqSeq() >= 0, log.reqSeq());
        m.putOrNull("resp_seq", log.respSeq() >= 0, log.respSeq());
        m.putOrNull("tx_seq", log.txSeq() >= 0, log.txSeq());
        m.putOrNull("rx_seq", log.rxSeq() >= 0, log.rxSeq());
        counts(m, log.txPackets(), log.rxPackets(), log.txBytes(), log.rxBytes(), log.txRetrans(), log.rxRetrans());
        m.putOrNull("chunk_id_min", log.chunkIdMin() >= 0, log.chunkIdMin());
        m.putOrNull("chunk_id_max", log.chunkIdMax() >= 0, log.chunkIdMax());
        m.put("status", log.status().name().toLowerCase(Locale.ROOT));
        m.put("req_bytes", log.reqBytes());
        m.put("resp_bytes", log.respBytes());
        m.putOrNull("cost_req_sent", log.costReqSentNanos() >= 0, log.costReqSentMs());
        m.putOrNull("cost_resp_wait", log.costRespWaitNanos() >= 0, log.costRespWaitMs());
        m.putOrNull("cost_cnt_dl", log.costCntDlNanos() >= 0, log.costCntDlMs());
        m.putOrNull("latency", log.latencyNanos() >= 0, log.latencyMs());
        HttpInfo h = log.http();
        if (h != null) {
            m.put("http_method", h.method());
            m.put("http_path", h.path());
            m.put("http_query", h.query());
            m.put("http_version", h.version());
            m.put("http_host", h.host());
            m.put("http_status_code", h.statusCode());
            m.put("http_reason", h.reason());
            m.put("http_content_type", h.contentType());
            m.put("http_user_agent", h.userAgent());
            m.put("http_req_header_bytes", h.reqHeaderBytes());
            m.put("http_req_body_bytes", h.reqBodyBytes());
            m.put("http_resp_header_bytes", h.respHeaderBytes());
            m.put("http_resp_body_bytes", h.respBodyBytes());
            m.put("http_informational", h.informational());
            m.put("http_smuggling", h.smuggling());
            m.put("trace_id", h.traceId());
            m.put("parent_id", h.parentId());
            m.put("x_request_id", h.requestId());
            m.putSorted("http_headers", h.headers()); // one order every run
        }
        DnsInfo d = log.dns();
        if (d != null) {
            m.put("dns_id", d.id());
            m.put("dns_query_name", d.queryName());
            m.put("dns_query_type", d.queryType());
            m.put("dns_query_class", d.queryClass());
            m.put("dns_flags", d.flags());
            m.putOrNull("dns_rcode", d.rcode() >= 0, d.rcode());
            m.putOrNull("dns_extended_rcode", d.extendedRcode() >= 0, d.extendedRcode());
            m.beginArray("dns_answers");
            for (DnsAnswer a : d.answers()) {
                m.beginElement();
                m.put("name", a.name());
                m.put("type", a.type());
                m.put("ttl", a.ttl());
                m.put("data", a.data());
                m.endObject();
            }
            m.endArray();
            m.put("dns_malformed", d.malformed());
        }
        // protocols without a typed part (Redis, user protocols) name their fields in the same style: top level
        if (!log.attributes().isEmpty()) {
            for (Map.Entry<String, String> a : new TreeMap<>(log.attributes()).entrySet()) {
                m.putIfAbsent(a.getKey(), a.getValue());
            }
        }
    }

    /**
     * One correlated exchange: its key ({@code l7_traceid} of the first hop), the join keys used, what it was
     * (protocols, method and path, status at the server-most hop), the hops client to server (capture point, role,
     * times of the request's and response's first bytes, endpoints seen there), the hop latencies (ms) and the
     * address translations between hops.
     */
    public static Map<String, Object> path(ExchangePath p) {
        MapFieldOut m = new MapFieldOut();
        path(m, p);
        return m.root();
    }

    /** The same fields written to {@code m}. */
    static void path(FieldOut m, ExchangePath p) {
        List<Hop> hops = p.hops();
        L7Log last = hops.get(hops.size() - 1).log();
        m.put("l7_traceid", hops.get(0).log().l7TraceId());
        Set<String> joinedBy = new LinkedHashSet<>();
        for (Hop h : hops) {
            if (h.joinedBy() != null) {
                joinedBy.add(h.joinedBy().name().toLowerCase(Locale.ROOT));
            }
        }
        m.putStrings("joined_by", joinedBy);
        m.put("l4_proto", last.l4Proto());
        m.put("l7_proto", last.l7Proto());
        HttpInfo h = last.http();
        if (h != null) {
            m.put("http_method", h.method());
            m.put("http_path", h.path());
            m.put("http_status_code", h.statusCode());
        }
        if (last.dns() != null) {
            m.put("dns_query_name", last.dns().queryName());
            m.putOrNull("dns_rcode", last.dns().rcode() >= 0, last.dns().rcode());
        }
        m.put("client_observed", p.clientObserved());
        m.put("server_observed", p.serverObserved());
        m.beginArray("hops");
        for (Hop hop : hops) {
            m.beginElement();
            nicTags(m, hop.nic());
            m.put("role", hop.role().label());
            m.putOrNull("req_time", hop.requestNanos() >= 0, hop.requestNanos());
            m.putOrNull("resp_time", hop.responseNanos() >= 0, hop.responseNanos());
            m.put("client", hop.client());
            m.put("server", hop.server());
            m.put("inner_traceid", hop.log().innerTraceId());
            m.put("joined_by", hop.joinedBy() == null ? null : hop.joinedBy().name().toLowerCase(Locale.ROOT));
            m.endObject();
        }
        m.endArray();
        m.beginArray("hop_latencies");
        for (int i = 0; i < p.requestLatencyNanos().size(); i++) {
            m.beginElement();
            m.put("from_hop", i);
            m.put("to_hop", i + 1);
            long req = p.requestLatencyNanos().get(i);
            long resp = p.responseLatencyNanos().get(i);
            m.putOrNull("request_ms", req >= 0, req / 1e6);
            m.putOrNull("response_ms", resp >= 0, resp / 1e6);
            m.endObject();
        }
        m.endArray();
        m.beginArray("nat");
        for (AddressTranslation t : p.translations()) {
            m.beginElement();
            m.put("after_hop", t.afterHop());
            m.put("snat", t.snat());
            m.put("dnat", t.dnat());
            m.put("client_before", t.clientBefore());
            m.put("client_after", t.clientAfter());
            m.put("server_before", t.serverBefore());
            m.put("server_after", t.serverAfter());
            m.endObject();
        }
        m.endArray();
    }

    /**
     * One finding: kind, severity, summary, subject, time range, count, and its evidence in the troubleshooting order
     * (symptom, l4, l7, topology, correlation, related), each step with its references: L4 records by capture point
     * + {@code inner_traceid} + {@code chunk_id}, L7 records by capture point + {@code inner_traceid} +
     * {@code l7_traceid}, paths by their key, the first hop's {@code l7_traceid} (as in {@link #path}) and its time.
     */
    public static Map<String, Object> finding(Finding f) {
        MapFieldOut m = new MapFieldOut();
        finding(m, f);
        return m.root();
    }

    /** The same fields written to {@code m}. */
    static void finding(FieldOut m, Finding f) {
        m.put("kind", f.kind().label());
        m.put("severity", f.severity().label());
        m.put("summary", f.summary());
        m.beginObject("subject");
        m.put("type", f.subject().type().label());
        m.put("value", f.subject().value());
        m.endObject();
        m.put("start_time", f.startNanos());
        m.put("end_time", f.endNanos());
        m.put("count", f.count());
        // a problem over several windows: one finding per window, the series sharing since_time
        m.put("since_time", f.sinceNanos());
        m.put("occurrence", f.occurrence());
        m.beginArray("evidence");
        for (EvidenceStep s : f.evidence()) {
            m.beginElement();
            m.put("layer", s.layer().label());
            m.put("description", s.description());
            m.beginArray("refs");
            for (EvidenceRef r : s.refs()) {
                m.beginElement();
                ref(m, r);
                m.endObject();
            }
            m.endArray();
            m.put("omitted", s.omitted());
            m.endObject();
        }
        m.endArray();
    }

    private static void ref(FieldOut m, EvidenceRef r) {
        EvidenceRef.CapturePoint p = r.capturePoint();
        m.put("record", r instanceof EvidenceRef.L4 ? "bpf_net_l4_log" : r instanceof EvidenceRef.L7
                ? "bpf_net_l7_log" : "path");
        m.put("host", p.host());
        m.put("netns", p.netns());
        m.put("k8s_pod_name", p.podName());
        m.put("nic_name", p.nicName());
        if (r instanceof EvidenceRef.L4 l4) {
            m.put("inner_traceid", l4.innerTraceId());
            m.put("chunk_id", l4.chunkId());
        } else if (r instanceof EvidenceRef.L7 l7) {
            m.put("inner_traceid", l7.innerTraceId());
            m.put("l7_traceid", l7.l7TraceId());
        } else if (r instanceof EvidenceRef.Path path) {
            m.put("path_key", path.key());
            m.put("l7_traceid", path.l7TraceId());
            m.put("time", path.timeNanos());
        }
    }

    /** The capture-point tags every record carries, L4 and L7 alike (reference §2). */
    private static void nicTags(FieldOut m, Nic nic) {
        m.put("host", nic.host());
        m.put("nic_name", nic.nicName());
        m.put("nic_mac", nic.macString());
        m.put("netns", nic.netns());
        m.put("virtual_nic", nic.isVirtual());
        m.put("k8s_namespace", nic.k8sNamespace());
        m.put("k8s_pod_name", nic.podName());
        m.put("k8s_container_name", nic.k8sContainerName());
    }

    /** The connection, named the same way in L4 and L7 records. */
    private static void connection(FieldOut m, String l4Proto, String l7Proto, String clientIp,
                                   int clientPort, String serverIp, int serverPort, String innerTraceId) {
        m.put("l4_proto", l4Proto);
        m.put("l7_proto", l7Proto);
        m.put("client_ip", clientIp);
        m.put("client_port", clientPort);
        m.put("server_ip", serverIp);
        m.put("server_port", serverPort);
        m.put("inner_traceid", innerTraceId);
    }

    /** Per-direction counts from the capture point's view. */
    private static void counts(FieldOut m, long txPackets, long rxPackets, long txBytes, long rxBytes,
                               long txRetrans, long rxRetrans) {
        m.put("tx_packets", txPackets);
        m.put("rx_packets", rxPackets);
        m.put("tx_bytes", txBytes);
        m.put("rx_bytes", rxBytes);
        m.put("tx_retrans", txRetrans);
        m.put("rx_retrans", rxRetrans);
    }
}
