package io.netsieve.l4.internal;

import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.TcpAnalysisFlag;
import io.netsieve.l4.flow.FlowKey;

import java.util.Arrays;

/**
 * One connection (TCP) or flow (UDP) at one capture point: TCP state, both sides' sequence spaces, the identity
 * fields of the records (inner/nic trace ids), Zeek history, and the chunk being accumulated. Sides are indexed
 * 0 = endpoint A, 1 = endpoint B of the {@link FlowKey}.
 *
 * <p>Compact: one object per connection (allocated when the flow starts) holds the identity, handshake and Zeek
 * state in primitive fields; each side's sequence and analysis state ({@link Half}) is allocated when that side first
 * sends or is acknowledged, the list of its unacknowledged segments on its first segment. The chunk's packet series
 * is packed, {@link #ROW} longs per packet (see {@link #appendRow}), in blocks of 8, 8, 16, 32, 64, 64 … rows
 * ({@link #blockOf}); the first block starts with one row and doubles (copying at most 4 rows), later blocks are
 * allocated whole, and the blocks are handed to the record's {@link PacketSeries} when the chunk closes. So a flow
 * allocates nothing per packet but its rows (40 B per packet, kept by the record) and, per chunk, the block table.
 *
 * <p>The flow key is not kept here: the flow table's columns hold it ({@link Flow#index}).
 */
public final class Connection extends Flow {
    public enum State { SYN_SENT, SYN_RECEIVED, ESTABLISHED, CLOSING, CLOSED }

    private static final int LETTER_S = 0;
    private static final int LETTER_H = 1;
    private static final int LETTER_A = 2;
    private static final int LETTER_D = 3;
    private static final int LETTER_F = 4;
    private static final int LETTER_R = 5;
    private static final int LETTER_T = 6;
    private static final int LETTER_W = 7;
    private static final String LETTERS = "shadfrtw";

    /** Reassembled streams, when a stream handler factory is set and accepted this connection. */
    TcpStreams streams;
    boolean streamsDecided;
    /** The UDP flow's datagram handler, when a datagram handler factory is set and accepted this flow. */
    io.netsieve.l4.stream.DatagramHandler datagrams;
    boolean datagramsDecided;
    int datagramClientSide;
    /** Rarely needed state (ICMP errors, close timing, MACs beyond two), allocated on first use. */
    private Extra extra;

    private static final class Extra {
        /** ICMP errors quoting this flow in the current chunk, and the last one. */
        int icmpErrors;
        String icmpLastError = "";
        long firstFinTs = -1;
        double closeCostMs = -1;
        boolean closeReported;
        long[] moreMacs;
    }
    public final boolean tcp;
    public final long traceHigh;
    public final long traceLow;
    /** Side 0 / side 1 state, null until needed (read through {@link #half(int)}). */
    private Half half0;
    private Half half1;
    /** Chunk packet bound (rows). */
    private final int maxRows;

    public State state;
    public int firstSide;
    public int clientSide = -1;
    public int localSide = -1;
    public int directionScore;
    /** A record with a known direction was written: the direction sticks (rule 2 no longer changes it). */
    public boolean directionReported;
    public long lastSeenNanos;
    public boolean closed;
    public int synRetrans;
    /** The last packet given to {@link #onPacket} was a retransmission (TCP analysis). */
    public boolean lastPacketRetrans;

    // handshake / close timing
    boolean synSeen;
    long synSeq;
    long synTs;
    boolean synAckSeen;
    long synAckSeq;
    double handshakeCostMs = -1;
    boolean handshakeReported;
    double lastRttMs = -1;
    /** Handshake RTT (SYN -> the ACK of the SYN-ACK), ns; 0 while unknown (Wireshark's out-of-order threshold). */
    private long firstRttNanos;

    // Zeek flags: bit (flag * 2 + side) with the flags below; everSent bits 8, 9
    private static final int SENT_SYN = 0;
    private static final int SENT_SYN_ACK = 2;
    private static final int SENT_FIN = 4;
    private static final int SENT_RST = 6;
    private static final int EVER_SENT = 8;
    private short sent;
    // history: events (letter * 2 + side, 4 bits each) in order of first occurrence
    private long historyEvents;
    private short historySeen;
    private byte historyCount;

    // MACs seen, for small ids in the packet series: the first two inline, up to 6 more on demand
    private static final int MAX_MACS = 8;
    private byte macCount;
    private long mac0;
    private long mac1;

    // chunk
    public int chunkId;
    public int chunkCount;
    public long chunkStartNanos;
    boolean chunkSyn;
    boolean chunkFin;
    /** Block 0 (the chunk's first row); null before the chunk's first packet. */
    private long[] block0;
    /** All blocks of the chunk (block 0 included); null until the chunk's second packet. */
    private long[][] blocks;

    Connection(boolean tcp, long traceHigh, long traceLow, long now, int firstSide, int maxRows) {
        this.maxRows = Math.max(1, maxRows);
        this.tcp = tcp;
        this.traceHigh = traceHigh;
        this.traceLow = traceLow;
        this.lastSeenNanos = now;
        this.firstSide = firstSide;
    }

    @Override
    long lastSeen() {
        return lastSeenNanos;
    }

    /** The inner trace id as 32 lower-case hex digits (what {@code %016x%016x} prints). */
    public String traceIdHex() {
        byte[] out = new byte[32];
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (traceHigh >>> (60 - 4 * i)) & 0xF];
            out[16 + i] = HEX[(int) (traceLow >>> (60 - 4 * i)) & 0xF];
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The record's {@code nic_trace_id}: {@code <SYN seq>_<SYN-ACK seq>}, 0 for one not seen, {@code 0_0} for neither. */
    static String nicTraceId(boolean synSeen, long synSeq, boolean synAckSeen, long synAckSeq) {
        return synSeen || synAckSeen ? (synSeen ? synSeq : 0) + "_" + (synAckSeen ? synAckSeq : 0) : "0_0";
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private Extra extra() {
        if (extra == null) {
            extra = new Extra();
        }
        return extra;
    }

    /** Counts an ICMP error quoting this flow ({@code text}: {@code "icmp <type>/<code>"}). */
    void noteIcmpError(String text) {
        Extra x = extra();
        x.icmpErrors++;
        x.icmpLastError = text;
    }

    /** ICMP errors quoting this flow in the current chunk. */
    int icmpErrors() {
        return extra == null ? 0 : extra.icmpErrors;
    }

    /** The last of them, empty if none. */
    String icmpLastError() {
        return extra == null ? "" : extra.icmpLastError;
    }

    /** First FIN -> ACK of the last FIN, ms, for the record: -1 when not measured or already reported. */
    double closeCostForRecord() {
        return extra == null || extra.closeReported ? -1 : extra.closeCostMs;
    }

    /** The state of {@code side} ({@link Half#EMPTY}, read-only, while that side has not been seen). */
    Half half(int side) {
        Half h = side == 0 ? half0 : half1;
        return h != null ? h : Half.EMPTY;
    }

    /** The state of {@code side}, allocated if needed, for writing. */
    private Half halfForWrite(int side) {
        if (side == 0) {
            if (half0 == null) {
                half0 = new Half();
            }
            return half0;
        }
        if (half1 == null) {
            half1 = new Half();
        }
        return half1;
    }

    public boolean chunkEmpty() {
        return chunkCount == 0;
    }

    /** The originator in Zeek's sense: the client when known, else whoever sent the first packet. */
    public int originator() {
        return clientSide >= 0 ? clientSide : firstSide;
    }

    /**
     * Sequence distance beyond which a segment on a closed connection belongs to another one (1 MiB: far more than a
     * late retransmission or window probe of the old connection reaches, far less than the ISN distance of a new
     * connection on the same tuple, which follows the clock).
     */
    static final long REUSE_DISTANCE = 1 << 20;

    /**
     * For a closed connection: true when a non-SYN segment from {@code side} with {@code seq} and {@code payload}
     * bytes cannot be part of it, so the tuple was reused without a SYN in the capture: it carries data at or after
     * that side's FIN, or its seq is more than {@link #REUSE_DISTANCE} from where that side's sequence space
     * ended. A side that never sent gives no evidence.
     */
    boolean startsAnotherConnection(int side, long seq, int payload) {
        Half me = half(side);
        if (!me.seqKnown || me.nextSeq == 0) {
            return false;
        }
        if (payload > 0 && me.fin && Seq.ge(seq, me.finSeqEnd & 0xFFFF_FFFFL)) {
            return true;
        }
        long distance = Math.abs((long) (int) (seq - me.nextSeq));
        return distance > REUSE_DISTANCE;
    }

    /**
     * Accounts one packet sent by {@code side}.
     *
     * @return true when this packet ended the connection (RST, or the ACK of the second FIN)
     */
    boolean onPacket(Segment s, int side, long now, RowBlockPool pool) {
        Half me = halfForWrite(side);
        sent |= 1 << (EVER_SENT + side);
        lastSeenNanos = now;
        if (chunkCount == 0) {
            chunkStartNanos = now;
        }
        int flags = 0;
        long seq = 0;
        long ack = 0;
        int payload;
        boolean retrans = false;
        int analysis = 0;
        if (tcp) {
            flags = s.flags;
            seq = s.seq;
            ack = s.ack;
            payload = s.payload;
            boolean syn = (flags & TcpView.SYN) != 0;
            boolean ackFlag = (flags & TcpView.ACK) != 0;
            boolean fin = (flags & TcpView.FIN) != 0;
            boolean rst = (flags & TcpView.RST) != 0;
            // The peer's state is written only when this packet acknowledges something; else it is only read.
            Half peer = ackFlag ? halfForWrite(1 - side) : half(1 - side);

            if (!me.seqKnown) {
                me.seqKnown = true;
                me.seqPos(Seq.sub(seq, 1));
            }
            if (ackFlag && !peer.seqKnown) {
                // The peer's sequence space is announced by our ack before the peer sends anything we saw.
                peer.seqKnown = true;
                peer.seqPos(Seq.sub(ack, 1));
            }

            if (syn) {
                if (s.windowScale >= 0) {
                    me.wscale = (short) s.windowScale;
                }
                if (!ackFlag) {
                    if (synSeen && me.syn && me.isn() == seq) {
                        synRetrans++;
                        retrans = true;
                    }
                    if (!synSeen) {
                        synSeen = true;
                        synSeq = seq;
                        chunkSyn = true;
                    }
                    synTs = now; // the most recent SYN (Wireshark's ts_mru_syn): tcp_3whs_cost = initial_rtt
                    me.syn = true;
                    me.isn(seq);
                    sent |= 1 << (SENT_SYN + side);
                    if (clientSide < 0) {
                        clientSide = side;
                    }
                    history(LETTER_S, side);
                    if (state == null) {
                        state = State.SYN_SENT;
                    }
                } else {
                    if (synAckSeen && me.syn && me.isn() == seq) {
                        retrans = true;
                    }
                    if (!synAckSeen) {
                        synAckSeen = true;
                        synAckSeq = seq;
                    }
                    me.syn = true;
                    me.isn(seq);
                    sent |= 1 << (SENT_SYN_ACK + side);
                    if (clientSide < 0) {
                        clientSide = 1 - side;
                    }
                    history(LETTER_H, side);
                    if (state == null || state == State.SYN_SENT) {
                        state = State.SYN_RECEIVED;
                    }
                }
            } else if (state == null) {
                state = State.ESTABLISHED; // picked up mid-stream
            }

            if (syn) {
                TcpAnalyzer.onSynOptions(me, peer, s.windowScale, ackFlag);
            }
            long ackRtt = TcpAnalyzer.analyse(me, peer, firstRttNanos, seq, ack, payload, flags, s.window, now);
            assert Half.EMPTY.pristine() : "the shared empty side was written";
            analysis = me.lastSegmentFlags;
            if (TcpAnalysisFlag.isRetransmission(analysis)) {
                retrans = true;
            }
            long segLen = payload + (syn ? 1 : 0) + (fin ? 1 : 0);
            long end = Seq.add(seq, segLen);

            // Handshake completion: the client's first ACK of the server's SYN.
            if (ackFlag && !syn && state == State.SYN_RECEIVED && side == clientSide && synAckSeen
                    && ack == Seq.add(synAckSeq, 1)) {
                state = State.ESTABLISHED;
                if (synSeen) {
                    handshakeCostMs = (now - synTs) / 1e6;
                    firstRttNanos = now - synTs;
                }
            }

            if (ackFlag) {
                // RTT: the peer's last data segment acknowledged by this packet.
                if (peer.rttPending && Seq.ge(ack, peer.rttDataEnd)) {
                    lastRttMs = (now - peer.rttDataTs) / 1e6;
                    peer.rttPending = false;
                }
                if (peer.fin && !peer.finAcked && Seq.ge(ack, peer.finSeqEnd)) {
                    peer.finAcked = true;
                }
                if (payload == 0 && !syn && !fin && !rst) {
                    history(LETTER_A, side);
                }
            }
            if (payload > 0) {
                history(retrans ? LETTER_T : LETTER_D, side);
                if (!retrans) {
                    me.rttPending = true;
                    me.rttDataEnd = (int) end;
                    me.rttDataTs = now;
                }
            }
            if (s.window == 0 && !syn && !fin && !rst) {
                history(LETTER_W, side);
            }
            if (fin) {
                history(LETTER_F, side);
                sent |= 1 << (SENT_FIN + side);
                if (!me.fin) {
                    me.fin = true;
                    me.finSeqEnd = (int) end;
                    Extra x = extra();
                    if (x.firstFinTs < 0) {
                        x.firstFinTs = now;
                    }
                    chunkFin = true;
                }
                if (state != State.CLOSED) {
                    state = State.CLOSING;
                }
            }
            boolean ended = false;
            if (rst) {
                history(LETTER_R, side);
                sent |= 1 << (SENT_RST + side);
                ended = state != State.CLOSED;
                state = State.CLOSED;
            } else if (me.fin && peer.fin && me.finAcked && peer.finAcked && state == State.CLOSING) {
                state = State.CLOSED;
                extra.closeCostMs = (now - extra.firstFinTs) / 1e6; // a FIN was seen: extra exists
                ended = true;
            }
            int scale = half(0).wscale >= 0 && half(1).wscale >= 0 && !syn ? me.wscale : 0;
            appendRow(pool, s, side, flags, relSeq(me, seq), ackFlag ? relSeq(peer, ack) : 0, payload, s.window,
                    scale, now, analysis, ackRtt);
            me.noteSeq(seq);
            me.packets++;
            me.bytes += payload;
            lastPacketRetrans = retrans;
            if (retrans) {
                me.retrans++;
            }
            if (ended) {
                closed = true;
            }
            return ended;
        }
        payload = s.payload;
        appendRow(pool, s, side, 0, 0, 0, payload, 0, 0, now, 0, -1);
        me.packets++;
        me.bytes += payload;
        return false;
    }

    private static long relSeq(Half h, long seq) {
        return h.seqKnown ? Seq.sub(seq, h.seqPos()) : 0;
    }

    // Packed row (ROW longs per packet):
    //   0: relative seq << 32 | relative ack (both 32-bit)
    //   1: payload << 32 | analysis bits (16) << 16 | TCP flags (16)
    //   2: raw window (16) | window shift (6) << 16 | from A << 22 | src MAC id (8) << 24 | dst MAC id (8) << 32
    //   3: ns since the chunk's first packet
    //   4: ACK RTT, ns, or -1
    // Window = raw << shift exactly as computed before packing; the series unpacks (PacketSeries).
    public static final int ROW = 5;
    private static final int BLOCK0_ROWS = 8;
    private static final int BLOCK_SHIFT = 6; // blocks grow to 64 rows

    /** The block holding row {@code i}: block 0 holds rows 0-7, then blocks of 8, 16, 32 rows, then of 64. */
    public static int blockOf(int i) {
        if (i < BLOCK0_ROWS) {
            return 0;
        }
        return i < (1 << BLOCK_SHIFT) ? 29 - Integer.numberOfLeadingZeros(i) : 3 + (i >>> BLOCK_SHIFT);
    }

    /** Position of row {@code i} in its block. */
    public static int rowInBlock(int i) {
        if (i < BLOCK0_ROWS) {
            return i;
        }
        return i < (1 << BLOCK_SHIFT) ? i & ~Integer.highestOneBit(i) : i & ((1 << BLOCK_SHIFT) - 1);
    }

    private static int blockStart(int b) {
        return b == 0 ? 0 : b <= 4 ? 1 << (b + 2) : (b - 3) << BLOCK_SHIFT;
    }

    private static int blockRows(int b) {
        return b == 0 ? BLOCK0_ROWS : 1 << Math.min(b + 2, BLOCK_SHIFT);
    }

    /** Appends the packet's row; blocks come from {@code pool} when records lend their series, else are new. */
    private void appendRow(RowBlockPool pool, Segment s, int side, int flags, long seq, long ack, int payload,
                           int rawWindow, int shift, long now, int analysis, long ackRtt) {
        int i = chunkCount;
        long[] r;
        int o;
        if (i < BLOCK0_ROWS) {
            r = block0;
            if (i == 0) {
                r = block0 = pool != null ? pool.take(ROW) : new long[ROW];
                blocks = null;
            } else if (ROW * i == r.length) {
                int longs = ROW * Math.min(2 * i, Math.min(BLOCK0_ROWS, maxRows));
                if (pool != null) {
                    long[] grown = pool.take(longs);
                    System.arraycopy(r, 0, grown, 0, r.length);
                    pool.give(r);
                    r = block0 = grown;
                } else {
                    r = block0 = Arrays.copyOf(r, longs);
                }
            }
            o = ROW * i;
        } else {
            int b = blockOf(i);
            long[][] bs = blocks;
            if (bs == null) {
                bs = blocks = pool != null ? pool.takeTable() : new long[RowBlockPool.TABLE_LENGTH][];
                bs[0] = block0;
            } else if (b == bs.length) {
                bs = blocks = Arrays.copyOf(bs, 2 * b);
            }
            r = bs[b];
            if (r == null) {
                int longs = ROW * Math.min(blockRows(b), maxRows - blockStart(b));
                r = bs[b] = pool != null ? pool.take(longs) : new long[longs];
            }
            o = ROW * rowInBlock(i);
        }
        r[o] = (seq << 32) | (ack & 0xFFFF_FFFFL);
        r[o + 1] = ((long) payload << 32) | ((analysis & 0xFFFFL) << 16) | (flags & 0xFFFFL);
        r[o + 2] = (rawWindow & 0xFFFFL) | ((long) (shift & 63) << 16) | (side == 0 ? 1L << 22 : 0)
                | ((macId(s.srcMac) & 0xFFL) << 24) | ((macId(s.dstMac) & 0xFFL) << 32);
        r[o + 3] = now - chunkStartNanos;
        r[o + 4] = ackRtt;
        chunkCount = i + 1;
    }

    /**
     * The chunk's packet series, {@code tx} = sent by side {@code srcSide}: the blocks are handed over (no copy) and
     * the next chunk takes new ones. Owned ({@code pool} null): a last block less than half used is trimmed and the
     * block table cut to length. Lent ({@code pool} set): blocks and table go back to the pool whole when the series
     * is released ({@link #releaseSeries}), and {@code reuse}, a released series, is re-armed instead of a new one
     * built when given.
     */
    PacketSeries series(int srcSide, RowBlockPool pool, PacketSeries reuse) {
        int n = chunkCount;
        long[][] out;
        if (pool != null) {
            // the series reads only the blocks of its rows: a table longer than that is fine
            out = blocks != null ? blocks : pool.takeTable();
            out[0] = block0;
        } else if (n == 0) {
            out = new long[0][];
        } else {
            int last = blockOf(n - 1);
            if (blocks == null) {
                out = new long[][] {block0};
            } else {
                out = blocks.length == last + 1 ? blocks : Arrays.copyOf(blocks, last + 1);
            }
            int used = ROW * (rowInBlock(n - 1) + 1);
            if (2 * used <= out[last].length) {
                out[last] = Arrays.copyOf(out[last], used);
            }
        }
        block0 = null;
        blocks = null;
        return reuse != null ? seriesFactory().rearm(reuse, n, out, srcSide == 0)
                : seriesFactory().create(n, out, srcSide == 0);
    }

    /** Builds a {@link PacketSeries} on packed rows it takes over (implemented in the API package). */
    public interface SeriesFactory {
        PacketSeries create(int count, long[][] blocks, boolean srcIsA);

        /** Lends a released series again, on new rows; returns it. */
        PacketSeries rearm(PacketSeries released, int count, long[][] blocks, boolean srcIsA);

        /** Ends a lent series (any later read throws) and returns its blocks. */
        long[][] release(PacketSeries series);
    }

    private static volatile SeriesFactory seriesFactory;

    /** Called once by {@link PacketSeries}' static initialiser. */
    public static void installSeriesFactory(SeriesFactory factory) {
        synchronized (Connection.class) {
            if (seriesFactory != null) {
                throw new IllegalStateException("series factory already installed");
            }
            seriesFactory = factory;
        }
    }

    /**
     * Ends a lent series (any later read throws) and gives its blocks and block table back to {@code pool}; the
     * table's entries are cleared first, so no block can be handed out twice.
     */
    static void releaseSeries(PacketSeries series, RowBlockPool pool) {
        long[][] table = seriesFactory().release(series);
        if (table == null) {
            return;
        }
        for (int b = 0; b < table.length; b++) {
            pool.give(table[b]);
            table[b] = null;
        }
        pool.giveTable(table);
    }

        private static SeriesFactory seriesFactory() {
        SeriesFactory f = seriesFactory;
        if (f == null) {
            try {
                Class.forName(PacketSeries.class.getName(), true, PacketSeries.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            f = seriesFactory;
        }
        return f;
    }

    private byte macId(long mac) {
        if (mac < 0) {
            return -1;
        }
        int n = macCount;
        for (int i = 0; i < n; i++) {
            if (macAt(i) == mac) {
                return (byte) i;
            }
        }
        if (n == MAX_MACS) {
            return (byte) (MAX_MACS - 1); // more distinct MACs than a connection should ever show: clamp
        }
        if (n == 0) {
            mac0 = mac;
        } else if (n == 1) {
            mac1 = mac;
        } else {
            Extra x = extra();
            if (x.moreMacs == null) {
                x.moreMacs = new long[MAX_MACS - 2];
            }
            x.moreMacs[n - 2] = mac;
        }
        macCount = (byte) (n + 1);
        return (byte) n;
    }

    private long macAt(int i) {
        return i == 0 ? mac0 : i == 1 ? mac1 : extra.moreMacs[i - 2];
    }

    /**
     * Drops the open chunk's rows without a record and clears the chunk as {@link #resetChunk} does: for a replay
     * of packets whose record was already written (their rows go back to {@code pool} when records lend them).
     */
    void dropReplayedChunk(RowBlockPool pool) {
        if (pool != null) {
            if (blocks != null) {
                for (long[] block : blocks) {
                    pool.give(block);
                }
            } else {
                pool.give(block0);
            }
        }
        block0 = null;
        blocks = null;
        resetChunk();
    }

    /**
     * Lets go of what only traffic needs: the sides' unacknowledged-segment lists when they are empty (a new one is
     * allocated by the next segment that needs it). Called when the chunk idle timeout wrote the chunk, so a
     * connection that stays idle keeps no empty arrays, and one that comes back costs one small array, not one per
     * packet.
     */
    void trimIdle() {
        if (half0 != null) {
            half0.releaseEmptyUnacked();
        }
        if (half1 != null) {
            half1.releaseEmptyUnacked();
        }
    }

    // ---- idle form (IdleConnection) ---------------------------------------------------------------------------

    // IdleConnection.bits: the connection's flags and small fields
    static final long IDLE_TCP = 1L;
    private static final long IDLE_STREAMS_DECIDED = 1L << 1;
    private static final long IDLE_DATAGRAMS_DECIDED = 1L << 2;
    private static final long IDLE_DATAGRAM_CLIENT = 1L << 3;
    private static final int IDLE_STATE = 4; // 3 bits: 0 = null, else ordinal + 1
    private static final long IDLE_FIRST_SIDE = 1L << 7;
    private static final int IDLE_CLIENT_SIDE = 8; // 2 bits: clientSide + 1
    private static final int IDLE_LOCAL_SIDE = 10; // 3 bits: localSide + 1
    private static final long IDLE_DIRECTION_REPORTED = 1L << 13;
    static final long IDLE_CLOSED = 1L << 14;
    private static final long IDLE_LAST_RETRANS = 1L << 15;
    private static final long IDLE_SYN_SEEN = 1L << 16;
    private static final long IDLE_SYN_ACK_SEEN = 1L << 17;
    private static final long IDLE_HANDSHAKE_COST = 1L << 18;
    private static final long IDLE_HANDSHAKE_REPORTED = 1L << 19;
    private static final int IDLE_SENT = 20; // 10 bits
    private static final int IDLE_HISTORY_COUNT = 30; // 5 bits
    private static final int IDLE_MAC_COUNT = 35; // 2 bits
    private static final long IDLE_HALF0 = 1L << 37;
    private static final long IDLE_HALF1 = 1L << 38;
    private static final int IDLE_SCORE = 39; // 8 bits
    private static final int IDLE_HISTORY_SEEN = 47; // 16 bits
    // IdleConnection.halfBitsN: a side's small fields
    private static final int HALF_WINDOW = 0; // 17 bits: window + 1
    private static final int HALF_WINDOW_SCALE = 17; // 9 bits: windowScale + 2
    private static final int HALF_WSCALE = 26; // 9 bits: wscale + 1
    private static final int HALF_FLAGS = 35; // 16 bits: lastSegmentFlags
    private static final long HALF_SEQ_KNOWN = 1L << 51;
    private static final long HALF_SYN = 1L << 52;
    private static final long HALF_FIRST_ACK = 1L << 53;

    /**
     * True when this connection can become an {@link IdleConnection} without losing anything: its chunk is empty
     * (written), no handler is attached, the rarely used state is at its defaults (no FIN or third MAC, and the
     * written chunk's ICMP errors cleared: what {@code extra} holds then is what a new one holds), each side has no
     * unacknowledged segment and no RTT probe in flight, and every value fits its packed field (checked, not
     * assumed).
     */
    boolean compactable() {
        if (chunkCount != 0 || block0 != null || blocks != null || streams != null || datagrams != null
                || chunkSyn || chunkFin || lastRttMs != -1) {
            return false;
        }
        if (extra != null && (extra.icmpErrors != 0 || !extra.icmpLastError.isEmpty() || extra.firstFinTs != -1
                || extra.closeCostMs != -1 || extra.closeReported || extra.moreMacs != null)) {
            return false;
        }
        if (handshakeCostMs != -1 && handshakeCostMs != firstRttNanos / 1e6) {
            return false; // set with firstRttNanos (same difference), so rebuilt from it
        }
        return idleHalf(half0) && idleHalf(half1) && macCount <= 2 && clientSide >= -1 && clientSide <= 1
                && localSide >= -1 && localSide <= 2 && firstSide >= 0 && firstSide <= 1
                && directionScore >= 0 && directionScore <= 255 && datagramClientSide >= 0 && datagramClientSide <= 1
                && historyCount <= 16 && (sent & ~0x3FF) == 0 && fits32(synSeq) && fits32(synAckSeq);
    }

    private static boolean idleHalf(Half h) {
        // what the chunk counters and the RTT probe hold while unset is written again before it is read
        return h == null || h.unCount == 0 && !h.rttPending && !h.fin && !h.finAcked && h.finSeqEnd == 0
                && h.packets == 0 && h.bytes == 0 && h.retrans == 0 && !h.seqRangeKnown
                && h.window >= -1 && h.window <= 0xFFFF && h.windowScale >= -2 && h.windowScale <= 255
                && h.wscale >= -1 && h.wscale <= 255 && (h.lastSegmentFlags & ~0xFFFF) == 0
                && fits32(h.nextSeq) && fits32(h.maxSeqToBeAcked) && fits32(h.lastAck);
    }

    private static boolean fits32(long v) {
        return (v & ~0xFFFF_FFFFL) == 0;
    }

    /** This connection as an {@link IdleConnection} (only when {@link #compactable}). */
    IdleConnection compact() {
        assert compactable();
        IdleConnection i = new IdleConnection(traceHigh, traceLow);
        i.lastSeenNanos = lastSeenNanos;
        i.firstRttNanos = firstRttNanos;
        i.synTs = synTs;
        i.historyEvents = historyEvents;
        i.mac0 = mac0;
        i.mac1 = mac1;
        i.chunkId = chunkId;
        i.synRetrans = synRetrans;
        i.synSeq = (int) synSeq;
        i.synAckSeq = (int) synAckSeq;
        i.bits = (tcp ? IDLE_TCP : 0) | (streamsDecided ? IDLE_STREAMS_DECIDED : 0)
                | (datagramsDecided ? IDLE_DATAGRAMS_DECIDED : 0) | (datagramClientSide == 1 ? IDLE_DATAGRAM_CLIENT : 0)
                | (long) (state == null ? 0 : state.ordinal() + 1) << IDLE_STATE
                | (firstSide == 1 ? IDLE_FIRST_SIDE : 0)
                | (long) (clientSide + 1) << IDLE_CLIENT_SIDE | (long) (localSide + 1) << IDLE_LOCAL_SIDE
                | (directionReported ? IDLE_DIRECTION_REPORTED : 0) | (closed ? IDLE_CLOSED : 0)
                | (lastPacketRetrans ? IDLE_LAST_RETRANS : 0) | (synSeen ? IDLE_SYN_SEEN : 0)
                | (synAckSeen ? IDLE_SYN_ACK_SEEN : 0) | (handshakeCostMs != -1 ? IDLE_HANDSHAKE_COST : 0)
                | (handshakeReported ? IDLE_HANDSHAKE_REPORTED : 0) | (long) sent << IDLE_SENT
                | (long) historyCount << IDLE_HISTORY_COUNT | (long) macCount << IDLE_MAC_COUNT
                | (half0 != null ? IDLE_HALF0 : 0) | (half1 != null ? IDLE_HALF1 : 0)
                | (long) directionScore << IDLE_SCORE | (historySeen & 0xFFFFL) << IDLE_HISTORY_SEEN;
        Half h = half(0);
        i.nextSeqTime0 = h.nextSeqTime;
        i.lastAckTime0 = h.lastAckTime;
        i.seqPos0 = (int) h.seqPos();
        i.isn0 = (int) h.isn();
        i.nextSeq0 = (int) h.nextSeq;
        i.maxSeqToBeAcked0 = (int) h.maxSeqToBeAcked;
        i.lastAck0 = (int) h.lastAck;
        i.dupAckNum0 = h.dupAckNum;
        i.halfBits0 = halfBits(h);
        h = half(1);
        i.nextSeqTime1 = h.nextSeqTime;
        i.lastAckTime1 = h.lastAckTime;
        i.seqPos1 = (int) h.seqPos();
        i.isn1 = (int) h.isn();
        i.nextSeq1 = (int) h.nextSeq;
        i.maxSeqToBeAcked1 = (int) h.maxSeqToBeAcked;
        i.lastAck1 = (int) h.lastAck;
        i.dupAckNum1 = h.dupAckNum;
        i.halfBits1 = halfBits(h);
        return i;
    }

    private static long halfBits(Half h) {
        return (long) (h.window + 1) << HALF_WINDOW | (long) (h.windowScale + 2) << HALF_WINDOW_SCALE
                | (long) (h.wscale + 1) << HALF_WSCALE | (long) h.lastSegmentFlags << HALF_FLAGS
                | (h.seqKnown ? HALF_SEQ_KNOWN : 0) | (h.syn ? HALF_SYN : 0) | (h.firstAck ? HALF_FIRST_ACK : 0);
    }

    /**
     * The connection an {@link IdleConnection} was made from: every field that is read before it is written again
     * has its value back (the chunk's start time, the RTT probe's end and time and the chunk's seq range are written
     * by the next packet before anything reads them; the rarely used state is at its defaults, as it was).
     */
    static Connection restore(IdleConnection i, int maxRows) {
        long b = i.bits;
        Connection c = new Connection((b & IDLE_TCP) != 0, i.traceHigh, i.traceLow, i.lastSeenNanos,
                (b & IDLE_FIRST_SIDE) != 0 ? 1 : 0, maxRows);
        c.streamsDecided = (b & IDLE_STREAMS_DECIDED) != 0;
        c.datagramsDecided = (b & IDLE_DATAGRAMS_DECIDED) != 0;
        c.datagramClientSide = (b & IDLE_DATAGRAM_CLIENT) != 0 ? 1 : 0;
        int state = (int) (b >>> IDLE_STATE) & 7;
        c.state = state == 0 ? null : State.values()[state - 1];
        c.clientSide = (int) (b >>> IDLE_CLIENT_SIDE & 3) - 1;
        c.localSide = (int) (b >>> IDLE_LOCAL_SIDE & 7) - 1;
        c.directionScore = (int) (b >>> IDLE_SCORE) & 0xFF;
        c.directionReported = (b & IDLE_DIRECTION_REPORTED) != 0;
        c.closed = (b & IDLE_CLOSED) != 0;
        c.synRetrans = i.synRetrans;
        c.lastPacketRetrans = (b & IDLE_LAST_RETRANS) != 0;
        c.synSeen = (b & IDLE_SYN_SEEN) != 0;
        c.synSeq = i.synSeq & 0xFFFF_FFFFL;
        c.synTs = i.synTs;
        c.synAckSeen = (b & IDLE_SYN_ACK_SEEN) != 0;
        c.synAckSeq = i.synAckSeq & 0xFFFF_FFFFL;
        c.firstRttNanos = i.firstRttNanos;
        c.handshakeCostMs = (b & IDLE_HANDSHAKE_COST) != 0 ? i.firstRttNanos / 1e6 : -1;
        c.handshakeReported = (b & IDLE_HANDSHAKE_REPORTED) != 0;
        c.sent = (short) (b >>> IDLE_SENT & 0x3FF);
        c.historyEvents = i.historyEvents;
        c.historySeen = (short) (b >>> IDLE_HISTORY_SEEN);
        c.historyCount = (byte) (b >>> IDLE_HISTORY_COUNT & 0x1F);
        c.macCount = (byte) (b >>> IDLE_MAC_COUNT & 3);
        c.mac0 = i.mac0;
        c.mac1 = i.mac1;
        c.chunkId = i.chunkId;
        c.chunkStartNanos = i.lastSeenNanos;
        if ((b & IDLE_HALF0) != 0) {
            c.half0 = restoreHalf(i.nextSeqTime0, i.lastAckTime0, i.seqPos0, i.isn0, i.nextSeq0, i.maxSeqToBeAcked0,
                    i.lastAck0, i.dupAckNum0, i.halfBits0);
        }
        if ((b & IDLE_HALF1) != 0) {
            c.half1 = restoreHalf(i.nextSeqTime1, i.lastAckTime1, i.seqPos1, i.isn1, i.nextSeq1, i.maxSeqToBeAcked1,
                    i.lastAck1, i.dupAckNum1, i.halfBits1);
        }
        return c;
    }

    private static Half restoreHalf(long nextSeqTime, long lastAckTime, int seqPos, int isn, int nextSeq,
                                    int maxSeqToBeAcked, int lastAck, int dupAckNum, long bits) {
        Half h = new Half();
        h.nextSeqTime = nextSeqTime;
        h.lastAckTime = lastAckTime;
        h.seqPos(seqPos & 0xFFFF_FFFFL);
        h.isn(isn & 0xFFFF_FFFFL);
        h.nextSeq = nextSeq & 0xFFFF_FFFFL;
        h.maxSeqToBeAcked = maxSeqToBeAcked & 0xFFFF_FFFFL;
        h.lastAck = lastAck & 0xFFFF_FFFFL;
        h.dupAckNum = dupAckNum;
        h.window = (int) (bits >>> HALF_WINDOW & 0x1FFFF) - 1;
        h.windowScale = (short) ((bits >>> HALF_WINDOW_SCALE & 0x1FF) - 2);
        h.wscale = (short) ((bits >>> HALF_WSCALE & 0x1FF) - 1);
        h.lastSegmentFlags = (int) (bits >>> HALF_FLAGS & 0xFFFF);
        h.seqKnown = (bits & HALF_SEQ_KNOWN) != 0;
        h.syn = (bits & HALF_SYN) != 0;
        h.firstAck = (bits & HALF_FIRST_ACK) != 0;
        return h;
    }

    /** Clears the chunk after it was emitted. */
    void resetChunk() {
        if (extra != null) {
            extra.icmpErrors = 0;
            extra.icmpLastError = "";
            if (extra.closeCostMs >= 0) {
                extra.closeReported = true;
            }
        }
        chunkCount = 0;
        chunkId++;
        chunkSyn = false;
        chunkFin = false;
        if (half0 != null) {
            half0.resetChunk();
        }
        if (half1 != null) {
            half1.resetChunk();
        }
        if (handshakeCostMs >= 0) {
            handshakeReported = true;
        }
        lastRttMs = -1;
    }

    private void history(int letter, int side) {
        int e = letter * 2 + side;
        int bit = 1 << e;
        if ((historySeen & bit) == 0) {
            historySeen |= (short) bit;
            historyEvents |= (long) e << (4 * historyCount);
            historyCount++;
        }
    }

    /** Zeek history: letters in order of first occurrence, upper case for the originator. */
    public String history() {
        int orig = originator();
        char[] out = new char[historyCount];
        for (int i = 0; i < historyCount; i++) {
            int e = (int) (historyEvents >>> (4 * i)) & 0xF;
            char c = LETTERS.charAt(e >> 1);
            out[i] = (e & 1) == orig ? Character.toUpperCase(c) : c;
        }
        return new String(out);
    }

    /** Zeek conn_state from what both sides sent so far. */
    public String connState() {
        if (!tcp) {
            return half(0).packets + half(1).packets > 0 && bothSidesSent() ? "SF" : "S0";
        }
        int o = originator();
        int r = 1 - o;
        boolean origSyn = sent(SENT_SYN, o);
        boolean respSynAck = sent(SENT_SYN_ACK, r);
        if (origSyn && !respSynAck) {
            if (sent(SENT_RST, r)) {
                return "REJ";
            }
            if (sent(SENT_RST, o)) {
                return "RSTOS0";
            }
            if (sent(SENT_FIN, o)) {
                return "SH";
            }
            return "S0";
        }
        if (!origSyn && respSynAck) {
            if (sent(SENT_RST, r)) {
                return "RSTRH";
            }
            if (sent(SENT_FIN, r)) {
                return "SHR";
            }
            return "OTH";
        }
        if (!origSyn) {
            return "OTH";
        }
        if (sent(SENT_RST, o)) {
            return "RSTO";
        }
        if (sent(SENT_RST, r)) {
            return "RSTR";
        }
        if (sent(SENT_FIN, o) && sent(SENT_FIN, r)) {
            return "SF";
        }
        if (sent(SENT_FIN, o)) {
            return "S2";
        }
        if (sent(SENT_FIN, r)) {
            return "S3";
        }
        return "S1";
    }

    private boolean sent(int flag, int side) {
        return (sent & (1 << (flag + side))) != 0;
    }

    private boolean bothSidesSent() {
        return sent(EVER_SENT, 0) && sent(EVER_SENT, 1);
    }
}
