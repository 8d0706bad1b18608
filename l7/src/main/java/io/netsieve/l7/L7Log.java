package io.netsieve.l7;

import java.util.Map;

/**
 * One {@code bpf_net_l7_log} record: one request/response exchange on one capture point (reference §4). Times are
 * packet timestamps in ns; the {@code cost_*} fields of the reference are in ms ({@link #costReqSentMs()} …).
 *
 * @param timestampNanos   record time: the first request byte on this capture point (the first response byte when
 *                         there is no request)
 * @param capturePointId   the capture point ({@code host}, {@code nic_name} … come from its {@code Nic})
 * @param l4Proto          {@code l4_proto}: {@code tcp} / {@code udp}
 * @param l7Proto          {@code l7_proto}: {@code http}, {@code http2}, {@code grpc}, {@code dns}, {@code redis}, or a
 *                         user protocol's name
 * @param clientIp         {@code client_ip} (the side that sent the connection's first packet when the handshake
 *                         was not seen)
 * @param clientPort       {@code client_port}
 * @param serverIp         {@code server_ip}
 * @param serverPort       {@code server_port}
 * @param innerTraceId     {@code inner_traceid} of the L4 connection on this capture point (joins L4 and L7)
 * @param l7TraceId        {@code l7_traceid}: {@code "<req_seq>_<resp_seq>"} on TCP (0 for a missing side); on UDP
 *                         the protocol's own end-to-end key (DNS: {@code "<id>_<query name>"})
 * @param reqSeq           {@code req_seq}: raw TCP seq of the request's first byte, -1 when absent or UDP
 * @param respSeq          {@code resp_seq}: raw TCP seq of the response's first byte, -1 when absent or UDP
 * @param reqBytes         request bytes (headers and body; the datagram payload on UDP)
 * @param respBytes        response bytes
 * @param costReqSentNanos {@code cost_req_sent}: first to last request byte
 * @param costRespWaitNanos {@code cost_resp_wait}: last request byte to first response byte; -1 without response
 * @param costCntDlNanos   {@code cost_cnt_dl}: first to last response byte; -1 without response
 * @param latencyNanos     first request byte to last response byte; -1 without response
 * @param status           how the exchange ended
 * @param http             HTTP fields, for {@code l7_proto = http}, else null
 * @param dns              DNS fields, for {@code l7_proto = dns}, else null
 * @param attributes       fields of user protocols (never null; empty for the built-in ones)
 */
public record L7Log(long timestampNanos, int capturePointId, String l4Proto, String l7Proto, String clientIp,
                    int clientPort, String serverIp, int serverPort, String innerTraceId, String l7TraceId,
                    long reqSeq, long respSeq, long reqBytes, long respBytes, long costReqSentNanos,
                    long costRespWaitNanos, long costCntDlNanos, long latencyNanos, L7Status status, HttpInfo http,
                    DnsInfo dns, Map<String, String> attributes) {

    public L7Log {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** {@code cost_req_sent} in ms. */
    public double costReqSentMs() {
        return ms(costReqSentNanos);
    }

    /** {@code cost_resp_wait} in ms (-1 without response). */
    public double costRespWaitMs() {
        return ms(costRespWaitNanos);
    }

    /** {@code cost_cnt_dl} in ms (-1 without response). */
    public double costCntDlMs() {
        return ms(costCntDlNanos);
    }

    /** Total latency in ms (-1 without response). */
    public double latencyMs() {
        return ms(latencyNanos);
    }

    private static double ms(long nanos) {
        return nanos < 0 ? -1 : nanos / 1e6;
    }
}
