package io.netsieve.examples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.EvidenceStep;
import io.netsieve.topology.Finding;
import io.netsieve.topology.FindingKind;
import io.netsieve.topology.FindingListener;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code findings.jsonl}: one JSON object per finding — kind, severity, summary, subject, time range, count,
 * and its evidence in the troubleshooting order (symptom, l4, l7, topology, correlation, related), each step with
 * its references: L4 records by capture point + {@code inner_traceid} + {@code chunk_id}, L7 records by capture point
 * + {@code inner_traceid} + {@code l7_traceid}, paths by their key, the first hop's {@code l7_traceid} (as in
 * {@code paths.jsonl}) and its time.
 */
final class FindingJsonLines implements AutoCloseable, FindingListener {
    private final BufferedWriter out;
    private final ObjectMapper mapper = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private final Map<FindingKind, Long> counts = new EnumMap<>(FindingKind.class);
    private long written;

    FindingJsonLines(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    long written() {
        return written;
    }

    /** Findings written per kind, in {@link FindingKind} order. */
    Map<FindingKind, Long> counts() {
        return counts;
    }

    @Override
    public void onFinding(Finding finding) {
        try {
            mapper.writeValue(out, toMap(finding));
            out.write('\n');
            written++;
            counts.merge(finding.kind(), 1L, Long::sum);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> toMap(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", f.kind().label());
        m.put("severity", f.severity().label());
        m.put("summary", f.summary());
        Map<String, Object> subject = new LinkedHashMap<>();
        subject.put("type", f.subject().type().label());
        subject.put("value", f.subject().value());
        m.put("subject", subject);
        m.put("start_time", f.startNanos());
        m.put("end_time", f.endNanos());
        m.put("count", f.count());
        List<Map<String, Object>> evidence = new ArrayList<>();
        for (EvidenceStep s : f.evidence()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("layer", s.layer().label());
            sm.put("description", s.description());
            List<Map<String, Object>> refs = new ArrayList<>();
            for (EvidenceRef r : s.refs()) {
                refs.add(ref(r));
            }
            sm.put("refs", refs);
            sm.put("omitted", s.omitted());
            evidence.add(sm);
        }
        m.put("evidence", evidence);
        return m;
    }

    private static Map<String, Object> ref(EvidenceRef r) {
        Map<String, Object> m = new LinkedHashMap<>();
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
        return m;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
