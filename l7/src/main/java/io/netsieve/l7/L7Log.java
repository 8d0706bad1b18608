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
 * @param txSeq            {@code tx_seq}: raw seq of the first byte of the exchange this capture point's local side
 *                         ({@code src} of the connection's {@code L4Log}) sent: {@code req_seq} when the local side
 *                         is the client, {@code resp_seq} when it is the server; -1 when that message is absent or
 *                         on UDP
 * @param rxSeq            {@code rx_seq}: raw seq of the first byte of the exchange the local side received
 * @param txPackets        {@code tx_packets}: packets sent by the local side whose TCP payload overlaps the seq range
 *                         of the message it sent (request or response), retransmissions included; on UDP 1 per
 *                         datagram message
 * @param rxPackets        {@code rx_packets}: the same for the message the local side received
 * @param txBytes          {@code tx_bytes}: bytes of the message the local side sent (the request's or response's
 *                         {@code reqBytes}/{@code respBytes})
 * @param rxBytes          {@code rx_bytes}: bytes of the message it received
 * @param txRetrans        {@code tx_retrans}: of {@code tx_packets}, those the L4 TCP analysis flags as
 *                         retransmissions (including fast, spurious and out-of-order)
 * @param rxRetrans        {@code rx_retrans}: the same for {@code rx_packets}
 * @param chunkIdMin       first {@code chunk_id} of the connection's {@code L4Log} records holding a packet counted
 *                         above (-1 when none: UDP, or no segment known)
 * @param chunkIdMax       last such {@code chunk_id} (-1 when none)
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
                    long reqSeq, long respSeq, long reqBytes, long respBytes, long txSeq, long rxSeq,
                    long txPackets, long rxPackets, long txBytes, long rxBytes, long txRetrans, long rxRetrans,
                    int chunkIdMin, int chunkIdMax, long costReqSentNanos,
                    long costRespWaitNanos, long costCntDlNanos, long latencyNanos, L7Status status, HttpInfo http,
                    DnsInfo dns, Map<String, String> attributes) {

    public L7Log {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /**
     * True when the request was sent by the capture point's local side ({@code src} of the L4 records): its first
     * packet is then {@code L4Log.packetAtSeq(true, reqSeq)}, else {@code packetAtSeq(false, reqSeq)}.
     */
    public boolean requestIsTx() {
        return reqSeq >= 0 && txSeq == reqSeq;
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
