package io.netsieve.l4.internal;

import io.netsieve.core.nic.ListeningSockets;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.IpAddressText;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.Direction;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4LogListener;
import io.netsieve.l4.stream.ApplicationHints;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l4.stream.StreamStats;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.flow.FlowKey;
import io.netsieve.l4.flow.FlowTable;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The connections of an L4 tracker: lookup, creation (with port reuse), chunk closing, timeouts, eviction of the
 * least recently seen connection when the table is full, and turning chunks into {@link L4Log} records.
 *
 * <p>A new TCP flow starts as an {@link OpeningFlow} (its first packets, compact) when no stream handler has to see
 * it; it becomes a {@link Connection} ({@link #materialize}) as soon as a packet, a record, a timeout, an ICMP error
 * or eviction needs the connection's state.
 */
public final class ConnectionTable {
    // streams: io.netsieve.l4.stream (public SPI) fed from here
    private static final long SWEEP_PERIOD_NANOS = 1_000_000_000L;
    /** direction_score of a client known from an application request only (no handshake, no server socket). */
    static final int APPLICATION_SCORE = 240;

    private final L4Config config;
    private final IntFunction<Nic> nics;
    private final L4LogListener listener;
    /** The one record of a tracker whose records are lent (refilled per record), or null: {@link #listener} gets them. */
    private final LentRecord lent;
    private final FlowTable<Flow> table;
    private final FlowKey key = new FlowKey();
    /** The packet being accounted, and the one an opening flow replays (scratch, no allocation per packet). */
    private final Segment segment = new Segment();
    private final Segment replayed = new Segment();
    /** Scratch key and Community ID hasher of {@link #emit}: nothing per record but the record's own values. */
    private final FlowKey recordKey = new FlowKey();
    private final CommunityIdHasher communityIds = new CommunityIdHasher(0);
    private final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());
    /** Per capture point: its NIC and local addresses, resolved once. */
    private record CapturePoint(Nic nic, long[] localAddresses) {
    }

    private final Map<Integer, CapturePoint> capturePoints = new HashMap<>();
    /** One-entry cache in front of {@link #capturePoints}: a tracker mostly sees one capture point, no boxing. */
    private int lastCapturePointId = Integer.MIN_VALUE;
    private CapturePoint lastCapturePoint;
    // The eviction order (least recently seen first). A doubly linked list relinked on every packet costs several
    // reference stores into neighbouring flows, and the order is only needed to evict, i.e. once the table is full.
    // So below half of maxFlows each packet only stamps its flow with the next value of touchClock; the list is built
    // from the stamps (one sort) when the table reaches half full, kept while it is over a quarter full, and dropped
    // below that. Both give the same order: the stamps and the list both follow the last linkLast of each flow.
    private Flow lruHead;
    private Flow lruTail;
    private boolean lruKept;
    private long touchClock;
    private final int lruKeepFrom;
    private final int lruDropBelow;
    private long nextSweep = Long.MIN_VALUE;
    private long created;
    private long expired;
    private long evicted;
    private long portReuses;
    private long flushed;
    private long lruBuilds;
    /** Idle connections kept as {@link IdleConnection}s, and those rebuilt from one. */
    private long compacted;
    private long restored;
    private long records;
    private long listeningDecided;
    private long applicationDecided;

    private final StreamHandlerFactory streamFactory;
    private final DatagramHandlerFactory datagramFactory;
    private final StreamCounters streamCounters;
    /** Free row blocks when records lend their series ({@link L4Config#lendPacketSeries()}), else null. */
    private final RowBlockPool rowPool;

    public ConnectionTable(L4Config config, IntFunction<Nic> nics, L4LogListener listener) {
        this(config, nics, listener, null);
    }

    public ConnectionTable(L4Config config, IntFunction<Nic> nics, L4LogListener listener,
                           StreamHandlerFactory streamFactory) {
        this(config, nics, listener, streamFactory, null);
    }

    public ConnectionTable(L4Config config, IntFunction<Nic> nics, L4LogListener listener,
                           StreamHandlerFactory streamFactory, DatagramHandlerFactory datagramFactory) {
        this(config, nics, listener, null, streamFactory, datagramFactory);
    }

    /**
     * With {@code lent} set (and {@code listener} null), records are not built: {@code lent} is refilled for each
     * and delivered to its listener, its packet series lent (rows pooled whatever {@link L4Config#lendPacketSeries()}
     * says).
     */
    public ConnectionTable(L4Config config, IntFunction<Nic> nics, L4LogListener listener, LentRecord lent,
                           StreamHandlerFactory streamFactory, DatagramHandlerFactory datagramFactory) {
        if ((listener == null) == (lent == null)) {
            throw new IllegalArgumentException("exactly one of listener and lent record");
        }
        this.config = config;
        this.datagramFactory = datagramFactory;
        this.nics = nics;
        this.listener = listener;
        this.lent = lent;
        this.table = new FlowTable<>(config.maxFlows());
        this.lruKeepFrom = Math.max(1, config.maxFlows() / 2);
        this.lruDropBelow = config.maxFlows() / 4;
        this.rowPool = config.lendPacketSeries() || lent != null ? new RowBlockPool() : null;
        this.streamFactory = streamFactory;
        this.streamCounters = new StreamCounters(config.reassemblyMaxBytesPerFlow(),
                config.reassemblyMaxBytesTotal());
    }

    private final FlowKey quoted = new FlowKey();
    private long icmpAttached;
    private long icmpUnmatched;

    public long icmpAttached() { return icmpAttached; }

    public long icmpUnmatched() { return icmpUnmatched; }

    /**
     * An ICMP/ICMPv6 error quoting the header of a TCP or UDP packet: attached to the flow of that packet on the same
     * capture point and segment, if we track it.
     */
    public void onIcmpError(DecodedPacket d) {
        io.netsieve.core.packet.IcmpView icmp = d.icmp();
        int proto = icmp.quotedProtocol();
        if (proto != 6 && proto != 17) {
            return;
        }
        io.netsieve.core.packet.LinkView link = d.link();
        int outer = link.vlanCount() > 0 ? link.vlanId(0) : 0xffff;
        int inner = link.vlanCount() > 1 ? link.vlanId(1) : 0xffff;
        if (!quoted.set(d.packet().capturePointId(), (outer << 16) | inner, d.tunnel().vni(), icmp.quotedIpVersion(),
                proto, icmp.quotedSrcHigh(), icmp.quotedSrcLow(), icmp.quotedSrcPort(), icmp.quotedDstHigh(),
                icmp.quotedDstLow(), icmp.quotedDstPort())) {
            icmpUnmatched++;
            return;
        }
        Flow f = table.get(quoted);
        if (f == null) {
            icmpUnmatched++;
            return;
        }
        connection(f).noteIcmpError((icmp.version() == 6 ? "icmp6 " : "icmp ") + icmp.type() + "/" + icmp.code());
        icmpAttached++;
    }

    public StreamStats streamStats() {
        return streamCounters.snapshot();
    }

    private void closeStreams(Connection c, long now) {
        if (c.streams != null) {
            c.streams.close(now);
            c.streams = null;
        }
        if (c.datagrams != null) {
            DatagramHandler h = c.datagrams;
            c.datagrams = null;
            try {
                h.onClose(now);
            } catch (RuntimeException e) {
                streamCounters.handlerFailures++;
            }
        }
    }

    private StreamInfo streamInfo(Connection c, int client) {
        FlowKey k = table.keyOf(c.index, new FlowKey());
        String aIp = IpAddressText.of(k.aHigh(), k.aLow());
        String bIp = IpAddressText.of(k.bHigh(), k.bLow());
        // the src side of the L4 records, as emit() decides it (with the client known at this point)
        int local = c.localSide == 2 ? c.clientSide : c.localSide;
        int src = local >= 0 ? local : client;
        return new StreamInfo(k.capturePointId(), client == 0 ? aIp : bIp,
                client == 0 ? k.aPort() : k.bPort(), client == 0 ? bIp : aIp, client == 0 ? k.bPort() : k.aPort(),
                c.synSeen || c.synAckSeen, c.traceIdHex(), src == client);
    }

    /** UDP payload to the flow's datagram handler (opened on the flow's first datagram). */
    private void feedDatagrams(Connection c, DecodedPacket d, int side, long now) {
        if (datagramFactory == null || c.tcp) {
            return;
        }
        if (!c.datagramsDecided) {
            c.datagramsDecided = true;
            c.datagramClientSide = c.clientSide >= 0 ? c.clientSide : c.firstSide;
            try {
                c.datagrams = datagramFactory.open(streamInfo(c, c.datagramClientSide));
            } catch (RuntimeException e) {
                streamCounters.handlerFailures++;
            }
        }
        DatagramHandler h = c.datagrams;
        if (h == null) {
            return;
        }
        // the client is fixed when the handler opens (a later decision does not flip directions mid-flow)
        int client = c.datagramClientSide;
        io.netsieve.core.packet.UdpView u = d.udp();
        int captured = Math.max(0, Math.min(u.capturedPayloadLength(), u.payloadLength()));
        try {
            h.onDatagram(side == client ? StreamHandler.CLIENT_TO_SERVER : StreamHandler.SERVER_TO_CLIENT,
                    d.packet().buffer(), d.packet().offset() + u.payloadOffset(), captured, u.payloadLength(), now);
        } catch (RuntimeException e) {
            streamCounters.handlerFailures++;
            c.datagrams = null;
        }
    }

    private void feedStreams(Connection c, DecodedPacket d, int side, long now) {
        if (streamFactory == null || !c.tcp) {
            return;
        }
        if (!c.streamsDecided) {
            c.streamsDecided = true;
            int client = c.clientSide >= 0 ? c.clientSide : c.firstSide;
            StreamInfo info = streamInfo(c, client);
            StreamHandler h;
            try {
                h = streamFactory.open(info);
            } catch (RuntimeException e) {
                h = null;
                streamCounters.handlerFailures++;
            }
            if (h != null) {
                c.streams = new TcpStreams(h, client, streamCounters);
            }
        }
        if (c.streams != null) {
            c.streams.segment(d, side, c.lastPacketRetrans, c.chunkId, now);
            c.streams.onPacket(d, side, now);
        }
    }

    public long created() { return created; }
    public long expired() { return expired; }
    public long evicted() { return evicted; }
    public long portReuses() { return portReuses; }
    public long flushed() { return flushed; }
    public long compacted() { return compacted; }
    public long restored() { return restored; }
    public long records() { return records; }
    public int size() { return table.size(); }

    /** Runs the timeouts that are due at {@code now} (at most once per second of packet time). */
    public void advance(long now) {
        // called for every packet: small enough to be inlined, the sweep itself is not
        if (now >= nextSweep) {
            sweep(now);
        }
    }

    private void sweep(long now) {
        nextSweep = now + SWEEP_PERIOD_NANOS;
        for (int slot = table.nextSlot(0); slot >= 0; slot = table.nextSlot(slot + 1)) {
            Flow f = table.valueAt(slot);
            if (f == null) {
                continue;
            }
            if (f instanceof OpeningFlow o) {
                // an opening flow is a TCP flow, not closed: only the TCP idle timeout and (until its record is
                // written) the chunk idle timeout apply
                long idle = now - o.lastSeen();
                if (idle < config.tcpIdleNanos()) {
                    if (!o.recorded() && idle >= config.chunkIdleNanos()) {
                        emitKeepingCompact(o);
                    }
                    continue;
                }
                f = materialize(o);
            } else if (f instanceof IdleConnection i) {
                // its chunk was written and it has no handler: ending it writes nothing, so it ends as it is
                long idle = now - i.lastSeen();
                if (idle >= (i.closed() ? config.timeWaitNanos() : i.tcp() ? config.tcpIdleNanos()
                        : config.udpIdleNanos())) {
                    table.removeAt(slot);
                    unlink(i);
                    expired++;
                    slot--;
                }
                continue;
            }
            Connection c = (Connection) f;
            long idle = now - c.lastSeenNanos;
            long timeout = c.closed ? config.timeWaitNanos() : c.tcp ? config.tcpIdleNanos() : config.udpIdleNanos();
            if (idle >= timeout) {
                finish(c, false, now);
                table.removeAt(slot);
                unlink(c);
                expired++;
                slot--; // backward-shift deletion may have moved another flow into this slot
            } else if (idle >= config.chunkIdleNanos()) {
                if (!c.chunkEmpty()) {
                    emit(c, false, false);
                    c.trimIdle();
                }
                compactIfIdle(c);
            }
        }
    }

    public void onPacket(DecodedPacket d, long now) {
        if (!key.set(d)) {
            return;
        }
        segment.set(d);
        onSegment(d, d.transport() == Layer.TCP, now);
    }

    /**
     * Accounts a TCP segment read straight from its frame ({@link TcpFrameParser}: untagged Ethernet, IPv4 without
     * fragmentation, TCP without options other than timestamps) when this table has no stream handler factory to
     * feed; returns false, having done nothing, for any other frame or with a factory (decode it and call
     * {@link #onPacket}). The result is the same as {@link #onPacket} of the decoded frame.
     */
    public boolean onFrame(PacketView frame, long now) {
        if (streamFactory != null || !TcpFrameParser.parse(frame, key, segment)) {
            return false;
        }
        onSegment(null, true, now);
        return true;
    }

    /**
     * The packet whose key and segment are in {@link #key} and {@link #segment}; {@code d}, its decoded form, is
     * read only to feed stream and datagram handlers, and is null when there are none for it.
     */
    private void onSegment(DecodedPacket d, boolean tcp, long now) {
        int side = key.packetFromA() ? 0 : 1;
        Segment s = segment;
        Flow f = table.get(key);
        if (f instanceof IdleConnection i) {
            f = restore(i);
        } else if (f instanceof OpeningFlow o) {
            if (o.canAdd(s) && !chunkDue(now, o.time(0), o.lastSeen())
                    && o.count() + 1 < config.chunkMaxPackets()) {
                // nothing to decide on this packet: kept for the replay
                unlink(o);
                o.add(s, side, now);
                linkLast(o);
                return;
            }
            f = materialize(o);
        }
        Connection c = (Connection) f;
        if (c != null && tcp && startsNewConnection(c, s, side)) {
            finish(c, false, now);
            table.remove(key);
            unlink(c);
            portReuses++;
            c = null;
        }
        int local = 0;
        int server = 0;
        boolean newFlow = c == null;
        if (newFlow) {
            if (table.size() == table.maxFlows()) {
                evictOldest();
            }
            local = localSide(key.capturePointId(), key);
            server = listeningServer(side, tcp);
            created++;
            if (streamFactory == null && OpeningFlow.keepable(s) && config.chunkMaxPackets() > 1) {
                OpeningFlow o = new OpeningFlow(s, side, now, local, server, random.nextLong(), random.nextLong());
                table.put(key, o);
                linkLast(o);
                return;
            }
            c = new Connection(tcp, random.nextLong(), random.nextLong(), now, side, config.chunkMaxPackets());
            applyDirection(c, local, server);
            table.put(key, c);
            linkLast(c);
        } else {
            if (!lruKept) {
                c.touched = ++touchClock; // the table is far from full: a stamp instead of relinking
            } else if (c != lruTail) {
                // most recently seen last; a flow that is already last (a burst of one flow) is left where it is
                unlink(c);
                linkLast(c);
            }
            if (!c.chunkEmpty() && chunkDue(now, c.chunkStartNanos, c.lastSeenNanos)) {
                emit(c, false, false);
            }
        }
        boolean ended = c.onPacket(s, side, now, rowPool);
        feedStreams(c, d, side, now);
        feedDatagrams(c, d, side, now);
        if (ended) {
            finish(c, false, now);
        } else if (c.chunkCount >= config.chunkMaxPackets()) {
            emit(c, false, false);
        } else if (newFlow && c.streamsDecided && c.streams == null && OpeningFlow.keepable(s)) {
            // the stream handler factory declined the flow on its first packet: nothing is left to decide when a
            // packet arrives, so it is kept as that packet like any new flow (its replay gives this connection)
            OpeningFlow o = new OpeningFlow(s, side, now, local, server, c.traceHigh, c.traceLow);
            o.streamsDeclined();
            c.dropReplayedChunk(rowPool);
            table.replace(c.index, o);
            replaceInLru(c, o);
        }
    }

    /**
     * Port reuse: the TCP segment {@code s} from {@code side} starts a new connection on the tuple of {@code c}. A
     * SYN without ACK does on a closed tuple, or with a new ISN after a SYN was seen. Any other segment does on a
     * closed tuple when the closed connection cannot hold it ({@link Connection#startsAnotherConnection}): its SYN
     * was lost by the capture, or the tuple was reused before the TIME_WAIT timeout let the closed connection go,
     * and the new one is picked up mid-stream, as Zeek does once a closed connection is gone.
     */
    private static boolean startsNewConnection(Connection c, Segment s, int side) {
        if ((s.flags & (TcpView.SYN | TcpView.ACK)) == TcpView.SYN) {
            Half sender = c.half(side);
            boolean newIsn = sender.syn && sender.isn() != s.seq;
            return c.closed || (newIsn && c.synSeen);
        }
        return c.closed && c.startsAnotherConnection(side, s.seq, s.payload);
    }

    /** True when the open chunk (first packet at {@code start}, last at {@code last}) closes before a packet at {@code now}. */
    private boolean chunkDue(long now, long start, long last) {
        return now - start >= config.chunkMaxSpanNanos() || now - last >= config.chunkIdleNanos();
    }

    /** The connection of {@code f}, built from an opening flow if needed. */
    private Connection connection(Flow f) {
        return f instanceof OpeningFlow o ? materialize(o)
                : f instanceof IdleConnection i ? restore(i) : (Connection) f;
    }

    /** Replaces a connection whose chunk was written by its {@link IdleConnection} form, if it can be. */
    private boolean compactIfIdle(Connection c) {
        if (!c.compactable()) {
            return false;
        }
        IdleConnection i = c.compact();
        table.replace(c.index, i);
        replaceInLru(c, i);
        compacted++;
        return true;
    }

    /** Rebuilds the connection of an idle one, in its place (same table entry, same place in the eviction order). */
    private Connection restore(IdleConnection i) {
        Connection c = Connection.restore(i, config.chunkMaxPackets());
        table.replace(i.index, c);
        replaceInLru(i, c);
        restored++;
        return c;
    }

    /**
     * Builds the connection of an opening flow by replaying its packets (with the direction facts found on its
     * first packet), then, if their record was already written, what writing it changed; and puts it in the
     * flow's place: same table entry, same place in the eviction order.
     */
    private Connection materialize(OpeningFlow o) {
        Connection c = new Connection(true, o.traceHigh, o.traceLow, o.time(0), o.side(0), config.chunkMaxPackets());
        applyDirection(c, o.localSide(), o.serverSide());
        c.streamsDecided = o.streamsDeclinedBefore();
        for (int i = 0; i < o.count(); i++) {
            c.onPacket(o.segment(i, replayed), o.side(i), o.time(i), rowPool);
        }
        if (o.recorded()) {
            // as emit() left it: the direction reported (it sticks), the chunk handed over and reset
            c.directionReported = o.directionReported();
            c.dropReplayedChunk(rowPool);
        }
        table.replace(o.index, c);
        replaceInLru(o, c);
        return c;
    }

    /**
     * Writes the record of an opening flow whose chunk went idle, from its replayed connection, and keeps the flow
     * compact: {@link #emit} with no stream or datagram handler changes nothing but the direction-reported flag
     * and the chunk (reset), which {@link #materialize} redoes. A flow of more packets than the opening form holds
     * in fields is kept as the connection's {@link IdleConnection} instead when it can be (208 B against 224 B).
     */
    private void emitKeepingCompact(OpeningFlow o) {
        Connection c = materialize(o);
        emit(c, false, false);
        if (o.count() > OpeningFlow.INLINE && compactIfIdle(c)) {
            return; // more than its inline packets: the idle form is smaller
        }
        o.recorded(c.directionReported);
        table.replace(c.index, o);
        replaceInLru(c, o);
    }

    /** Emits every pending chunk as its connection's last and empties the table. */
    public void flush() {
        for (int slot = table.nextSlot(0); slot >= 0; slot = table.nextSlot(slot + 1)) {
            Flow f = table.valueAt(slot);
            if (f != null) {
                Connection c = connection(f);
                finish(c, false, c.lastSeenNanos);
            }
        }
        flushed += table.size();
        table.clear();
        lruHead = lruTail = null;
        lruKept = false;
    }

    private void evictOldest() {
        assert lruKept : "a full table keeps its eviction list";
        Connection victim = connection(lruHead);
        finish(victim, true, victim.lastSeenNanos);
        table.removeEntry(victim.index);
        unlink(victim);
        evicted++;
    }

    /** {@code now} takes the place of {@code old} in the eviction order. */
    private void replaceInLru(Flow old, Flow now) {
        now.touched = old.touched;
        if (!lruKept) {
            return;
        }
        now.lruPrev = old.lruPrev;
        now.lruNext = old.lruNext;
        if (old.lruPrev != null) {
            old.lruPrev.lruNext = now;
        } else {
            lruHead = now;
        }
        if (old.lruNext != null) {
            old.lruNext.lruPrev = now;
        } else {
            lruTail = now;
        }
        old.lruPrev = old.lruNext = null;
    }

    /** Makes {@code c} the most recently seen flow (called after a put, or after {@link #unlink}). */
    private void linkLast(Flow c) {
        c.touched = ++touchClock;
        if (!lruKept) {
            if (table.size() >= lruKeepFrom) {
                buildLru();
            }
            return;
        }
        append(c);
    }

    /** Puts {@code c} at the tail of the eviction list. */
    private void append(Flow c) {
        c.lruPrev = lruTail;
        c.lruNext = null;
        if (lruTail != null) {
            lruTail.lruNext = c;
        } else {
            lruHead = c;
        }
        lruTail = c;
    }

    /** Takes {@code c} out of the eviction order (called after a removal, or before {@link #linkLast}). */
    private void unlink(Flow c) {
        if (!lruKept) {
            return;
        }
        if (c.lruPrev != null) {
            c.lruPrev.lruNext = c.lruNext;
        } else if (lruHead == c) {
            lruHead = c.lruNext;
        }
        if (c.lruNext != null) {
            c.lruNext.lruPrev = c.lruPrev;
        } else if (lruTail == c) {
            lruTail = c.lruPrev;
        }
        c.lruPrev = c.lruNext = null;
        if (table.size() < lruDropBelow) {
            dropLru();
        }
    }

    /** Links every flow in the order of its stamp (one sort; the table reached half of maxFlows). */
    private void buildLru() {
        Flow[] flows = new Flow[table.size()];
        int n = 0;
        for (int slot = table.nextSlot(0); slot >= 0; slot = table.nextSlot(slot + 1)) {
            flows[n++] = table.valueAt(slot);
        }
        Arrays.sort(flows, 0, n, Comparator.comparingLong(f -> f.touched));
        lruHead = lruTail = null;
        lruKept = true;
        for (int i = 0; i < n; i++) {
            append(flows[i]);
        }
        lruBuilds++;
    }

    /** Unlinks every flow (the table fell below a quarter of maxFlows): the stamps keep the order. */
    private void dropLru() {
        for (Flow f = lruHead; f != null; ) {
            Flow next = f.lruNext;
            f.lruPrev = f.lruNext = null;
            f = next;
        }
        lruHead = lruTail = null;
        lruKept = false;
    }

    /** The flows from least to most recently seen, the order eviction takes them in (for tests). */
    List<Flow> evictionOrder() {
        List<Flow> order = new java.util.ArrayList<>();
        if (lruKept) {
            for (Flow f = lruHead; f != null; f = f.lruNext) {
                order.add(f);
            }
        } else {
            for (int slot = table.nextSlot(0); slot >= 0; slot = table.nextSlot(slot + 1)) {
                if (table.valueAt(slot) != null) {
                    order.add(table.valueAt(slot));
                }
            }
            order.sort(Comparator.comparingLong(f -> f.touched));
        }
        return order;
    }

    /** Whether the eviction list is kept now, rather than the stamps alone (for tests). */
    boolean lruKept() {
        return lruKept;
    }

    /** The key of a flow in the table (for tests). */
    FlowKey keyOf(Flow f) {
        return table.keyOf(f.index, new FlowKey());
    }

    /** How many times the eviction list was built from the flows' stamps (the table reached half full). */
    public long lruBuilds() {
        return lruBuilds;
    }

    // ---- direction --------------------------------------------------------------------------------------------

    private int localSide(int capturePointId, FlowKey k) {
        long[] local = capturePoint(capturePointId).localAddresses();
        boolean a = contains(local, k.aHigh(), k.aLow());
        boolean b = contains(local, k.bHigh(), k.bLow());
        if (a && !b) {
            return 0;
        }
        if (b && !a) {
            return 1;
        }
        return a ? 2 : -1; // 2: both ends local (loopback): decided by the client later
    }

    /**
     * Rule 1 of the record model's direction rules: an endpoint that is a server socket of the capture point's
     * host or namespace is the server, and the connection is incoming, whether or not its handshake is seen (and
     * for UDP, which has none). Only when this NIC is that endpoint: the endpoint's frames carry the NIC's MAC, or,
     * where MACs are unknown, the endpoint's address is one of the NIC's; a bridge or forwarding hop that merely
     * shares the host's port numbers is left to the other rules.
     *
     * @return the side (0 = endpoint A) that is the server by this rule, -1 when the rule does not decide
     */
    private int listeningServer(int side, boolean tcp) {
        Nic nic = nic(key.capturePointId());
        ListeningSockets sockets = nic.listeningSockets();
        int proto = tcp ? ListeningSockets.TCP : ListeningSockets.UDP;
        boolean a = sockets.isListening(proto, key.aHigh(), key.aLow(), key.aPort())
                && isThisNic(nic, side == 0, key.capturePointId(), key.aHigh(), key.aLow());
        boolean b = sockets.isListening(proto, key.bHigh(), key.bLow(), key.bPort())
                && isThisNic(nic, side == 1, key.capturePointId(), key.bHigh(), key.bLow());
        if (a == b) {
            return -1; // neither, or both (a connection between two local servers): the handshake decides
        }
        listeningDecided++;
        return a ? 0 : 1;
    }

    /** Sets a new connection's local side ({@link #localSide}) and, when rule 1 found one, its server side. */
    private static void applyDirection(Connection c, int localSide, int server) {
        c.localSide = localSide;
        if (server < 0) {
            return;
        }
        c.clientSide = 1 - server;
        if (c.localSide != 2) {
            c.localSide = server;
        }
        c.directionScore = 255;
    }

    private boolean isThisNic(Nic nic, boolean sender, int capturePointId, long high, long low) {
        long frameMac = sender ? segment.srcMac : segment.dstMac; // the packet's MACs (Segment.set)
        if (nic.mac() != Nic.NO_MAC && frameMac >= 0) {
            return frameMac == nic.mac();
        }
        long[] local = capturePoint(capturePointId).localAddresses();
        // no MAC and no address to check against: the user's listening sockets are taken at their word
        return local.length == 0 || contains(local, high, low);
    }

    /** Connections whose direction came from a listening socket (rule 1). */
    public long listeningDecided() {
        return listeningDecided;
    }

    /**
     * Direction rule 2: the side that sent an application request (as the connection's L7 handler saw it) is the
     * client, ahead of the SYN rule; not over rule 1 (a server socket), and not once a record with a known direction
     * was written (a direction, once set, sticks).
     */
    private void applyApplicationHints(Connection c, ApplicationHints hints, int openedClient) {
        if (hints == null || c.directionReported || c.directionScore == 255) {
            return;
        }
        int dir = hints.requestDirection();
        if (dir != StreamHandler.CLIENT_TO_SERVER && dir != StreamHandler.SERVER_TO_CLIENT) {
            return;
        }
        int client = dir == StreamHandler.CLIENT_TO_SERVER ? openedClient : 1 - openedClient;
        if (c.clientSide != client) {
            applicationDecided++;
        }
        c.clientSide = client;
        c.directionScore = c.synSeen || c.synAckSeen ? 255 : APPLICATION_SCORE;
    }

    /** Connections whose client came from an application request (rule 2) where the handshake did not say it. */
    public long applicationDecided() {
        return applicationDecided;
    }

    private static long[] addressesOf(Nic nic) {
        List<InetAddress> list = nic.localAddresses();
        long[] out = new long[list.size() * 2];
        for (int i = 0; i < list.size(); i++) {
            byte[] bytes = list.get(i).getAddress();
            long high = 0;
            long low;
            if (bytes.length == 4) {
                low = 0xFFFF_0000_0000L | ((bytes[0] & 0xFFL) << 24) | ((bytes[1] & 0xFFL) << 16)
                        | ((bytes[2] & 0xFFL) << 8) | (bytes[3] & 0xFFL);
            } else {
                low = 0;
                for (int j = 0; j < 8; j++) {
                    high = (high << 8) | (bytes[j] & 0xFF);
                    low = (low << 8) | (bytes[8 + j] & 0xFF);
                }
            }
            out[2 * i] = high;
            out[2 * i + 1] = low;
        }
        return out;
    }

    private static boolean contains(long[] pairs, long high, long low) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i] == high && pairs[i + 1] == low) {
                return true;
            }
        }
        return false;
    }

    private Nic nic(int capturePointId) {
        return capturePoint(capturePointId).nic();
    }

    private CapturePoint capturePoint(int capturePointId) {
        if (capturePointId == lastCapturePointId) {
            return lastCapturePoint;
        }
        CapturePoint cp = capturePoints.computeIfAbsent(capturePointId, id -> {
            Nic n = nics.apply(id);
            Nic nic = n != null ? n : Nic.unnamed("capture-point-" + id);
            return new CapturePoint(nic, addressesOf(nic));
        });
        lastCapturePointId = capturePointId;
        lastCapturePoint = cp;
        return cp;
    }

    // ---- records ----------------------------------------------------------------------------------------------

    /**
     * The connection ends (closed, expired, evicted, flushed, replaced by port reuse): its stream or datagram
     * handler is closed first, so that what it completes at the end (pending requests, close-delimited bodies) is in
     * the hints the last record reads; then the last record, if the chunk holds packets.
     */
    private void finish(Connection c, boolean wasEvicted, long now) {
        ApplicationHints hints = hints(c);
        int openedClient = openedClient(c);
        closeStreams(c, now);
        if (!c.chunkEmpty()) {
            emit(c, true, wasEvicted, hints, openedClient);
        }
    }

    private static ApplicationHints hints(Connection c) {
        return c.streams != null ? c.streams.handler() : c.datagrams;
    }

    private static int openedClient(Connection c) {
        return c.streams != null ? c.streams.clientSide() : c.datagramClientSide;
    }

    private void emit(Connection c, boolean last, boolean wasEvicted) {
        emit(c, last, wasEvicted, hints(c), openedClient(c));
    }

    private void emit(Connection c, boolean last, boolean wasEvicted, ApplicationHints hints, int openedClient) {
        // a lent record's key is its own (it formats addresses and the Community ID from it during the call)
        FlowKey k = table.keyOf(c.index, lent != null ? lent.key : recordKey);
        String l7Proto = null;
        try {
            applyApplicationHints(c, hints, openedClient);
            l7Proto = hints != null ? hints.applicationProtocol() : null;
        } catch (RuntimeException e) {
            streamCounters.handlerFailures++;
            if (c.streams != null) {
                c.streams.handlerFailed();
            } else {
                c.datagrams = null;
            }
        }
        int local = c.localSide == 2 ? c.clientSide : c.localSide;
        Direction direction;
        int score;
        if (local >= 0 && c.clientSide >= 0) {
            direction = local == c.clientSide ? Direction.OUTGOING : Direction.INCOMING;
            score = c.directionScore > 0 ? c.directionScore : c.synSeen || c.synAckSeen ? 255 : 200;
            c.directionReported = true;
        } else {
            direction = Direction.UNKNOWN;
            score = 0;
        }
        int src = local >= 0 ? local : c.clientSide >= 0 ? c.clientSide : c.firstSide;
        if (lent != null) {
            lent.fill(c, nic(k.capturePointId()), l7Proto, direction, score, src, last, wasEvicted, rowPool);
            records++;
            c.resetChunk();
            lent.deliver(rowPool);
            return;
        }
        int dst = 1 - src;
        String srcIp = IpAddressText.of(src == 0 ? k.aHigh() : k.bHigh(), src == 0 ? k.aLow() : k.bLow());
        String dstIp = IpAddressText.of(dst == 0 ? k.aHigh() : k.bHigh(), dst == 0 ? k.aLow() : k.bLow());
        int srcPort = src == 0 ? k.aPort() : k.bPort();
        int dstPort = dst == 0 ? k.aPort() : k.bPort();
        boolean clientIsSrc = direction != Direction.INCOMING;
        Half tx = c.half(src);
        Half rx = c.half(dst);
        PacketSeries series = c.series(src, rowPool, null);
        String nicTraceId = Connection.nicTraceId(c.synSeen, c.synSeq, c.synAckSeen, c.synAckSeq);
        L4Log log = new L4Log(
                c.chunkStartNanos, k.capturePointId(), nic(k.capturePointId()),
                c.tcp ? "tcp" : "udp", l7Proto != null ? l7Proto : "unknown",
                srcIp, srcPort, dstIp, dstPort,
                direction, score,
                clientIsSrc ? srcIp : dstIp, clientIsSrc ? srcPort : dstPort,
                clientIsSrc ? dstIp : srcIp, clientIsSrc ? dstPort : srcPort,
                k.vni(), k.outerVlan() == FlowKey.NO_VLAN ? -1 : k.outerVlan(),
                c.traceIdHex(), nicTraceId,
                communityIds.v1(k),
                c.chunkId, last, wasEvicted,
                tx.seqRangeKnown ? tx.seqMin() : 0, tx.seqRangeKnown ? tx.seqMax() : 0,
                rx.seqRangeKnown ? rx.seqMin() : 0, rx.seqRangeKnown ? rx.seqMax() : 0,
                c.tcp && tx.seqKnown ? tx.seqPos() : 0, c.tcp && rx.seqKnown ? rx.seqPos() : 0,
                tx.packets, rx.packets, tx.bytes, rx.bytes, tx.retrans, rx.retrans,
                c.chunkId == 0 ? c.synRetrans : 0,
                c.chunkSyn, c.handshakeReported ? -1 : c.handshakeCostMs,
                c.chunkFin, c.closeCostForRecord(),
                c.lastRttMs,
                c.connState(), c.history(),
                c.icmpErrors(), c.icmpLastError(),
                series);
        records++;
        c.resetChunk();
        if (rowPool == null) {
            listener.onL4Log(log);
            return;
        }
        try {
            listener.onL4Log(log);
        } finally {
            // the series was lent for the call: its rows serve the next chunks
            Connection.releaseSeries(series, rowPool);
        }
    }

    /** Row blocks the lending pool had to allocate, and those it let go because a size class was full. */
    public long rowBlocksAllocated() {
        return rowPool != null ? rowPool.allocated() : 0;
    }

    public long rowBlocksDiscarded() {
        return rowPool != null ? rowPool.discarded() : 0;
    }
}
