package io.netsieve.l4.internal;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.IpAddressText;
import io.netsieve.l4.Direction;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.flow.FlowKey;

/**
 * The fields of one {@code bpf_net_l4_log} record, filled in place by {@link ConnectionTable} for a tracker whose
 * records are lent ({@code io.netsieve.l4.L4LogView} reads them): one instance per tracker, refilled for every
 * record, so writing a record allocates nothing. Numbers are copied when the record is filled (before the
 * connection's chunk is reset); text fields are formatted only when asked for, and then kept until the next record,
 * so a consumer that reads only numbers costs no allocation. One tracker thread only.
 */
public final class LentRecord {
    /** Receives the record, filled, for the duration of the call (see {@link #lent}). */
    @FunctionalInterface
    public interface Listener {
        void onLentRecord(LentRecord record);
    }

    final Listener listener;
    /** True only while {@link #listener} runs: the fields describe the record being delivered. */
    private boolean lent;
    /** The connection, for the text fields formatted from its state (trace id, history); null outside the call. */
    private Connection connection;
    /** The record's flow key, written by {@link ConnectionTable#emit} (it serves there as the scratch key). */
    final FlowKey key = new FlowKey();
    private final CommunityIdHasher communityIds = new CommunityIdHasher(0);
    /** The packet series wrapper, re-armed for each record (null before the first). */
    PacketSeries series;

    public long timeNanos;
    public Nic nic;
    public boolean tcp;
    public String l7Proto;
    public Direction direction;
    public int directionScore;
    /** Side (0 = endpoint A of {@link #key}) of the record's src. */
    private int srcSide;
    public boolean synSeen;
    public long synSeq;
    public boolean synAckSeen;
    public long synAckSeq;
    public int chunkId;
    public boolean lastChunk;
    public boolean evicted;
    public long txSeqMin;
    public long txSeqMax;
    public long rxSeqMin;
    public long rxSeqMax;
    public long txSeqPos;
    public long rxSeqPos;
    public long txPackets;
    public long rxPackets;
    public long txBytes;
    public long rxBytes;
    public long txRetrans;
    public long rxRetrans;
    public int tcpSynRetrans;
    public boolean chunkSyn;
    public double tcp3whsCost;
    public boolean chunkFin;
    public double tcp4whsCost;
    public double tcpRtt;
    public String connState;
    public int icmpErrors;
    public String icmpLastError;

    // text formatted on first use, for this record only
    private String srcIp;
    private String dstIp;
    private String innerTraceId;
    private String nicTraceId;
    private String communityId;
    private String history;

    public LentRecord(Listener listener) {
        this.listener = listener;
    }

    /**
     * Copies the record's numbers from the connection (its chunk not reset yet) and takes its rows into the reused
     * series wrapper: the same values {@link ConnectionTable#emit} puts in an {@code L4Log}, same expressions.
     */
    void fill(Connection c, Nic nic, String l7Proto, Direction direction, int score, int src, boolean last,
              boolean wasEvicted, RowBlockPool pool) {
        Half tx = c.half(src);
        Half rx = c.half(1 - src);
        this.connection = c;
        this.timeNanos = c.chunkStartNanos;
        this.nic = nic;
        this.tcp = c.tcp;
        this.l7Proto = l7Proto != null ? l7Proto : "unknown";
        this.direction = direction;
        this.directionScore = score;
        this.srcSide = src;
        this.synSeen = c.synSeen;
        this.synSeq = c.synSeq;
        this.synAckSeen = c.synAckSeen;
        this.synAckSeq = c.synAckSeq;
        this.chunkId = c.chunkId;
        this.lastChunk = last;
        this.evicted = wasEvicted;
        this.txSeqMin = tx.seqRangeKnown ? tx.seqMin() : 0;
        this.txSeqMax = tx.seqRangeKnown ? tx.seqMax() : 0;
        this.rxSeqMin = rx.seqRangeKnown ? rx.seqMin() : 0;
        this.rxSeqMax = rx.seqRangeKnown ? rx.seqMax() : 0;
        this.txSeqPos = c.tcp && tx.seqKnown ? tx.seqPos() : 0;
        this.rxSeqPos = c.tcp && rx.seqKnown ? rx.seqPos() : 0;
        this.txPackets = tx.packets;
        this.rxPackets = rx.packets;
        this.txBytes = tx.bytes;
        this.rxBytes = rx.bytes;
        this.txRetrans = tx.retrans;
        this.rxRetrans = rx.retrans;
        this.tcpSynRetrans = c.chunkId == 0 ? c.synRetrans : 0;
        this.chunkSyn = c.chunkSyn;
        this.tcp3whsCost = c.handshakeReported ? -1 : c.handshakeCostMs;
        this.chunkFin = c.chunkFin;
        this.tcp4whsCost = c.closeCostForRecord();
        this.tcpRtt = c.lastRttMs;
        this.connState = c.connState(); // a constant string: nothing to defer
        this.icmpErrors = c.icmpErrors();
        this.icmpLastError = c.icmpLastError();
        this.series = c.series(src, pool, series);
        srcIp = dstIp = innerTraceId = nicTraceId = communityId = history = null;
    }

    /**
     * Hands the filled record to the listener, then ends the loan: the fields read as invalid, the series' rows go
     * back to {@code pool} and the wrapper throws until it is re-armed for the next record.
     */
    void deliver(RowBlockPool pool) {
        lent = true;
        try {
            listener.onLentRecord(this);
        } finally {
            lent = false;
            connection = null;
            nic = null;
            srcIp = dstIp = innerTraceId = nicTraceId = communityId = history = null;
            Connection.releaseSeries(series, pool);
        }
    }

    /** True while the record is being delivered. */
    public boolean lent() {
        return lent;
    }

    public FlowKey key() {
        return key;
    }

    public PacketSeries series() {
        return series;
    }

    public int srcPort() {
        return srcSide == 0 ? key.aPort() : key.bPort();
    }

    public int dstPort() {
        return srcSide == 0 ? key.bPort() : key.aPort();
    }

    public String srcIp() {
        if (srcIp == null) {
            srcIp = srcSide == 0 ? IpAddressText.of(key.aHigh(), key.aLow())
                    : IpAddressText.of(key.bHigh(), key.bLow());
        }
        return srcIp;
    }

    public String dstIp() {
        if (dstIp == null) {
            dstIp = srcSide == 0 ? IpAddressText.of(key.bHigh(), key.bLow())
                    : IpAddressText.of(key.aHigh(), key.aLow());
        }
        return dstIp;
    }

    public String innerTraceId() {
        if (innerTraceId == null) {
            innerTraceId = connection.traceIdHex();
        }
        return innerTraceId;
    }

    public String nicTraceId() {
        if (nicTraceId == null) {
            nicTraceId = Connection.nicTraceId(synSeen, synSeq, synAckSeen, synAckSeq);
        }
        return nicTraceId;
    }

    public String communityId() {
        if (communityId == null) {
            communityId = communityIds.v1(key);
        }
        return communityId;
    }

    /** Zeek history: formatted from the connection (its chunk reset does not touch the history). */
    public String history() {
        if (history == null) {
            history = connection.history();
        }
        return history;
    }
}
