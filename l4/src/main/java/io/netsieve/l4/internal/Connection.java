package io.netsieve.l4.internal;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkView;
import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.TcpAnalysisFlag;
import io.netsieve.l4.flow.FlowKey;

import java.util.Arrays;

/**
 * One connection (TCP) or flow (UDP) at one capture point: TCP state, both sides' sequence spaces, the identity
 * fields of the records (inner/nic trace ids), Zeek history, and the chunk being accumulated. Sides are indexed
 * 0 = endpoint A, 1 = endpoint B of the {@link FlowKey}.
 *
 * <p>One object per connection (allocated when the flow starts); nothing is allocated per packet except when the
 * chunk's column arrays grow (doubling, up to the chunk's packet bound, then reused for later chunks).
 */
public final class Connection {
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

    public final FlowKey key = new FlowKey();
    /** Reassembled streams, when a stream handler factory is set and accepted this connection. */
    TcpStreams streams;
    boolean streamsDecided;
    /** ICMP errors quoting this flow in the current chunk, and the last one. */
    int icmpErrors;
    String icmpLastError = "";
    public final boolean tcp;
    public final long traceHigh;
    public final long traceLow;
    public final int vlanId;
    final Half[] half = {new Half(), new Half()};
    final TcpAnalyzer analyzer;

    public State state;
    public int firstSide;
    public int clientSide = -1;
    public int localSide = -1;
    public int directionScore;
    public long firstSeenNanos;
    public long lastSeenNanos;
    public boolean closed;
    public long closedAtNanos;
    public int synRetrans;

    // handshake / close timing
    boolean synSeen;
    long synSeq;
    long synTs;
    boolean synAckSeen;
    long synAckSeq;
    double handshakeCostMs = -1;
    boolean handshakeReported;
    long firstFinTs = -1;
    double closeCostMs = -1;
    boolean closeReported;
    double lastRttMs = -1;

    // Zeek flags
    private final boolean[] sentSyn = new boolean[2];
    private final boolean[] sentSynAck = new boolean[2];
    private final boolean[] sentFin = new boolean[2];
    private final boolean[] sentRst = new boolean[2];
    private final int[] historyEvents = new int[2 * LETTERS.length()];
    private int historyCount;
    private int historySeen;

    // MACs seen, for small ids in the packet series
    private final long[] macs = new long[8];
    private int macCount;

    // chunk
    public int chunkId;
    public int chunkCount;
    public long chunkStartNanos;
    boolean chunkSyn;
    boolean chunkFin;
    boolean[] colFromA = new boolean[8];
    byte[] colSrcMac = new byte[8];
    byte[] colDstMac = new byte[8];
    short[] colFlags = new short[8];
    long[] colSeq = new long[8];
    long[] colAck = new long[8];
    int[] colPayload = new int[8];
    long[] colWindow = new long[8];
    long[] colTs = new long[8];
    int[] colAnalysis = new int[8];
    long[] colAckRtt = new long[8];

    // eviction list (least recently seen first)
    Connection lruPrev;
    Connection lruNext;

    Connection(FlowKey key, boolean tcp, long traceHigh, long traceLow, int vlanId, long now, int firstSide) {
        this.key.copyFrom(key);
        this.tcp = tcp;
        this.traceHigh = traceHigh;
        this.traceLow = traceLow;
        this.vlanId = vlanId;
        this.firstSeenNanos = now;
        this.lastSeenNanos = now;
        this.firstSide = firstSide;
        this.analyzer = tcp ? new TcpAnalyzer() : null;
    }

    public boolean chunkEmpty() {
        return chunkCount == 0;
    }

    /** The originator in Zeek's sense: the client when known, else whoever sent the first packet. */
    public int originator() {
        return clientSide >= 0 ? clientSide : firstSide;
    }

    /**
     * Accounts one packet sent by {@code side}.
     *
     * @return true when this packet ended the connection (RST, or the ACK of the second FIN)
     */
    boolean onPacket(DecodedPacket d, int side, long now) {
        Half me = half[side];
        Half peer = half[1 - side];
        everSent[side] = true;
        lastSeenNanos = now;
        if (chunkCount == 0) {
            chunkStartNanos = now;
        }
        int flags = 0;
        long seq = 0;
        long ack = 0;
        int payload;
        long window = 0;
        boolean retrans = false;
        int analysis = 0;
        if (tcp) {
            TcpView t = d.tcp();
            flags = t.flags();
            seq = t.seq();
            ack = t.ack();
            payload = t.payloadLength();
            boolean syn = (flags & TcpView.SYN) != 0;
            boolean ackFlag = (flags & TcpView.ACK) != 0;
            boolean fin = (flags & TcpView.FIN) != 0;
            boolean rst = (flags & TcpView.RST) != 0;

            if (!me.seqKnown) {
                me.seqKnown = true;
                me.seqPos = Seq.sub(seq, 1);
            }
            if (ackFlag && !peer.seqKnown) {
                // The peer's sequence space is announced by our ack before the peer sends anything we saw.
                peer.seqKnown = true;
                peer.seqPos = Seq.sub(ack, 1);
            }

            if (syn) {
                if (t.windowScale() >= 0) {
                    me.windowScale = t.windowScale();
                }
                if (!ackFlag) {
                    if (synSeen && me.syn && me.isn == seq) {
                        synRetrans++;
                        retrans = true;
                    }
                    if (!synSeen) {
                        synSeen = true;
                        synSeq = seq;
                        synTs = now;
                        chunkSyn = true;
                    }
                    me.syn = true;
                    me.isn = seq;
                    sentSyn[side] = true;
                    if (clientSide < 0) {
                        clientSide = side;
                    }
                    history(LETTER_S, side);
                    if (state == null) {
                        state = State.SYN_SENT;
                    }
                } else {
                    if (synAckSeen && me.syn && me.isn == seq) {
                        retrans = true;
                    }
                    if (!synAckSeen) {
                        synAckSeen = true;
                        synAckSeq = seq;
                    }
                    me.syn = true;
                    me.isn = seq;
                    sentSynAck[side] = true;
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
                analyzer.onSynOptions(side, t.windowScale(), ackFlag);
            }
            analysis = analyzer.analyse(side, seq, ack, payload, flags, t.window(), now);
            if (TcpAnalysisFlag.isRetransmission(analysis)) {
                retrans = true;
            }
            long segLen = payload + (syn ? 1 : 0) + (fin ? 1 : 0);
            long end = Seq.add(seq, segLen);
            if (!me.maxKnown || Seq.gt(end, me.maxSeqEnd)) {
                me.maxKnown = true;
                me.maxSeqEnd = end;
            }

            // Handshake completion: the client's first ACK of the server's SYN.
            if (ackFlag && !syn && state == State.SYN_RECEIVED && side == clientSide && synAckSeen
                    && ack == Seq.add(synAckSeq, 1)) {
                state = State.ESTABLISHED;
                if (synSeen) {
                    handshakeCostMs = (now - synTs) / 1e6;
                    analyzer.firstRttNanos = now - synTs;
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
                    me.rttDataEnd = end;
                    me.rttDataTs = now;
                }
            }
            if (t.window() == 0 && !syn && !fin && !rst) {
                history(LETTER_W, side);
            }
            if (fin) {
                history(LETTER_F, side);
                sentFin[side] = true;
                if (!me.fin) {
                    me.fin = true;
                    me.finSeqEnd = end;
                    if (firstFinTs < 0) {
                        firstFinTs = now;
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
                sentRst[side] = true;
                ended = state != State.CLOSED;
                state = State.CLOSED;
            } else if (me.fin && peer.fin && me.finAcked && peer.finAcked && state == State.CLOSING) {
                state = State.CLOSED;
                closeCostMs = (now - firstFinTs) / 1e6;
                ended = true;
            }
            int scale = half[0].windowScale >= 0 && half[1].windowScale >= 0 && !syn ? me.windowScale : 0;
            window = (long) t.window() << scale;
            me.lastWindow = t.window();
            appendRow(d, side, flags, relSeq(me, seq), ackFlag ? relSeq(peer, ack) : 0, payload, window, now,
                    analysis, analyzer.ackRttNanos);
            me.noteSeq(seq);
            me.packets++;
            me.bytes += payload;
            if (retrans) {
                me.retrans++;
            }
            if (ended) {
                closed = true;
                closedAtNanos = now;
            }
            return ended;
        }
        payload = d.udp().payloadLength();
        appendRow(d, side, 0, 0, 0, payload, 0, now, 0, -1);
        me.packets++;
        me.bytes += payload;
        return false;
    }

    private static long relSeq(Half h, long seq) {
        return h.seqKnown ? Seq.sub(seq, h.seqPos) : 0;
    }

    private void appendRow(DecodedPacket d, int side, int flags, long seq, long ack, int payload, long window,
                           long now, int analysis, long ackRtt) {
        int i = chunkCount;
        if (i == colFlags.length) {
            int n = i * 2;
            colFromA = Arrays.copyOf(colFromA, n);
            colSrcMac = Arrays.copyOf(colSrcMac, n);
            colDstMac = Arrays.copyOf(colDstMac, n);
            colFlags = Arrays.copyOf(colFlags, n);
            colSeq = Arrays.copyOf(colSeq, n);
            colAck = Arrays.copyOf(colAck, n);
            colPayload = Arrays.copyOf(colPayload, n);
            colWindow = Arrays.copyOf(colWindow, n);
            colTs = Arrays.copyOf(colTs, n);
            colAnalysis = Arrays.copyOf(colAnalysis, n);
            colAckRtt = Arrays.copyOf(colAckRtt, n);
        }
        LinkView link = d.link();
        colFromA[i] = side == 0;
        colSrcMac[i] = macId(link.srcMac());
        colDstMac[i] = macId(link.dstMac());
        colFlags[i] = (short) flags;
        colSeq[i] = seq;
        colAck[i] = ack;
        colPayload[i] = payload;
        colWindow[i] = window;
        colTs[i] = now - chunkStartNanos;
        colAnalysis[i] = analysis;
        colAckRtt[i] = ackRtt;
        chunkCount = i + 1;
    }

    private byte macId(long mac) {
        if (mac < 0) {
            return -1;
        }
        for (int i = 0; i < macCount; i++) {
            if (macs[i] == mac) {
                return (byte) i;
            }
        }
        if (macCount == macs.length) {
            return (byte) (macs.length - 1); // more distinct MACs than a connection should ever show: clamp
        }
        macs[macCount] = mac;
        return (byte) macCount++;
    }

    /** Clears the chunk after it was emitted. */
    void resetChunk() {
        icmpErrors = 0;
        icmpLastError = "";
        chunkCount = 0;
        chunkId++;
        chunkSyn = false;
        chunkFin = false;
        half[0].resetChunk();
        half[1].resetChunk();
        if (handshakeCostMs >= 0) {
            handshakeReported = true;
        }
        if (closeCostMs >= 0) {
            closeReported = true;
        }
        lastRttMs = -1;
    }

    private void history(int letter, int side) {
        int bit = 1 << (letter * 2 + side);
        if ((historySeen & bit) == 0) {
            historySeen |= bit;
            historyEvents[historyCount++] = letter * 2 + side;
        }
    }

    /** Zeek history: letters in order of first occurrence, upper case for the originator. */
    public String history() {
        int orig = originator();
        char[] out = new char[historyCount];
        for (int i = 0; i < historyCount; i++) {
            int e = historyEvents[i];
            char c = LETTERS.charAt(e >> 1);
            out[i] = (e & 1) == orig ? Character.toUpperCase(c) : c;
        }
        return new String(out);
    }

    /** Zeek conn_state from what both sides sent so far. */
    public String connState() {
        if (!tcp) {
            return half[0].packets + half[1].packets > 0 && bothSidesSent() ? "SF" : "S0";
        }
        int o = originator();
        int r = 1 - o;
        boolean origSyn = sentSyn[o];
        boolean respSynAck = sentSynAck[r];
        if (origSyn && !respSynAck) {
            if (sentRst[r]) {
                return "REJ";
            }
            if (sentRst[o]) {
                return "RSTOS0";
            }
            if (sentFin[o]) {
                return "SH";
            }
            return "S0";
        }
        if (!origSyn && respSynAck) {
            if (sentRst[r]) {
                return "RSTRH";
            }
            if (sentFin[r]) {
                return "SHR";
            }
            return "OTH";
        }
        if (!origSyn) {
            return "OTH";
        }
        if (sentRst[o]) {
            return "RSTO";
        }
        if (sentRst[r]) {
            return "RSTR";
        }
        if (sentFin[o] && sentFin[r]) {
            return "SF";
        }
        if (sentFin[o]) {
            return "S2";
        }
        if (sentFin[r]) {
            return "S3";
        }
        return "S1";
    }

    private boolean bothSidesSent() {
        return everSent[0] && everSent[1];
    }

    final boolean[] everSent = new boolean[2];
}
