package io.netsieve.l4;

import io.netsieve.core.nic.Nic;

/**
 * One {@code bpf_net_l4_log} record: one chunk of one connection (TCP) or flow (UDP) at one capture point
 * (reference §2, §3). A chunk closes after {@link L4Config#chunkMaxPackets()} packets, when it spans
 * {@link L4Config#chunkMaxSpanNanos()}, after {@link L4Config#chunkIdleNanos()} without packets, or at connection end.
 *
 * <p>{@code src} is the local side of the capture point (packets it received are flipped); tx = sent by src.
 * Durations are milliseconds, -1 when not measured. Sequence numbers are raw 32-bit values (as longs).
 *
 * @param timeNanos      capture time of the chunk's first packet
 * @param capturePointId the capture point
 * @param nic            the capture point's metadata (host, nic_name, pod…)
 * @param l4Proto        {@code tcp} / {@code udp}
 * @param l7Proto        {@code unknown} until an L7 parser names it
 * @param vni            VXLAN/GENEVE VNI, -1 when not tunnelled
 * @param vlanId         outer VLAN id, -1 when untagged
 * @param directionScore confidence of {@code direction}: 255 certain, 0 none
 * @param innerTraceId   random 128-bit id of this connection at this capture point (hex)
 * @param nicTraceId     {@code <SYN seq>_<SYN-ACK seq>}, {@code 0_0} without a handshake
 * @param communityId    Community ID v1 of the 5-tuple
 * @param chunkId        0-based index of this chunk in the connection
 * @param lastChunk      the connection ended (FIN handshake, RST, or expiry) with this chunk
 * @param evicted        the connection was evicted early (table full) and this is what it had
 * @param txSeqPos       first seq sent by src minus 1 (relative seq base), 0 for UDP
 * @param rxSeqPos       first seq received by src minus 1
 * @param txBytes        payload bytes sent by src in the chunk
 * @param tcp3whsCost    SYN -> handshake's final ACK, ms; -1 when not in this chunk
 * @param tcp4whsCost    first FIN -> ACK of the last FIN, ms; -1 when not in this chunk
 * @param tcpRtt         last data segment -> its ACK, ms; -1 when not measured in this chunk
 * @param connState      Zeek conn_state so far (S0, S1, SF, REJ, RSTO…)
 * @param history        Zeek history so far (upper case originator, lower case responder)
 * @param icmpErrors     ICMP/ICMPv6 errors quoting this flow received during the chunk (unreachable, time
 *                       exceeded, packet too big, parameter problem)
 * @param icmpLastError  the last of them as {@code "icmp <type>/<code>"} or {@code "icmp6 <type>/<code>"}, empty if none
 */
public record L4Log(
        long timeNanos,
        int capturePointId,
        Nic nic,
        String l4Proto,
        String l7Proto,
        String srcIp,
        int srcPort,
        String dstIp,
        int dstPort,
        Direction direction,
        int directionScore,
        String clientIp,
        int clientPort,
        String serverIp,
        int serverPort,
        int vni,
        int vlanId,
        String innerTraceId,
        String nicTraceId,
        String communityId,
        int chunkId,
        boolean lastChunk,
        boolean evicted,
        long txSeqMin,
        long txSeqMax,
        long rxSeqMin,
        long rxSeqMax,
        long txSeqPos,
        long rxSeqPos,
        long txPackets,
        long rxPackets,
        long txBytes,
        long rxBytes,
        long txRetrans,
        long rxRetrans,
        int tcpSynRetrans,
        boolean chunkSyn,
        double tcp3whsCost,
        boolean chunkFin,
        double tcp4whsCost,
        double tcpRtt,
        String connState,
        String history,
        int icmpErrors,
        String icmpLastError,
        PacketSeries packets) {

    /** {@code conn_side}: server, client or unknown. */
    public String connSide() {
        return direction.connSide();
    }

    /** True when the packet was decapsulated from VXLAN/GENEVE. */
    public boolean vxlanPacket() {
        return vni >= 0;
    }

    /**
     * The packet of this chunk (index into {@link #packets()}) that carries absolute sequence number
     * {@code seq} sent by the src side ({@code fromSrc}) or by the dst side, or -1: the L4 half of the seq rule
     * that joins L7 messages to their packets.
     */
    public int packetAtSeq(boolean fromSrc, long seq) {
        long base = fromSrc ? txSeqPos : rxSeqPos;
        return packets.indexOfSeq(fromSrc, (seq - base) & 0xffffffffL);
    }

    /** Like {@link #packetAtSeq} with a relative sequence number (as in the packet series). */
    public int packetAtRelativeSeq(boolean fromSrc, long relativeSeq) {
        return packets.indexOfSeq(fromSrc, relativeSeq);
    }
}
