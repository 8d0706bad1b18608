package io.netsieve.topology.internal;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.IpView;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.PacketView;

import java.util.ArrayList;
import java.util.List;

/**
 * One pipeline thread's share of the kept packets: copies of whole frames, per connection, in a byte ring of
 * pooled chunks.
 *
 * <p><b>Layout.</b> Frames are appended, in arrival order, to a log of {@code capacity} bytes made of
 * {@value #CHUNK}-byte chunks (allocated the first time the log reaches them, reused once it wraps: no allocation
 * per frame in steady state). Each frame is a {@value #HEADER}-byte header (connection, timestamp, link to the
 * connection's next frame, lengths, link type, direction) and its captured bytes; a connection is a chain of frames
 * through the log, so small connections share chunks instead of holding one each.
 *
 * <p><b>Connections.</b> A frame is keyed by capture point, the canonical 5-tuple (both directions), the outer two
 * VLAN ids and the VNI — L4's flow segment — in an open-addressing table of primitive columns (no allocation for a
 * lookup). The connection a frame belongs to is the one L4 says: when L4 opens a flow on the frame (the pipeline
 * passes its {@code inner_traceid}), a new connection starts for the tuple (a port reuse ends the previous one);
 * otherwise the frame goes to the tuple's current connection (a frame L4 ignores, before any flow, opens one without
 * an id, adopted by the next flow L4 opens on the tuple).
 *
 * <p><b>Bounds and eviction.</b> At most {@code maxConnections} connections are kept, at most {@code perConnection}
 * bytes each (header included; later frames of a connection past it are cut: counted, and the time of the first cut
 * frame remembered so an exchange before it can still be exported), and at most {@code capacity} bytes in all.
 * Connections are numbered as they start and evicted oldest first, when a new one needs a slot or the log needs
 * room; an evicted connection's frames are dead at once and their bytes reused as the log wraps over them. The last
 * {@code max(maxConnections, 1024)} evicted connections are remembered (their key stays mapped), so their later
 * frames are not kept (counted) and an export names the eviction and its bound.
 *
 * <p><b>Threads.</b> Every method is synchronized: the pipeline thread offers frames, any thread may export or read
 * the counters. The lock is uncontended except while an export copies frames out.
 */
public final class PacketRing {
    /** Bytes per pooled chunk of the log. */
    public static final int CHUNK = 64 * 1024;
    /** Bytes of the header stored before each frame. */
    public static final int HEADER = 40;
    /** Why a connection is no longer kept. */
    public static final byte LIVE = 0;
    public static final byte EVICTED_BYTES = 1;
    public static final byte EVICTED_CONNECTIONS = 2;

    /** At least this many evicted connections are remembered (more when {@code maxConnections} is larger). */
    public static final int REMEMBERED_EVICTIONS = 1024;
    private static final int KEY = 6;
    // frame header offsets
    private static final int H_CONN = 0;
    private static final int H_TS = 8;
    private static final int H_NEXT = 16;
    private static final int H_CAPLEN = 24;
    private static final int H_WIRELEN = 28;
    private static final int H_LINK = 32;
    private static final int H_DIR = 36;

    private final long capacity;
    private final long perConnection;
    private final int maxConnections;
    private final byte[][] chunks;
    /** A frame header being written or read (the lock guards it). */
    private final byte[] scratch = new byte[HEADER];
    private long head;
    private long tail;

    // connections, numbered from 0 as they start; connection c lives in slot c % slots.length
    private final int slotCount;
    private final long[] sConn;
    private final int[] sCp;
    private final String[] sTrace;
    private final long[] sFirst;
    private final long[] sLast;
    private final long[] sFrames;
    private final long[] sBytes;
    private final long[] sCut;
    private final long[] sCutAt;
    private final byte[] sState;
    private final long[] sKey;
    private long next;
    private long oldestLive;

    // tuple -> connection number (-1: empty)
    private final int mask;
    private final long[] tKey;
    private final long[] tConn;

    private long framesOffered;
    private long framesKept;
    private long bytesKept;
    private long framesCut;
    private long framesAfterEviction;
    private long connections;
    private long evictedBytes;
    private long evictedConnections;
    private long framesEvicted;
    private long chunksAllocated;

    /**
     * @param capacity       bytes of the log (rounded up to whole chunks)
     * @param perConnection  bytes per connection, headers included (at most {@code capacity})
     * @param maxConnections connections kept at once
     */
    public PacketRing(long capacity, long perConnection, int maxConnections) {
        long chunkCount = Math.max(1, (capacity + CHUNK - 1) / CHUNK);
        if (chunkCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("capacity too large: " + capacity);
        }
        this.capacity = chunkCount * CHUNK;
        this.perConnection = Math.min(perConnection, this.capacity);
        this.maxConnections = maxConnections;
        this.chunks = new byte[(int) chunkCount][];
        // the live ones and the last evictions, remembered so that an export can say "evicted"
        this.slotCount = maxConnections + Math.max(maxConnections, REMEMBERED_EVICTIONS);
        sConn = new long[slotCount];
        java.util.Arrays.fill(sConn, -1);
        sCp = new int[slotCount];
        sTrace = new String[slotCount];
        sFirst = new long[slotCount];
        sLast = new long[slotCount];
        sFrames = new long[slotCount];
        sBytes = new long[slotCount];
        sCut = new long[slotCount];
        sCutAt = new long[slotCount];
        sState = new byte[slotCount];
        sKey = new long[slotCount * KEY];
        int tableSize = Integer.highestOneBit(Math.max(2, slotCount) * 2 - 1) << 1; // >= 2 x slots: load <= 1/2
        mask = tableSize - 1;
        tKey = new long[tableSize * KEY];
        tConn = new long[tableSize];
        java.util.Arrays.fill(tConn, -1);
    }

    /**
     * Fills {@code key} with the frame's connection key and returns true, or returns false when the frame has no
     * TCP or UDP header under an IP header (ARP, ICMP, a fragment without its ports…): such frames are not kept.
     */
    public static boolean key(DecodedPacket d, int capturePointId, long[] key) {
        Layer t = d.transport();
        if ((t != Layer.TCP && t != Layer.UDP) || d.srcPort() < 0 || d.dstPort() < 0) {
            return false;
        }
        IpView ip = d.ip();
        if (ip.version() == 0) {
            return false;
        }
        long sh = ip.srcHigh();
        long sl = ip.srcLow();
        long dh = ip.dstHigh();
        long dl = ip.dstLow();
        int sp = d.srcPort();
        int dp = d.dstPort();
        int c = Long.compareUnsigned(sh, dh);
        if (c == 0) {
            c = Long.compareUnsigned(sl, dl);
        }
        if (c == 0) {
            c = Integer.compare(sp, dp);
        }
        if (c > 0) { // canonical order: both directions of a connection have one key
            long x = sh;
            sh = dh;
            dh = x;
            x = sl;
            sl = dl;
            dl = x;
            int p = sp;
            sp = dp;
            dp = p;
        }
        int vlans = d.link().vlanCount();
        long v0 = vlans > 0 ? d.link().vlanId(0) : 0;
        long v1 = vlans > 1 ? d.link().vlanId(1) : 0;
        long vni = d.has(Layer.VXLAN) || d.has(Layer.GENEVE) ? (d.tunnel().vni() & 0xFFFFFFL) + 1 : 0;
        key[0] = sh;
        key[1] = sl;
        key[2] = dh;
        key[3] = dl;
        key[4] = ((long) sp << 48) | ((long) dp << 32) | ((t == Layer.TCP ? 6L : 17L) << 24) | (v0 << 12) | v1;
        key[5] = ((long) capturePointId << 32) | vni;
        return true;
    }

    /**
     * Keeps a copy of {@code view} (valid only during the call) under {@code key}. {@code startedTraceId} is the
     * {@code inner_traceid} of the flow L4 opened on this frame, or null.
     */
    public synchronized void offer(PacketView view, long[] key, String startedTraceId) {
        framesOffered++;
        int e = find(key);
        long c = e < 0 ? -1 : tConn[e];
        if (startedTraceId != null) {
            if (c >= oldestLive && sTrace[slot(c)] == null) {
                sTrace[slot(c)] = startedTraceId; // frames L4 ignored before it opened the flow
            } else {
                c = start(key, startedTraceId);
            }
        } else if (c < 0) {
            c = start(key, null);
        } else if (c < oldestLive) {
            framesAfterEviction++; // the rest of an evicted connection is not kept
            return;
        }
        int s = slot(c);
        int caplen = view.captureLength();
        long len = HEADER + (long) caplen;
        if (sBytes[s] + len > perConnection) {
            if (sCut[s]++ == 0) {
                sCutAt[s] = view.timestampNanos();
            }
            framesCut++;
            return;
        }
        while (head + len - tail > capacity) {
            read(tail, scratch, 0, HEADER);
            long rc = longAt(H_CONN);
            while (oldestLive <= rc) { // a live frame: evict connections, oldest first, up to its own
                evictOldest(EVICTED_BYTES);
            }
            tail += HEADER + intAt(H_CAPLEN);
        }
        if (c < oldestLive) { // it was the oldest: evicted to make room for itself
            framesAfterEviction++;
            return;
        }
        long pos = head;
        setLong(H_CONN, c);
        setLong(H_TS, view.timestampNanos());
        setLong(H_NEXT, -1);
        setInt(H_CAPLEN, caplen);
        setInt(H_WIRELEN, view.wireLength());
        setInt(H_LINK, view.linkType());
        setInt(H_DIR, view.direction());
        write(pos, scratch, 0, HEADER);
        copyIn(pos + HEADER, view, caplen);
        head += len;
        if (sFrames[s] == 0) {
            sFirst[s] = pos;
        } else {
            putLong(sLast[s] + H_NEXT, pos);
        }
        sLast[s] = pos;
        sFrames[s]++;
        sBytes[s] += len;
        framesKept++;
        bytesKept += caplen;
    }

    private long start(long[] key, String traceId) {
        if (next - oldestLive >= maxConnections) {
            evictOldest(EVICTED_CONNECTIONS);
        }
        long c = next++;
        int s = slot(c);
        if (sConn[s] >= 0) { // forget the eviction this slot remembered
            int old = findAt(sKey, s * KEY);
            if (old >= 0 && tConn[old] == sConn[s]) {
                remove(old);
            }
        }
        sConn[s] = c;
        sCp[s] = (int) (key[5] >>> 32);
        sTrace[s] = traceId;
        sFirst[s] = -1;
        sLast[s] = -1;
        sFrames[s] = 0;
        sBytes[s] = 0;
        sCut[s] = 0;
        sCutAt[s] = Long.MAX_VALUE;
        sState[s] = LIVE;
        System.arraycopy(key, 0, sKey, s * KEY, KEY);
        put(key, c);
        connections++;
        return c;
    }

    private void evictOldest(byte why) {
        int s = slot(oldestLive++);
        sState[s] = why;
        if (why == EVICTED_BYTES) {
            evictedBytes++;
        } else {
            evictedConnections++;
        }
        framesEvicted += sFrames[s];
    }

    private int slot(long c) {
        return (int) (c % slotCount);
    }

    /** What is known of connection ({@code capturePointId}, {@code traceId}) and, if kept, its frames in range. */
    public synchronized Lookup lookup(int capturePointId, String traceId, long fromNanos, long toNanos) {
        for (long c = next - 1; c >= 0 && c >= next - slotCount; c--) {
            int s = slot(c);
            if (sCp[s] != capturePointId || !traceId.equals(sTrace[s])) {
                continue;
            }
            if (c < oldestLive) {
                return new Lookup(sState[s], sFrames[s], sCut[s], sCutAt[s], List.of());
            }
            List<Frame> frames = new ArrayList<>();
            for (long pos = sFirst[s]; pos >= 0; pos = longAt(H_NEXT)) {
                read(pos, scratch, 0, HEADER);
                long ts = longAt(H_TS);
                if (ts < fromNanos || ts > toNanos) {
                    continue;
                }
                int caplen = intAt(H_CAPLEN);
                byte[] data = new byte[caplen];
                read(pos + HEADER, data, 0, caplen);
                frames.add(new Frame(capturePointId, ts, data, intAt(H_WIRELEN), intAt(H_LINK), intAt(H_DIR)));
            }
            return new Lookup(LIVE, sFrames[s], sCut[s], sCutAt[s], frames);
        }
        return null;
    }

    /** A connection found: its state, frames kept and cut, the time of the first cut frame, the frames asked for. */
    public record Lookup(byte state, long framesKept, long framesCut, long firstCutNanos, List<Frame> frames) {
    }

    /** A copy of a kept frame. */
    public record Frame(int capturePointId, long timestampNanos, byte[] data, int wireLength, int linkType,
                        int direction) {
    }

    /** The counters, in the order of {@code KeptPacketsStats}' components. */
    public synchronized long[] counters() {
        return new long[] {framesOffered, framesKept, bytesKept, framesCut, framesAfterEviction, connections,
                next - oldestLive, evictedBytes, evictedConnections, framesEvicted, head - tail,
                chunksAllocated * CHUNK};
    }

    // ---- tuple table: linear probing, backward-shift deletion

    private static int hash(long[] k, int off) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < KEY; i++) {
            h = (h ^ k[off + i]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return (int) (h ^ (h >>> 32));
    }

    private boolean equalAt(int e, long[] k, int off) {
        int b = e * KEY;
        for (int i = 0; i < KEY; i++) {
            if (tKey[b + i] != k[off + i]) {
                return false;
            }
        }
        return true;
    }

    private int find(long[] key) {
        return findAt(key, 0);
    }

    private int findAt(long[] k, int off) {
        for (int e = hash(k, off) & mask; tConn[e] >= 0; e = (e + 1) & mask) {
            if (equalAt(e, k, off)) {
                return e;
            }
        }
        return -1;
    }

    private void put(long[] key, long c) {
        int e = hash(key, 0) & mask;
        while (tConn[e] >= 0 && !equalAt(e, key, 0)) {
            e = (e + 1) & mask;
        }
        System.arraycopy(key, 0, tKey, e * KEY, KEY);
        tConn[e] = c;
    }

    private void remove(int e) {
        tConn[e] = -1;
        int hole = e;
        for (int i = (e + 1) & mask; tConn[i] >= 0; i = (i + 1) & mask) {
            int home = hash(tKey, i * KEY) & mask;
            // move entry i into the hole when its home is not cyclically within (hole, i]
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                System.arraycopy(tKey, i * KEY, tKey, hole * KEY, KEY);
                tConn[hole] = tConn[i];
                tConn[i] = -1;
                hole = i;
            }
        }
    }

    // ---- the log: positions grow forever, byte (pos % capacity) of the chunks

    private byte[] chunkFor(long pos) {
        int i = (int) ((pos % capacity) / CHUNK);
        byte[] c = chunks[i];
        if (c == null) {
            c = new byte[CHUNK];
            chunks[i] = c;
            chunksAllocated++;
        }
        return c;
    }

    private void putLong(long pos, long v) {
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (v >>> (56 - 8 * i));
        }
        write(pos, scratch, 0, 8);
    }

    private long longAt(int i) {
        return ((long) intAt(i) << 32) | (intAt(i + 4) & 0xFFFFFFFFL);
    }

    private int intAt(int i) {
        return (scratch[i] & 0xFF) << 24 | (scratch[i + 1] & 0xFF) << 16 | (scratch[i + 2] & 0xFF) << 8
                | (scratch[i + 3] & 0xFF);
    }

    private void setLong(int i, long v) {
        setInt(i, (int) (v >>> 32));
        setInt(i + 4, (int) v);
    }

    private void setInt(int i, int v) {
        scratch[i] = (byte) (v >>> 24);
        scratch[i + 1] = (byte) (v >>> 16);
        scratch[i + 2] = (byte) (v >>> 8);
        scratch[i + 3] = (byte) v;
    }

    /** Copies {@code length} bytes of {@code src} into the log at {@code pos} (at most one chunk boundary each). */
    private void write(long pos, byte[] src, int off, int length) {
        int done = 0;
        while (done < length) {
            long p = pos + done;
            int at = (int) (p % CHUNK);
            int n = Math.min(length - done, CHUNK - at);
            System.arraycopy(src, off + done, chunkFor(p), at, n);
            done += n;
        }
    }

    private void read(long pos, byte[] dst, int off, int length) {
        int done = 0;
        while (done < length) {
            long p = pos + done;
            int at = (int) (p % CHUNK);
            int n = Math.min(length - done, CHUNK - at);
            System.arraycopy(chunkFor(p), at, dst, off + done, n);
            done += n;
        }
    }

    private void copyIn(long pos, PacketView view, int length) {
        int done = 0;
        while (done < length) {
            long p = pos + done;
            int at = (int) (p % CHUNK);
            int n = Math.min(length - done, CHUNK - at);
            view.copyTo(done, chunkFor(p), at, n);
            done += n;
        }
    }

}
