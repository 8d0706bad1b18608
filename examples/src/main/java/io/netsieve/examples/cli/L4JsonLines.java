package io.netsieve.examples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4LogListener;
import io.netsieve.l4.PacketSeries;

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

/**
 * Writes {@code l4.jsonl}: one JSON object per {@code bpf_net_l4_log} record, with the reference's field names (or,
 * with line protocol on, {@code l4.lp}: one line per record).
 */
final class L4JsonLines implements L4LogListener, AutoCloseable {
    private final BufferedWriter out;
    private final ObjectMapper mapper = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private long written;

    /** Line protocol instead of JSON (see {@link LineProtocol}). */
    private final boolean lineProtocol;

    L4JsonLines(Path file) throws IOException {
        this(file, false);
    }

    L4JsonLines(Path file, boolean lineProtocol) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        this.lineProtocol = lineProtocol;
    }

    long written() {
        return written;
    }

    @Override
    public void onL4Log(L4Log log) {
        try {
            if (lineProtocol) {
                out.write(LineProtocol.line(toMap(log)));
            } else {
                mapper.writeValue(out, toMap(log));
            }
            out.write('\n');
            written++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> toMap(L4Log log) {
        Map<String, Object> m = new LinkedHashMap<>();
        Nic nic = log.nic();
        m.put("source", "bpf_net_l4_log");
        m.put("time", log.timeNanos());
        NicTags.put(m, nic);
        m.put("src_ip", log.srcIp());
        m.put("src_port", log.srcPort());
        m.put("dst_ip", log.dstIp());
        m.put("dst_port", log.dstPort());
        m.put("direction", log.direction().label());
        m.put("conn_side", log.connSide());
        m.put("direction_score", log.directionScore());
        SharedFields.connection(m, log.l4Proto(), log.l7Proto(), log.clientIp(), log.clientPort(), log.serverIp(),
                log.serverPort(), log.innerTraceId());
        m.put("nic_traceid", log.nicTraceId());
        m.put("community_id", log.communityId());
        m.put("vxlan_packet", log.vxlanPacket());
        m.put("vni_id", log.vni() >= 0 ? log.vni() : null);
        m.put("vlan_id", log.vlanId() >= 0 ? log.vlanId() : null);
        m.put("chunk_id", log.chunkId());
        m.put("last_chunk", log.lastChunk());
        m.put("evicted", log.evicted());
        m.put("tx_seq_min", log.txSeqMin());
        m.put("tx_seq_max", log.txSeqMax());
        m.put("rx_seq_min", log.rxSeqMin());
        m.put("rx_seq_max", log.rxSeqMax());
        m.put("tx_seq_pos", log.txSeqPos());
        m.put("rx_seq_pos", log.rxSeqPos());
        SharedFields.counts(m, log.txPackets(), log.rxPackets(), log.txBytes(), log.rxBytes(), log.txRetrans(),
                log.rxRetrans());
        m.put("tcp_syn_retrans", log.tcpSynRetrans());
        m.put("chunk_syn", log.chunkSyn());
        m.put("tcp_3whs_cost", log.tcp3whsCost() >= 0 ? log.tcp3whsCost() : null);
        m.put("chunk_fin", log.chunkFin());
        m.put("tcp_4whs_cost", log.tcp4whsCost() >= 0 ? log.tcp4whsCost() : null);
        m.put("tcp_rtt", log.tcpRtt() >= 0 ? log.tcpRtt() : null);
        m.put("conn_state", log.connState());
        m.put("history", log.history());
        m.put("icmp_errors", log.icmpErrors());
        m.put("icmp_last_error", log.icmpLastError());
        PacketSeries s = log.packets();
        List<Map<String, Object>> packets = new ArrayList<>(s.size());
        for (int i = 0; i < s.size(); i++) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("txrx", s.isTx(i) ? "tx" : "rx");
            p.put("src_mac", s.srcMacId(i));
            p.put("dst_mac", s.dstMacId(i));
            p.put("flags", PacketSeries.flagText(s.flags(i)));
            p.put("seq", s.seq(i));
            p.put("ack_seq", s.ack(i));
            p.put("payload_size", s.payloadSize(i));
            p.put("win", s.window(i));
            p.put("ts", s.tsOffset(i));
            if (s.analysis(i) != 0) {
                p.put("analysis", io.netsieve.l4.TcpAnalysisFlag.text(s.analysis(i)));
            }
            if (s.ackRttNanos(i) >= 0) {
                p.put("ack_rtt", s.ackRttNanos(i) / 1e6);
            }
            packets.add(p);
        }
        m.put("packets", packets);
        return m;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
