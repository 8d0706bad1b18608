package io.netsieve.topology.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Guance / InfluxDB line protocol for netsieve's records, so they can be posted to a DataKit or any line-protocol
 * endpoint: {@code measurement,tag=v,… field=v,… timestamp_ns}. The record model's shared tags (reference §2) are
 * tags, everything else fields: integers with the {@code i} suffix, floats plain, booleans {@code true}/{@code false},
 * strings quoted; lists and maps (the packet series, headers, DNS answers) as a JSON string field. Null values and
 * empty tags are left out, as the protocol requires. Escaping: commas, spaces and {@code =} in tag keys and values
 * and field keys, commas and spaces in the measurement, {@code "} and {@code \} in string fields; a line break anywhere
 * becomes a space (a line is one line). Stateless and thread-safe.
 */
public final class LineProtocol {
    /** The tags of reference §2 (shared by L4 and L7 records). */
    public static final Set<String> TAGS = Set.of("host", "nic_name", "nic_mac", "netns", "virtual_nic",
            "host_network", "k8s_namespace", "k8s_pod_name", "k8s_container_name", "src_ip", "src_port", "dst_ip",
            "dst_port", "l4_proto", "l7_proto", "direction", "conn_side", "client_ip", "client_port", "server_ip",
            "server_port", "inner_traceid", "nic_traceid", "vni_id", "vxlan_packet");

    private static final ObjectMapper JSON = new ObjectMapper();

    private LineProtocol() {
    }

    /**
     * One line (without the newline) of a record map as {@link RecordFields} makes it: its {@code source} is the
     * measurement, {@code time} the timestamp in ns, the keys of {@link #TAGS} tags.
     */
    public static String line(Map<String, Object> record) {
        return line(record, TAGS);
    }

    /** As {@link #line(Map)} with the keys of {@code tags} as the tags. */
    public static String line(Map<String, Object> record, Set<String> tags) {
        StringBuilder b = new StringBuilder(512);
        escape(b, String.valueOf(record.get("source")), false);
        for (Map.Entry<String, Object> e : record.entrySet()) {
            Object v = e.getValue();
            if (!tags.contains(e.getKey()) || v == null || v.toString().isEmpty()) {
                continue;
            }
            b.append(',');
            escape(b, e.getKey(), true);
            b.append('=');
            escape(b, v.toString(), true);
        }
        boolean first = true;
        for (Map.Entry<String, Object> e : record.entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (tags.contains(k) || k.equals("source") || k.equals("time") || v == null) {
                continue;
            }
            b.append(first ? ' ' : ',');
            first = false;
            escape(b, k, true);
            b.append('=');
            field(b, v);
        }
        if (first) {
            b.append(" record=true"); // a line needs one field
        }
        return b.append(' ').append(record.get("time")).toString();
    }

    private static void field(StringBuilder b, Object v) {
        if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            b.append(v).append('i');
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            b.append(Double.isFinite(d) ? Double.toString(d) : "0");
        } else if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
            try {
                quoted(b, JSON.writeValueAsString(v));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write " + v, e);
            }
        } else {
            quoted(b, v.toString());
        }
    }

    private static void quoted(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c == '\n' || c == '\r' ? ' ' : c);
        }
        b.append('"');
    }

    /** Escapes commas and spaces (and {@code =} for keys and tag values); line breaks become spaces. */
    private static void escape(StringBuilder b, String s, boolean equalsToo) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == ' ' || (equalsToo && c == '=')) {
                b.append('\\');
            }
            b.append(c == '\n' || c == '\r' ? ' ' : c);
        }
    }
}
