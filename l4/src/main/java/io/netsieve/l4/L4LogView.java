package io.netsieve.l4;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.flow.FlowKey;
import io.netsieve.l4.internal.LentRecord;

/**
 * One {@code bpf_net_l4_log} record lent by the tracker: the fields of {@link L4Log} (same accessors, same values)
 * read from the tracker's record scratch instead of an object built per record. Numbers cost nothing; the text
 * fields (addresses, trace ids, Community ID, history) are formatted when first asked for and kept for the rest of
 * the call; {@link #packets()} is a lent series on the tracker's pooled rows. So a consumer that reads only numbers
 * (and the packet series) allocates nothing per record, and a tracker with such a consumer nothing per packet of a
 * known flow.
 *
 * <p>Valid only during the {@link L4LogViewListener#onL4Log} call that received it: afterwards every accessor throws
 * {@link IllegalStateException}. The tracker refills this same object for each record; {@link #toL4Log()} keeps an
 * owned, immutable copy. Not thread-safe (the tracker's thread).
 */
public final class L4LogView {
    private final LentRecord r;

    /** A view over a record the tracker refills, delivered to {@code listener}. */
    L4LogView(L4LogViewListener listener) {
        this.r = new LentRecord(record -> listener.onL4Log(this));
    }

    /** The record the tracker fills for this view. */
    LentRecord record() {
        return r;
    }

    /** An owned copy of this record (its own strings and packet series), safe to keep after the call. */
    public L4Log toL4Log() {
        r();
        return new L4Log(
                timeNanos(), capturePointId(), nic(), l4Proto(), l7Proto(), srcIp(), srcPort(), dstIp(), dstPort(),
                direction(), directionScore(), clientIp(), clientPort(), serverIp(), serverPort(), vni(), vlanId(),
                innerTraceId(), nicTraceId(), communityId(), chunkId(), lastChunk(), evicted(), txSeqMin(), txSeqMax(),
                rxSeqMin(), rxSeqMax(), txSeqPos(), rxSeqPos(), txPackets(), rxPackets(), txBytes(), rxBytes(),
                txRetrans(), rxRetrans(), tcpSynRetrans(), chunkSyn(), tcp3whsCost(), chunkFin(), tcp4whsCost(),
                tcpRtt(), connState(), history(), icmpErrors(), icmpLastError(), packets().copy());
    }

    /** Capture time of the chunk's first packet. */
    public long timeNanos() {
        return r().timeNanos;
    }

    /** The capture point. */
    public int capturePointId() {
        return r().key().capturePointId();
    }

    /** The capture point's metadata. */
    public Nic nic() {
        return r().nic;
    }

    /** {@code tcp} / {@code udp}. */
    public String l4Proto() {
        return r().tcp ? "tcp" : "udp";
    }

    /** {@code unknown} until an L7 parser names it. */
    public String l7Proto() {
        return r().l7Proto;
    }

    /** The local side's address (formatted on first call, kept for this record). */
    public String srcIp() {
        return r().srcIp();
    }

    /** As {@link L4Log#srcPort()}. */
    public int srcPort() {
        return r().srcPort();
    }

    /** The remote side's address (formatted on first call). */
    public String dstIp() {
        return r().dstIp();
    }

    /** As {@link L4Log#dstPort()}. */
    public int dstPort() {
        return r().dstPort();
    }

    /** As {@link L4Log#direction()}. */
    public Direction direction() {
        return r().direction;
    }

    /** As {@link L4Log#directionScore()}. */
    public int directionScore() {
        return r().directionScore;
    }

    /** The client's address (formatted on first call). */
    public String clientIp() {
        return clientIsSrc() ? r.srcIp() : r.dstIp();
    }

    /** As {@link L4Log#clientPort()}. */
    public int clientPort() {
        return clientIsSrc() ? r.srcPort() : r.dstPort();
    }

    /** The server's address (formatted on first call). */
    public String serverIp() {
        return clientIsSrc() ? r.dstIp() : r.srcIp();
    }

    /** As {@link L4Log#serverPort()}. */
    public int serverPort() {
        return clientIsSrc() ? r.dstPort() : r.srcPort();
    }

    /** As {@link L4Log#vni()}. */
    public int vni() {
        return r().key().vni();
    }

    /** As {@link L4Log#vlanId()}. */
    public int vlanId() {
        return r().key().outerVlan() == FlowKey.NO_VLAN ? -1 : r.key().outerVlan();
    }

    /** Random 128-bit id of the connection at this capture point, hex (formatted on first call). */
    public String innerTraceId() {
        return r().innerTraceId();
    }

    /** {@code <SYN seq>_<SYN-ACK seq>}, {@code 0_0} without a handshake (formatted on first call). */
    public String nicTraceId() {
        return r().nicTraceId();
    }

    /** Community ID v1 of the 5-tuple (hashed on first call). */
    public String communityId() {
        return r().communityId();
    }

    /** As {@link L4Log#chunkId()}. */
    public int chunkId() {
        return r().chunkId;
    }

    /** As {@link L4Log#lastChunk()}. */
    public boolean lastChunk() {
        return r().lastChunk;
    }

    /** As {@link L4Log#evicted()}. */
    public boolean evicted() {
        return r().evicted;
    }

    /** As {@link L4Log#txSeqMin()}. */
    public long txSeqMin() {
        return r().txSeqMin;
    }

    /** As {@link L4Log#txSeqMax()}. */
    public long txSeqMax() {
        return r().txSeqMax;
    }

    /** As {@link L4Log#rxSeqMin()}. */
    public long rxSeqMin() {
        return r().rxSeqMin;
    }

    /** As {@link L4Log#rxSeqMax()}. */
    public long rxSeqMax() {
        return r().rxSeqMax;
    }

    /** As {@link L4Log#txSeqPos()}. */
    public long txSeqPos() {
        return r().txSeqPos;
    }

    /** As {@link L4Log#rxSeqPos()}. */
    public long rxSeqPos() {
        return r().rxSeqPos;
    }

    /** As {@link L4Log#txPackets()}. */
    public long txPackets() {
        return r().txPackets;
    }

    /** As {@link L4Log#rxPackets()}. */
    public long rxPackets() {
        return r().rxPackets;
    }

    /** As {@link L4Log#txBytes()}. */
    public long txBytes() {
        return r().txBytes;
    }

    /** As {@link L4Log#rxBytes()}. */
    public long rxBytes() {
        return r().rxBytes;
    }

    /** As {@link L4Log#txRetrans()}. */
    public long txRetrans() {
        return r().txRetrans;
    }

    /** As {@link L4Log#rxRetrans()}. */
    public long rxRetrans() {
        return r().rxRetrans;
    }

    /** As {@link L4Log#tcpSynRetrans()}. */
    public int tcpSynRetrans() {
        return r().tcpSynRetrans;
    }

    /** As {@link L4Log#chunkSyn()}. */
    public boolean chunkSyn() {
        return r().chunkSyn;
    }

    /** As {@link L4Log#tcp3whsCost()}. */
    public double tcp3whsCost() {
        return r().tcp3whsCost;
    }

    /** As {@link L4Log#chunkFin()}. */
    public boolean chunkFin() {
        return r().chunkFin;
    }

    /** As {@link L4Log#tcp4whsCost()}. */
    public double tcp4whsCost() {
        return r().tcp4whsCost;
    }

    /** As {@link L4Log#tcpRtt()}. */
    public double tcpRtt() {
        return r().tcpRtt;
    }

    /** As {@link L4Log#connState()}. */
    public String connState() {
        return r().connState;
    }

    /** Zeek history so far (formatted on first call). */
    public String history() {
        return r().history();
    }

    /** As {@link L4Log#icmpErrors()}. */
    public int icmpErrors() {
        return r().icmpErrors;
    }

    /** As {@link L4Log#icmpLastError()}. */
    public String icmpLastError() {
        return r().icmpLastError;
    }

    /**
     * The chunk's packets: a lent series, valid during this call only (the tracker re-arms the same wrapper for every
     * record; {@link PacketSeries#copy()} keeps one).
     */
    public PacketSeries packets() {
        return r().series();
    }

    /** {@code conn_side}: server, client or unknown. */
    public String connSide() {
        return r().direction.connSide();
    }

    /** True when the packet was decapsulated from VXLAN/GENEVE. */
    public boolean vxlanPacket() {
        return r().key().vni() >= 0;
    }

    /** As {@link L4Log#packetAtSeq}. */
    public int packetAtSeq(boolean fromSrc, long seq) {
        long base = fromSrc ? r().txSeqPos : r.rxSeqPos;
        return r.series().indexOfSeq(fromSrc, (seq - base) & 0xffffffffL);
    }

    /** As {@link L4Log#packetAtRelativeSeq}. */
    public int packetAtRelativeSeq(boolean fromSrc, long relativeSeq) {
        return r().series().indexOfSeq(fromSrc, relativeSeq);
    }

    @Override
    public String toString() {
        return r.lent() ? "L4LogView[" + toL4Log() + "]" : "L4LogView[not lent]";
    }

    /** As in {@link L4Log}: the client is the src unless the connection is incoming. */
    private boolean clientIsSrc() {
        return r().direction != Direction.INCOMING;
    }

    private LentRecord r() {
        if (!r.lent()) {
            throw new IllegalStateException("this L4LogView was lent for the duration of the listener call: "
                    + "toL4Log() it there to keep the record");
        }
        return r;
    }
}
