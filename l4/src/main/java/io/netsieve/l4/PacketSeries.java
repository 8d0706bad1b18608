package io.netsieve.l4;

import io.netsieve.l4.internal.Connection;

import java.util.Arrays;

/**
 * The packets of one L4 log chunk, one row per packet (reference §3), in columns of primitives. Sequence and
 * acknowledgment numbers are relative: absolute = relative + {@link L4Log#txSeqPos()} (for tx rows) or
 * {@link L4Log#rxSeqPos()} (for rx rows) for seq, the other side's position for ack. Immutable, unless lent.
 *
 * <p>The tracker's series hold the connection's packed rows (5 longs per packet, in blocks, handed over without a
 * copy); a series built with the public constructor keeps copies of the given columns.
 *
 * <p>Lent series: with {@link L4Config.Builder#lendPacketSeries} a record's series is valid only during the
 * {@link L4LogListener} call; the series of an {@link L4LogView} is one wrapper the tracker lends again for each
 * record (valid during each {@link L4LogViewListener} call). Reading a lent series outside its call throws
 * {@link IllegalStateException}; {@link #copy()} in the call keeps the rows.
 */
public final class PacketSeries {
    static {
        Connection.installSeriesFactory(new Connection.SeriesFactory() {
            @Override
            public PacketSeries create(int count, long[][] blocks, boolean srcIsA) {
                return new PacketSeries(count, blocks, srcIsA);
            }

            @Override
            public PacketSeries rearm(PacketSeries released, int count, long[][] blocks, boolean srcIsA) {
                if (!released.released) {
                    throw new IllegalStateException("re-armed a series that is still lent");
                }
                released.count = count;
                released.rows = blocks;
                released.srcIsA = srcIsA;
                released.released = false;
                return released;
            }

            @Override
            public long[][] release(PacketSeries series) {
                long[][] blocks = series.rows;
                series.rows = null;
                series.released = true;
                return blocks;
            }
        });
    }

    private static final int ROW = Connection.ROW;

    // count, rows and srcIsA change only when the tracker re-arms the wrapper it lends with a lent record
    // (L4LogView): a series that owns its rows never changes
    private int count;
    /** Packed rows in blocks (the tracker's layout, see Connection#appendRow), or null with the columns below. */
    private long[][] rows;
    /** A lent series after its listener call: its rows belong to the tracker again. */
    private boolean released;
    /** Packed rows: tx = the row was sent by side A == srcIsA. */
    private boolean srcIsA;
    private final boolean[] tx;
    private final byte[] srcMacId;
    private final byte[] dstMacId;
    private final short[] flags;
    private final long[] seq;
    private final long[] ack;
    private final int[] payloadSize;
    private final long[] window;
    private final long[] tsOffset;
    private final int[] analysis;
    private final long[] ackRtt;

    /** Copies the first {@code count} entries of the given columns. */
    public PacketSeries(int count, boolean[] tx, byte[] srcMacId, byte[] dstMacId, short[] flags, long[] seq,
                        long[] ack, int[] payloadSize, long[] window, long[] tsOffset, int[] analysis,
                        long[] ackRtt) {
        this.count = count;
        this.rows = null;
        this.srcIsA = false;
        this.tx = Arrays.copyOf(tx, count);
        this.srcMacId = Arrays.copyOf(srcMacId, count);
        this.dstMacId = Arrays.copyOf(dstMacId, count);
        this.flags = Arrays.copyOf(flags, count);
        this.seq = Arrays.copyOf(seq, count);
        this.ack = Arrays.copyOf(ack, count);
        this.payloadSize = Arrays.copyOf(payloadSize, count);
        this.window = Arrays.copyOf(window, count);
        this.tsOffset = Arrays.copyOf(tsOffset, count);
        this.analysis = Arrays.copyOf(analysis, count);
        this.ackRtt = Arrays.copyOf(ackRtt, count);
    }

    /** Takes over packed rows (no copy): only for the tracker, through {@link Connection.SeriesFactory}. */
    private PacketSeries(int count, long[][] rows, boolean srcIsA) {
        this.count = count;
        this.rows = rows;
        this.srcIsA = srcIsA;
        this.tx = null;
        this.srcMacId = null;
        this.dstMacId = null;
        this.flags = null;
        this.seq = null;
        this.ack = null;
        this.payloadSize = null;
        this.window = null;
        this.tsOffset = null;
        this.analysis = null;
        this.ackRtt = null;
    }

    /**
     * A series that owns its rows: the same packets, safe to keep after the listener call that received this one
     * (needed only when the tracker lends series, {@code L4Config.lendPacketSeries}).
     */
    public PacketSeries copy() {
        requireNotReleased();
        if (rows == null) {
            return new PacketSeries(count, tx, srcMacId, dstMacId, flags, seq, ack, payloadSize, window, tsOffset,
                    analysis, ackRtt);
        }
        long[][] copied = new long[rows.length][];
        for (int b = 0; b < rows.length; b++) {
            copied[b] = rows[b] != null ? rows[b].clone() : null;
        }
        return new PacketSeries(count, copied, srcIsA);
    }

    /** Number of packets. */
    public int size() { return count; }
    /** True when packet {@code i} was sent by the local side ({@code txrx = tx}). */
    public boolean isTx(int i) {
        check(i);
        return rows != null ? ((cell(i, 2) & (1L << 22)) != 0) == srcIsA : tx[i];
    }
    /** Small per-connection id of the source MAC (0, 1, 2… in order of appearance; -1 without a MAC). */
    public int srcMacId(int i) {
        check(i);
        return rows != null ? (byte) (cell(i, 2) >>> 24) : srcMacId[i];
    }
    /** Small per-connection id of the destination MAC. */
    public int dstMacId(int i) {
        check(i);
        return rows != null ? (byte) (cell(i, 2) >>> 32) : dstMacId[i];
    }
    /** TCP flag bits (io.netsieve.core.packet.TcpView constants), 0 for UDP. */
    public int flags(int i) {
        check(i);
        return rows != null ? (short) cell(i, 1) : flags[i];
    }
    /** Relative sequence number (0 for UDP). */
    public long seq(int i) {
        check(i);
        return rows != null ? cell(i, 0) >>> 32 : seq[i];
    }
    /** Relative acknowledgment number (0 without ACK). */
    public long ack(int i) {
        check(i);
        return rows != null ? cell(i, 0) & 0xFFFF_FFFFL : ack[i];
    }
    /** TCP/UDP payload bytes. */
    public int payloadSize(int i) {
        check(i);
        return rows != null ? (int) (cell(i, 1) >> 32) : payloadSize[i];
    }
    /** Receive window, scaled by the negotiated window scale when the handshake was seen. */
    public long window(int i) {
        check(i);
        if (rows == null) {
            return window[i];
        }
        long w = cell(i, 2);
        return (w & 0xFFFFL) << ((int) (w >>> 16) & 63);
    }
    /** Nanoseconds since the chunk's first packet. */
    public long tsOffset(int i) {
        check(i);
        return rows != null ? cell(i, 3) : tsOffset[i];
    }

    /** {@link TcpAnalysisFlag} bits of packet {@code i}. */
    public int analysis(int i) {
        check(i);
        return rows != null ? (int) (cell(i, 1) >>> 16) & 0xFFFF : analysis[i];
    }
    /** ACK RTT of packet {@code i} (time since the segment it acknowledges exactly), ns, or -1. */
    public long ackRttNanos(int i) {
        check(i);
        return rows != null ? cell(i, 4) : ackRtt[i];
    }

    /**
     * The first packet of this chunk sent by the given side ({@code tx} = by the record's src) whose payload
     * covers relative sequence number {@code relativeSeq}; if none carries it, the first packet without payload
     * whose seq equals it (a SYN, FIN or pure ACK); else -1. Relative numbers are those of {@link #seq(int)},
     * compared modulo 2^32.
     */
    public int indexOfSeq(boolean fromTx, long relativeSeq) {
        long target = relativeSeq & 0xffffffffL;
        int empty = -1;
        for (int i = 0; i < count; i++) {
            if (isTx(i) != fromTx) {
                continue;
            }
            long offset = (target - (seq(i) & 0xffffffffL)) & 0xffffffffL;
            int payload = payloadSize(i);
            if (payload > 0) {
                if (offset < payload) {
                    return i;
                }
            } else if (offset == 0 && empty < 0) {
                empty = i;
            }
        }
        return empty;
    }

    /** The texts of the nine TCP flag bits' combinations, made once: a sink writes one per packet. */
    private static final String[] FLAG_TEXTS = new String[1 << 9];

    static {
        for (int f = 0; f < FLAG_TEXTS.length; f++) {
            FLAG_TEXTS[f] = makeFlagText(f);
        }
    }

    /** Flags as text, e.g. {@code SYN|ACK}. */
    public static String flagText(int flags) {
        return flags >= 0 && flags < FLAG_TEXTS.length ? FLAG_TEXTS[flags] : makeFlagText(flags);
    }

    private static String makeFlagText(int flags) {
        if (flags == 0) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"};
        int[] order = {1, 4, 0, 2, 3, 5, 6, 7, 8}; // SYN, ACK, FIN, RST, PSH, URG, ECE, CWR, NS
        for (int bit : order) {
            if ((flags & (1 << bit)) != 0) {
                if (!b.isEmpty()) {
                    b.append('|');
                }
                b.append(names[bit]);
            }
        }
        return b.toString();
    }

    private long cell(int i, int field) {
        return rows[Connection.blockOf(i)][ROW * Connection.rowInBlock(i) + field];
    }

    private void requireNotReleased() {
        if (released) {
            throw new IllegalStateException("this packet series was lent for the duration of the listener call "
                    + "(L4Config.lendPacketSeries, L4LogView): copy() it there to keep it");
        }
    }

    private int check(int i) {
        requireNotReleased();
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("packet " + i + " of " + count);
        }
        return i;
    }
}
