package io.netsieve.examples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.AddressTranslation;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.ExchangePathListener;
import io.netsieve.topology.Hop;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes {@code paths.jsonl}: one JSON object per correlated exchange — its key ({@code l7_traceid} of the first
 * hop), the join keys used, what it was (protocol, method and path, status at the server-most hop), the hops client
 * to server (capture point, role, times of the request's and response's first bytes, endpoints seen there), the hop
 * latencies (ms) and the address translations between hops.
 */
final class PathJsonLines implements AutoCloseable, ExchangePathListener {
    private final BufferedWriter out;
    private final ObjectMapper mapper = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private long written;

    PathJsonLines(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    long written() {
        return written;
    }

    @Override
    public void onPath(ExchangePath path) {
        try {
            mapper.writeValue(out, toMap(path));
            out.write('\n');
            written++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> toMap(ExchangePath p) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Hop> hops = p.hops();
        L7Log last = hops.get(hops.size() - 1).log();
        m.put("l7_traceid", hops.get(0).log().l7TraceId());
        Set<String> joinedBy = new LinkedHashSet<>();
        for (Hop h : hops) {
            if (h.joinedBy() != null) {
                joinedBy.add(h.joinedBy().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        m.put("joined_by", List.copyOf(joinedBy));
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
            m.put("dns_rcode", last.dns().rcode() >= 0 ? last.dns().rcode() : null);
        }
        m.put("client_observed", p.clientObserved());
        m.put("server_observed", p.serverObserved());
        List<Map<String, Object>> hopList = new ArrayList<>();
        for (Hop hop : hops) {
            Map<String, Object> hm = new LinkedHashMap<>();
            NicTags.put(hm, hop.nic());
            hm.put("role", hop.role().label());
            hm.put("req_time", hop.requestNanos() >= 0 ? hop.requestNanos() : null);
            hm.put("resp_time", hop.responseNanos() >= 0 ? hop.responseNanos() : null);
            hm.put("client", hop.client());
            hm.put("server", hop.server());
            hm.put("inner_traceid", hop.log().innerTraceId());
            hm.put("joined_by", hop.joinedBy() == null ? null
                    : hop.joinedBy().name().toLowerCase(java.util.Locale.ROOT));
            hopList.add(hm);
        }
        m.put("hops", hopList);
        List<Map<String, Object>> latencies = new ArrayList<>();
        for (int i = 0; i < p.requestLatencyNanos().size(); i++) {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("from_hop", i);
            lm.put("to_hop", i + 1);
            long req = p.requestLatencyNanos().get(i);
            long resp = p.responseLatencyNanos().get(i);
            lm.put("request_ms", req >= 0 ? req / 1e6 : null);
            lm.put("response_ms", resp >= 0 ? resp / 1e6 : null);
            latencies.add(lm);
        }
        m.put("hop_latencies", latencies);
        List<Map<String, Object>> nat = new ArrayList<>();
        for (AddressTranslation t : p.translations()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("after_hop", t.afterHop());
            tm.put("snat", t.snat());
            tm.put("dnat", t.dnat());
            tm.put("client_before", t.clientBefore());
            tm.put("client_after", t.clientAfter());
            tm.put("server_before", t.serverBefore());
            tm.put("server_after", t.serverAfter());
            nat.add(tm);
        }
        m.put("nat", nat);
        return m;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
