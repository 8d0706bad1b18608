package io.netsieve.examples.cli;

import java.util.Map;

/**
 * The JSON fields that {@code bpf_net_l4_log} and {@code bpf_net_l7_log} lines share, written in one place so that
 * the two files name them the same way: the connection (protocols, client and server, {@code inner_traceid}) and
 * the per-direction counts from the capture point's view.
 */
final class SharedFields {
    private SharedFields() {
    }

    static void connection(Map<String, Object> m, String l4Proto, String l7Proto, String clientIp, int clientPort,
                           String serverIp, int serverPort, String innerTraceId) {
        m.put("l4_proto", l4Proto);
        m.put("l7_proto", l7Proto);
        m.put("client_ip", clientIp);
        m.put("client_port", clientPort);
        m.put("server_ip", serverIp);
        m.put("server_port", serverPort);
        m.put("inner_traceid", innerTraceId);
    }

    static void counts(Map<String, Object> m, long txPackets, long rxPackets, long txBytes, long rxBytes,
                       long txRetrans, long rxRetrans) {
        m.put("tx_packets", txPackets);
        m.put("rx_packets", rxPackets);
        m.put("tx_bytes", txBytes);
        m.put("rx_bytes", rxBytes);
        m.put("tx_retrans", txRetrans);
        m.put("rx_retrans", rxRetrans);
    }
}
