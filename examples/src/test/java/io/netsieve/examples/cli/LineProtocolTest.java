package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.topology.sink.LineProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Line protocol lines read back by a strict reader written here from the InfluxDB line-protocol grammar
 * (measurement, comma-separated escaped tags, a space, comma-separated fields — integers with {@code i}, floats,
 * booleans, quoted strings — a space, a timestamp): every record of the demo set's {@code l4.jsonl} and
 * {@code l7.jsonl} comes back with the same tags and field values; awkward characters survive.
 */
class LineProtocolTest {

    /** measurement, tags, fields, timestamp. */
    record Parsed(String measurement, Map<String, String> tags, Map<String, Object> fields, long time) {
    }

    static Parsed parse(String line) {
        int[] at = {0};
        String measurement = token(line, at, ",  ", false);
        Map<String, String> tags = new LinkedHashMap<>();
        while (line.charAt(at[0]) == ',') {
            at[0]++;
            String k = token(line, at, "=", true);
            at[0]++;
            tags.put(k, token(line, at, ", ", true));
        }
        if (line.charAt(at[0]) != ' ') {
            throw new IllegalArgumentException("space expected at " + at[0] + ": " + line);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        do {
            at[0]++;
            String k = token(line, at, "=", true);
            at[0]++;
            fields.put(k, value(line, at));
        } while (line.charAt(at[0]) == ',');
        if (line.charAt(at[0]) != ' ') {
            throw new IllegalArgumentException("space expected before the timestamp: " + line);
        }
        return new Parsed(measurement, tags, fields, Long.parseLong(line.substring(at[0] + 1)));
    }

    private static String token(String s, int[] at, String stops, boolean equalsEscaped) {
        StringBuilder b = new StringBuilder();
        while (at[0] < s.length() && stops.indexOf(s.charAt(at[0])) < 0) {
            char c = s.charAt(at[0]);
            if (c == '\\' && at[0] + 1 < s.length() && (",= ".indexOf(s.charAt(at[0] + 1)) >= 0)) {
                c = s.charAt(++at[0]);
            } else if (c == '"' || (c == '=' && !equalsEscaped)) {
                throw new IllegalArgumentException("unescaped " + c + " at " + at[0] + ": " + s);
            }
            b.append(c);
            at[0]++;
        }
        return b.toString();
    }

    private static Object value(String s, int[] at) {
        if (s.charAt(at[0]) == '"') {
            StringBuilder b = new StringBuilder();
            at[0]++;
            while (s.charAt(at[0]) != '"') {
                char c = s.charAt(at[0]);
                if (c == '\\') {
                    c = s.charAt(++at[0]);
                }
                b.append(c);
                at[0]++;
            }
            at[0]++;
            return b.toString();
        }
        int start = at[0];
        while (",  ".indexOf(s.charAt(at[0])) < 0) {
            at[0]++;
        }
        String raw = s.substring(start, at[0]);
        if (raw.equals("true") || raw.equals("false")) {
            return Boolean.parseBoolean(raw);
        }
        if (raw.endsWith("i")) {
            return Long.parseLong(raw.substring(0, raw.length() - 1));
        }
        return Double.parseDouble(raw);
    }

    @Test
    void everyDemoRecordReadsBackTheSame(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, NetSieveCli.run("analyze", "--manifest", "src/main/resources/demo/captures.tsv", "--out",
                out.toString()));
        ObjectMapper mapper = new ObjectMapper();
        int lines = 0;
        for (String file : List.of("l4.jsonl", "l7.jsonl")) {
            for (String json : Files.readAllLines(out.resolve(file))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> record = mapper.readValue(json, LinkedHashMap.class);
                Parsed p = parse(LineProtocol.line(record));
                assertEquals(record.get("source"), p.measurement());
                assertEquals(((Number) record.get("time")).longValue(), p.time());
                for (Map.Entry<String, Object> e : record.entrySet()) {
                    String k = e.getKey();
                    Object v = e.getValue();
                    if (k.equals("source") || k.equals("time") || v == null) {
                        continue;
                    }
                    if (LineProtocol.TAGS.contains(k)) {
                        if (!v.toString().isEmpty()) {
                            assertEquals(v.toString(), p.tags().get(k), k + " in " + json);
                        }
                    } else if (v instanceof Map<?, ?> || v instanceof List<?>) {
                        assertEquals(mapper.readTree(mapper.writeValueAsString(v)),
                                mapper.readTree((String) p.fields().get(k)), k);
                    } else if (v instanceof Number n && !(v instanceof Double)) {
                        assertEquals(n.longValue(), p.fields().get(k), k);
                    } else {
                        assertEquals(v, p.fields().get(k), k + " in " + json);
                    }
                }
                lines++;
            }
        }
        assertTrue(lines > 100, "lines: " + lines);
    }

    @Test
    void awkwardCharactersSurvive() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("source", "bpf_net_l7_log");
        r.put("time", 1_700_000_000_123_456_789L);
        r.put("host", "node 1,a=b");
        r.put("nic_name", "");
        r.put("http_path", "/a path?x=\"q\"\\y");
        r.put("http_status_code", 404);
        r.put("cost_req_sent", 0.25);
        r.put("http_smuggling", false);
        r.put("answers", new ArrayList<>(List.of(Map.of("type", "A"))));
        Parsed p = parse(LineProtocol.line(r));
        assertEquals(Map.of("host", "node 1,a=b"), p.tags(), "empty tags left out");
        assertEquals("/a path?x=\"q\"\\y", p.fields().get("http_path"));
        assertEquals(404L, p.fields().get("http_status_code"));
        assertEquals(0.25, p.fields().get("cost_req_sent"));
        assertEquals(false, p.fields().get("http_smuggling"));
        assertEquals("[{\"type\":\"A\"}]", p.fields().get("answers"));
        assertEquals(1_700_000_000_123_456_789L, p.time());
    }
}
