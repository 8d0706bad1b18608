package io.netsieve.l4.internal;

import io.netsieve.core.packet.TcpView;

/**
 * A TCP flow that has shown at most {@link #CAPACITY} packets, none with FIN or RST — typically a handshake, one
 * SYN of a scan or flood, or a handshake and one request and response with its ACK — kept as those packets' header
 * fields (24 bytes each; the first three in fields, the others in one array allocated on the fourth) instead of a
 * {@link Connection} with its sides, analysis state and packet rows. Most flows of a busy table are like this: idle after the
 * handshake, half-open, or scanned; this form is what makes a million of them fit in a small heap.
 *
 * <p>When anything needs the flow's state (a packet that does not fit here, a record to write, a timeout, an ICMP
 * error, eviction), the connection table builds the {@link Connection} by replaying these packets through
 * {@link Connection#onPacket} in order: the connection then holds exactly what it would have held had it been
 * built on the first packet (it is deterministic in its inputs, which are all kept here). Only flows that need no
 * decision on arrival are kept: no stream handler to open (none is set, or the factory declined the flow on its
 * first packet), no FIN or RST (they close the connection), no second SYN without ACK (port reuse is decided on
 * the connection's state), no chunk to close.
 *
 * <p>When the chunk idle timeout closes the chunk of an opening flow, its record is written from the replayed
 * connection and the flow stays in this form, marked {@link #recorded()}: what the connection holds after that
 * record is the replay followed by the record's reset, which {@code ConnectionTable} redoes when it needs the
 * connection again. So a connection idle after its handshake stays this small until its TCP idle timeout.
 */
final class OpeningFlow extends Flow {
    /** Packets kept: a handshake, a request, its response and the ACK of that (6), as many short exchanges are. */
    static final int CAPACITY = 6;
    /** Packets kept in fields; the rest go to {@link #more}. */
    static final int INLINE = 3;
    /** Payload lengths up to this fit in a packet's fields (any real TCP segment does). */
    private static final int MAX_PAYLOAD = (1 << 21) - 1;

    /** Source and destination MAC of the first packet; later packets carry the same pair, either way round. */
    private final long mac0;
    private final long mac1;
    // packet i: time, seq << 32 | ack, and the rest (see add())
    private long time0;
    private long time1;
    private long time2;
    private long seqAck0;
    private long seqAck1;
    private long seqAck2;
    private long rest0;
    private long rest1;
    private long rest2;
    /** Packets {@link #INLINE} and later, three longs each as above; null until the fourth. */
    private long[] more;
    /** The flow's trace id, drawn when it was created (a flow keeps it across its records). */
    final long traceHigh;
    final long traceLow;
    /**
     * The small fields, in one int so that the overflow reference costs no padding: the packet count (bits 0-2);
     * the chunk of these packets was written as a record, no more packets are kept then (3); that record had a
     * known direction, which sticks from then on (4); a stream handler factory was asked on the first packet and
     * declined, it is not asked again (5); what the connection table decided on the first packet: local side + 1
     * (6-8: -1, 0, 1, 2), listening server + 1 (9-10: -1, 0, 1).
     */
    private int bits;
    private static final int RECORDED = 1 << 3;
    private static final int DIRECTION_REPORTED = 1 << 4;
    private static final int STREAMS_DECLINED = 1 << 5;
    private static final int LOCAL_SIDE = 6;
    private static final int SERVER_SIDE = 9;

    OpeningFlow(Segment s, int side, long now, int localSide, int serverSide, long traceHigh, long traceLow) {
        assert localSide >= -1 && localSide <= 2 && serverSide >= -1 && serverSide <= 1;
        this.traceHigh = traceHigh;
        this.traceLow = traceLow;
        mac0 = s.srcMac;
        mac1 = s.dstMac;
        bits = (localSide + 1) << LOCAL_SIDE | (serverSide + 1) << SERVER_SIDE;
        add(s, side, now);
    }

    /** A packet an opening flow can start with or keep: TCP, no FIN or RST, a payload length that fits. */
    static boolean keepable(Segment s) {
        return s.tcp && (s.flags & (TcpView.FIN | TcpView.RST)) == 0 && s.payload >= 0 && s.payload <= MAX_PAYLOAD;
    }

    /**
     * True when {@code s} can be kept as the next packet: there is room, it is {@link #keepable}, not a SYN without
     * ACK (which may start a new connection on this tuple), and it carries the first packet's MAC pair.
     */
    boolean canAdd(Segment s) {
        return !recorded() && count() < CAPACITY && keepable(s)
                && (s.flags & (TcpView.SYN | TcpView.ACK)) != TcpView.SYN
                && (s.srcMac == mac0 && s.dstMac == mac1 || s.srcMac == mac1 && s.dstMac == mac0);
    }

    void add(Segment s, int side, long now) {
        long seqAck = (s.seq << 32) | (s.ack & 0xFFFF_FFFFL);
        boolean swapped = s.srcMac != mac0 || s.dstMac != mac1;
        long rest = (s.flags & 0xFFFFL) | ((s.window & 0xFFFFL) << 16) | ((s.windowScale + 1L) & 0x1FF) << 32
                | (long) side << 41 | (swapped ? 1L << 42 : 0) | (long) s.payload << 43;
        int count = count();
        switch (count) {
            case 0 -> { time0 = now; seqAck0 = seqAck; rest0 = rest; }
            case 1 -> { time1 = now; seqAck1 = seqAck; rest1 = rest; }
            case 2 -> { time2 = now; seqAck2 = seqAck; rest2 = rest; }
            default -> {
                if (more == null) {
                    more = new long[3 * (CAPACITY - INLINE)];
                }
                int o = 3 * (count - INLINE);
                more[o] = now;
                more[o + 1] = seqAck;
                more[o + 2] = rest;
            }
        }
        bits++; // the count, in the low bits
    }

    /** Marks the packets' chunk as written ({@code directionReported}: the record had a known direction). */
    void recorded(boolean directionReported) {
        bits |= RECORDED | (directionReported ? DIRECTION_REPORTED : 0);
    }

    boolean recorded() {
        return (bits & RECORDED) != 0;
    }

    boolean directionReported() {
        return (bits & DIRECTION_REPORTED) != 0;
    }

    void streamsDeclined() {
        bits |= STREAMS_DECLINED;
    }

    boolean streamsDeclinedBefore() {
        return (bits & STREAMS_DECLINED) != 0;
    }

    /** Local side (-1, 0, 1, 2) and listening server (-1, 0, 1) as the connection table found them. */
    int localSide() {
        return (bits >>> LOCAL_SIDE & 7) - 1;
    }

    int serverSide() {
        return (bits >>> SERVER_SIDE & 3) - 1;
    }

    int count() {
        return bits & 7;
    }

    long time(int i) {
        return i == 0 ? time0 : i == 1 ? time1 : i == 2 ? time2 : more[3 * (i - INLINE)];
    }

    /** The side (0 = endpoint A) that sent packet {@code i}. */
    int side(int i) {
        return (int) (rest(i) >>> 41) & 1;
    }

    @Override
    long lastSeen() {
        return time(count() - 1);
    }

    /** Packet {@code i} as it arrived, written into {@code into}. */
    Segment segment(int i, Segment into) {
        long sa = i == 0 ? seqAck0 : i == 1 ? seqAck1 : i == 2 ? seqAck2 : more[3 * (i - INLINE) + 1];
        long r = rest(i);
        into.tcp = true;
        into.seq = sa >>> 32;
        into.ack = sa & 0xFFFF_FFFFL;
        into.flags = (int) r & 0xFFFF;
        into.window = (int) (r >>> 16) & 0xFFFF;
        into.windowScale = (int) (r >>> 32 & 0x1FF) - 1;
        into.payload = (int) (r >>> 43);
        boolean swapped = (r & 1L << 42) != 0;
        into.srcMac = swapped ? mac1 : mac0;
        into.dstMac = swapped ? mac0 : mac1;
        return into;
    }

    private long rest(int i) {
        return i == 0 ? rest0 : i == 1 ? rest1 : i == 2 ? rest2 : more[3 * (i - INLINE) + 2];
    }
}
