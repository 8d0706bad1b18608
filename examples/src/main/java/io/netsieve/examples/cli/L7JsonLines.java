package io.netsieve.examples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.core.nic.Nic;
import io.netsieve.l7.DnsAnswer;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7LogListener;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Writes {@code l7.jsonl}: one JSON object per {@code bpf_net_l7_log} record (one exchange on one capture point),
 * with the reference's field names (§2, §4); DNS and Redis fields are named in the same style ({@code dns_*},
 * {@code redis_command}, {@code redis_args}, {@code redis_reply_type}, {@code redis_error}). Costs are in ms.
 */
final class L7JsonLines implements AutoCloseable {
    private final BufferedWriter out;
    private final ObjectMapper mapper = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private long written;

    /** Also given every record with its capture point (the cross-capture-point correlator), or null. */
    private final BiConsumer<L7Log, Nic> also;

    /** Line protocol instead of JSON (see {@link LineProtocol}). */
    private final boolean lineProtocol;

    L7JsonLines(Path file, BiConsumer<L7Log, Nic> also) throws IOException {
        this(file, false, also);
    }

    L7JsonLines(Path file, boolean lineProtocol, BiConsumer<L7Log, Nic> also) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        this.lineProtocol = lineProtocol;
        this.also = also;
    }

    long written() {
        return written;
    }

    /** A listener writing the records of the capture point {@code nic}. */
    L7LogListener forNic(Nic nic) {
        return log -> {
            try {
                if (lineProtocol) {
                    out.write(LineProtocol.line(toMap(log, nic)));
                } else {
                    mapper.writeValue(out, toMap(log, nic));
                }
                out.write('\n');
                written++;
                if (also != null) {
                    also.accept(log, nic);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    static Map<String, Object> toMap(L7Log log, Nic nic) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", "bpf_net_l7_log");
        m.put("time", log.timestampNanos());
        NicTags.put(m, nic);
        SharedFields.connection(m, log.l4Proto(), log.l7Proto(), log.clientIp(), log.clientPort(), log.serverIp(),
                log.serverPort(), log.innerTraceId());
        m.put("l7_traceid", log.l7TraceId());
        m.put("req_seq", log.reqSeq() >= 0 ? log.reqSeq() : null);
        m.put("resp_seq", log.respSeq() >= 0 ? log.respSeq() : null);
        m.put("tx_seq", log.txSeq() >= 0 ? log.txSeq() : null);
        m.put("rx_seq", log.rxSeq() >= 0 ? log.rxSeq() : null);
        SharedFields.counts(m, log.txPackets(), log.rxPackets(), log.txBytes(), log.rxBytes(), log.txRetrans(),
                log.rxRetrans());
        m.put("chunk_id_min", log.chunkIdMin() >= 0 ? log.chunkIdMin() : null);
        m.put("chunk_id_max", log.chunkIdMax() >= 0 ? log.chunkIdMax() : null);
        m.put("status", log.status().name().toLowerCase(java.util.Locale.ROOT));
        m.put("req_bytes", log.reqBytes());
        m.put("resp_bytes", log.respBytes());
        m.put("cost_req_sent", log.costReqSentNanos() >= 0 ? log.costReqSentMs() : null);
        m.put("cost_resp_wait", log.costRespWaitNanos() >= 0 ? log.costRespWaitMs() : null);
        m.put("cost_cnt_dl", log.costCntDlNanos() >= 0 ? log.costCntDlMs() : null);
        m.put("latency", log.latencyNanos() >= 0 ? log.latencyMs() : null);
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
            m.put("http_headers", h.headers());
        }
        DnsInfo d = log.dns();
        if (d != null) {
            m.put("dns_id", d.id());
            m.put("dns_query_name", d.queryName());
            m.put("dns_query_type", d.queryType());
            m.put("dns_query_class", d.queryClass());
            m.put("dns_flags", d.flags());
            m.put("dns_rcode", d.rcode() >= 0 ? d.rcode() : null);
            m.put("dns_extended_rcode", d.extendedRcode() >= 0 ? d.extendedRcode() : null);
            List<Map<String, Object>> answers = new ArrayList<>();
            for (DnsAnswer a : d.answers()) {
                Map<String, Object> am = new LinkedHashMap<>();
                am.put("name", a.name());
                am.put("type", a.type());
                am.put("ttl", a.ttl());
                am.put("data", a.data());
                answers.add(am);
            }
            m.put("dns_answers", answers);
            m.put("dns_malformed", d.malformed());
        }
        // protocols without a typed part (Redis, user protocols) name their fields in the same style: top level
        for (Map.Entry<String, String> a : new java.util.TreeMap<>(log.attributes()).entrySet()) {
            m.putIfAbsent(a.getKey(), a.getValue());
        }
        return m;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
