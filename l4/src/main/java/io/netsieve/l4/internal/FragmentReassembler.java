package io.netsieve.l4.internal;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.IpView;
import io.netsieve.core.packet.LinkView;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.packet.TunnelView;

/**
 * Reassembles IPv4 and IPv6 fragments into whole datagrams, bounded in datagrams, bytes and time.
 *
 * <p>Key: capture point, the outer two VLAN ids, the VNI of a decapsulated tunnel, IP version, source, destination,
 * identification (16 bits for IPv4, 32 for IPv6) and, for IPv4 only, the protocol (RFC 791; RFC 8200 keys IPv6 on
 * addresses and identification only). The fragmented header is the innermost IP header the decoder reached: the
 * inner one of a VXLAN/GENEVE packet, the outer one when the outer datagram was fragmented.
 *
 * <p>Overlaps follow Linux (since 4.19) and RFC 5722 for both versions: a fragment lying wholly inside bytes already
 * received (a run of contiguous fragments) is a duplicate, dropped and counted, and the datagram goes on; a fragment
 * that partly overlaps received bytes drops the whole datagram, and the datagram stays as a tombstone until its
 * timeout so that fragments still to come are dropped too (RFC 5722: "including those not yet received"). Other
 * drops: a non-last fragment whose length is not a multiple of 8, an empty fragment, a fragment of an IPv6
 * jumbogram, or headers the decoder could not follow to the fragment header are malformed (the fragment alone is
 * dropped); a second last fragment with another end, or a fragment past the end a last fragment announced, drops
 * the datagram as malformed; a fragment whose end makes the reassembled IP length exceed 65535 bytes drops the
 * datagram as oversize (as Linux does).
 *
 * <p>Bounds: at most {@code maxDatagrams} datagrams in flight (tombstones included) and {@code maxBytes} held: per
 * datagram the length of its payload array (sized to the payload once a last fragment told its length, else grown
 * by doubling from 1 KiB, at most 64 KiB), the first fragment's headers and its lists of received runs. The oldest
 * datagrams are evicted to make room, counted. Besides that, a fixed overhead of about 0.5 KiB per slot (the
 * datagram object, its kept header and run arrays) and one scratch buffer of at most 64 KiB plus headers. A datagram
 * not complete {@code timeoutNanos} after its first fragment (packet time) is dropped, counted as timed out (Linux
 * {@code ipfrag_time}). A payload array is allocated (or grown) per fragmented datagram, once or a few times; nothing
 * is allocated for a packet that is not a fragment.
 *
 * <p>On completion the datagram is rebuilt in a reusable scratch buffer: the first fragment's bytes up to its
 * fragmentable part (link header, outer headers of a tunnel, IP header; for IPv6 the unfragmentable extension
 * headers, the Fragment header removed and the preceding next-header field set to the fragment's next header),
 * then the payload. IPv4: total length set, MF and offset cleared, header checksum recomputed. IPv6: payload length
 * set. In a tunnel the outer IP length (and IPv4 checksum) and outer UDP length are grown by the same amount (the
 * outer UDP checksum is left as it was). It is decoded by a dedicated decoder over a dedicated view with the same
 * link type, capture point, interface and direction and the timestamp of the last fragment; its wire length is the
 * reassembled length, its captured length stops at the first byte the snap length cut from a fragment.
 *
 * <p>Every fragment ends in exactly one counter: reassembled, duplicates, overlaps, timed out, evicted, oversize,
 * malformed, flushed, or still pending. IPv6 atomic fragments (offset 0, M clear, RFC 6946) are whole datagrams:
 * counted apart and handed on unchanged. Bad bytes never throw.
 *
 * <p>Not thread-safe.
 */
public final class FragmentReassembler {
    private static final int PAYLOAD_MAX = 65_535;
    private static final int NO_VLAN = 0xFFFF;

    private final int maxDatagrams;
    private final long maxBytes;
    private final long timeoutNanos;

    private final Datagram[] slots;
    private final int[] buckets;
    private final int bucketMask;
    private final int[] chainNext;
    private final int[] fifoPrev;
    private final int[] fifoNext;
    private int fifoHead = -1;
    private int fifoTail = -1;
    private final int[] freeStack;
    private int freeTop;
    private int inUse;

    private long fragments;
    private long reassembledFragments;
    private long datagrams;
    private long duplicates;
    private long overlaps;
    private long timedOut;
    private long evicted;
    private long oversize;
    private long malformed;
    private long flushed;
    private long pending;
    private long atomic;
    private long bytesBuffered;

    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket whole = new DecodedPacket();
    private final PacketView wholeView = new PacketView();
    private byte[] scratch = new byte[2048];
    private int lastLength = -1;

    // the fragment being handled (fields rather than an object: nothing allocated per fragment)
    private int fVersion;
    private int fIpOff;
    private int fPrefixLen;
    private int fNextHdrPos;
    private int fNext;
    private int fDataOff;
    private int fDataLen;
    private int fDataCap;
    private int fOffset;
    private boolean fMore;
    private long fId;
    private int fUnfragLen;
    private int fIpTotal;
    private int fVlans;
    private int fVni;

    private static final int NOT_FRAGMENT = 0;
    private static final int FRAGMENT = 1;
    private static final int ATOMIC = 2;
    private static final int BAD = 3;

    public FragmentReassembler(int maxDatagrams, long maxBytes, long timeoutNanos) {
        if (maxDatagrams < 1 || maxBytes < 1 || timeoutNanos < 1) {
            throw new IllegalArgumentException("bounds must be positive");
        }
        this.maxDatagrams = maxDatagrams;
        this.maxBytes = maxBytes;
        this.timeoutNanos = timeoutNanos;
        slots = new Datagram[maxDatagrams];
        int buckets = Integer.highestOneBit(Math.max(16, maxDatagrams * 2 - 1)) << 1;
        this.buckets = new int[buckets];
        bucketMask = buckets - 1;
        chainNext = new int[maxDatagrams];
        fifoPrev = new int[maxDatagrams];
        fifoNext = new int[maxDatagrams];
        freeStack = new int[maxDatagrams];
        for (int i = 0; i < maxDatagrams; i++) {
            freeStack[i] = maxDatagrams - 1 - i;
        }
        freeTop = maxDatagrams;
    }

    /** True when {@code d} carries an IP fragment (IPv6 atomic fragments included) for {@link #onFragment}. */
    public static boolean isFragment(DecodedPacket d) {
        IpView ip = d.ip();
        return ip.version() != 0 && ip.isFragment();
    }

    /**
     * Takes one fragment ({@link #isFragment} true). Returns the reassembled datagram, decoded, when this fragment
     * completed one (valid until the next call), the packet itself for an IPv6 atomic fragment, or null.
     */
    public DecodedPacket onFragment(DecodedPacket d) {
        int kind;
        try {
            kind = parse(d);
        } catch (RuntimeException e) {
            kind = BAD; // the parse checks every read; this only guards against a view we did not expect
        }
        if (kind == ATOMIC) {
            atomic++;
            return d;
        }
        fragments++;
        if (kind != FRAGMENT) {
            malformed++;
            return null;
        }
        PacketView p = d.packet();
        int cp = p.capturePointId();
        int proto = fVersion == 4 ? fNext : -1;
        IpView ip = d.ip();
        long srcH = ip.srcHigh();
        long srcL = ip.srcLow();
        long dstH = ip.dstHigh();
        long dstL = ip.dstLow();
        int hash = hash(cp, fVlans, fVni, fVersion, proto, srcH, srcL, dstH, dstL, fId);
        int slot = find(hash, cp, fVlans, fVni, fVersion, proto, srcH, srcL, dstH, dstL, fId);
        int end = fOffset + fDataLen;
        if (slot >= 0 && slots[slot].dead) {
            overlaps++;
            return null;
        }
        if (fUnfragLen + end > PAYLOAD_MAX) {
            // IPv4: header + payload past the total length field; IPv6: past the payload length field
            oversize++;
            if (slot >= 0) {
                oversize += slots[slot].fragments;
                release(slot);
            }
            return null;
        }
        if (slot < 0) {
            if (inUse == maxDatagrams) {
                evictOldest(-1);
            }
            slot = allocate(hash);
            Datagram g = slots[slot];
            g.cp = cp;
            g.vlans = fVlans;
            g.vni = fVni;
            g.version = fVersion;
            g.proto = proto;
            g.srcH = srcH;
            g.srcL = srcL;
            g.dstH = dstH;
            g.dstL = dstL;
            g.id = fId;
            g.created = p.timestampNanos();
        }
        Datagram g = slots[slot];
        // consistency with the end a last fragment announced
        if (!fMore) {
            if ((g.total >= 0 && g.total != end) || end < g.maxEnd) {
                malformed += g.fragments + 1;
                release(slot);
                return null;
            }
        } else if (g.total >= 0 && end > g.total) {
            malformed += g.fragments + 1;
            release(slot);
            return null;
        }
        // duplicates and overlaps against the runs received so far
        int at = g.runs.firstEndingAfter(fOffset);
        if (at < g.runs.n && g.runs.start(at) < end) {
            if (g.runs.start(at) <= fOffset && end <= g.runs.end(at)) {
                duplicates++;
                return null;
            }
            overlaps += g.fragments + 1;
            kill(slot);
            return null;
        }
        // room: what the datagram will hold (payload array, first fragment's headers, run lists)
        int capEnd = fOffset + fDataCap;
        int newCapacity = fDataCap > 0 ? g.capacityFor(capEnd, fMore ? g.total : end) : g.data.length;
        long newCharge = newCapacity + (fOffset == 0 ? fPrefixLen : g.headerLen)
                + 4L * (g.runs.capacityAfterInsert() + (fDataCap > 0 ? g.captured.capacityAfterInsert()
                        : g.captured.a.length));
        long extra = newCharge - g.charged;
        while (bytesBuffered + extra > maxBytes) {
            int victim = fifoHead == slot ? fifoNext[slot] : fifoHead;
            if (victim < 0) {
                // evicting every other datagram did not make room: this one is given up
                evicted += g.fragments + 1;
                release(slot);
                return null;
            }
            evictOldest(slot);
        }
        // accept
        g.runs.insert(fOffset, end);
        if (fDataCap > 0) {
            g.captured.insert(fOffset, capEnd);
            g.ensureData(newCapacity);
            p.copyTo(fDataOff, g.data, fOffset, fDataCap);
            g.dataSpan = Math.max(g.dataSpan, capEnd);
        }
        g.maxEnd = Math.max(g.maxEnd, end);
        if (!fMore) {
            g.total = end;
        }
        if (fOffset == 0) {
            storeHeader(d, g);
        }
        bytesBuffered += extra;
        g.charged = newCharge;
        g.fragments++;
        pending++;
        if (g.total >= 0 && g.headerLen > 0 && g.runs.n == 1 && g.runs.start(0) == 0 && g.runs.end(0) == g.total) {
            return complete(slot, p);
        }
        return null;
    }

    /** Drops datagrams whose timeout passed by {@code nowNanos} (packet time). Cheap when nothing is in flight. */
    public void expire(long nowNanos) {
        while (fifoHead >= 0) {
            Datagram g = slots[fifoHead];
            if (nowNanos - g.created < timeoutNanos) {
                return;
            }
            if (!g.dead) {
                timedOut += g.fragments;
            }
            release(fifoHead);
        }
    }

    /** Drops everything in flight (end of the capture), counted as flushed. */
    public void flush() {
        while (fifoHead >= 0) {
            Datagram g = slots[fifoHead];
            if (!g.dead) {
                flushed += g.fragments;
            }
            release(fifoHead);
        }
    }

    /** Length of the fragmentable part (the reassembled payload) of the last datagram rebuilt, or -1. */
    public int lastPayloadLength() { return lastLength; }
    /** Datagrams in flight, tombstones included. */
    public int inFlight() { return inUse; }
    public long fragments() { return fragments; }
    public long reassembledFragments() { return reassembledFragments; }
    public long datagrams() { return datagrams; }
    public long duplicates() { return duplicates; }
    public long overlaps() { return overlaps; }
    public long timedOut() { return timedOut; }
    public long evicted() { return evicted; }
    public long oversize() { return oversize; }
    public long malformed() { return malformed; }
    public long flushed() { return flushed; }
    public long pending() { return pending; }
    public long atomic() { return atomic; }
    public long bytesBuffered() { return bytesBuffered; }

    // ---- parsing ------------------------------------------------------------------------------------------

    private int parse(DecodedPacket d) {
        IpView ip = d.ip();
        PacketView p = d.packet();
        int cap = p.captureLength();
        LinkView link = d.link();
        int outer = link.vlanCount() > 0 ? link.vlanId(0) : NO_VLAN;
        int inner = link.vlanCount() > 1 ? link.vlanId(1) : NO_VLAN;
        fVlans = (outer << 16) | inner;
        fVni = d.tunnel().vni();
        int off = ip.headerOffset();
        fIpOff = off;
        fVersion = ip.version();
        if (fVersion == 4) {
            if (off < 0 || off + 20 > cap) {
                return BAD;
            }
            int ihl = (p.u8(off) & 0x0F) << 2;
            int total = p.u16(off + 2);
            if (ihl < 20 || off + ihl > cap || total == 0 || total < ihl) {
                return BAD;
            }
            int field = p.u16(off + 6);
            fOffset = (field & 0x1FFF) << 3;
            fMore = (field & 0x2000) != 0;
            if (fOffset == 0 && !fMore) {
                return NOT_FRAGMENT;
            }
            fId = p.u16(off + 4);
            fNext = p.u8(off + 9);
            fUnfragLen = ihl;
            fPrefixLen = off + ihl;
            fNextHdrPos = -1;
            fDataOff = off + ihl;
            fDataLen = total - ihl;
            fIpTotal = total;
        } else if (fVersion == 6) {
            if (off < 0 || off + 40 > cap) {
                return BAD;
            }
            int payloadLength = p.u16(off + 4);
            if (payloadLength == 0) {
                return BAD; // a jumbogram cannot be fragmented (RFC 2675)
            }
            int end = off + 40 + payloadLength;
            int next = p.u8(off + 6);
            int pos = off + 6;
            int h = off + 40;
            for (int n = 0; ; n++) {
                if (n > IpView.MAX_EXTENSION_CHAIN) {
                    return BAD;
                }
                if (next == 44) {
                    break;
                }
                int length;
                if (next == 0 || next == 43 || next == 60 || next == 135 || next == 139 || next == 140) {
                    if (h + 2 > cap || h + 2 > end) {
                        return BAD;
                    }
                    length = (p.u8(h + 1) + 1) << 3;
                } else if (next == 51) {
                    if (h + 2 > cap || h + 2 > end) {
                        return BAD;
                    }
                    length = (p.u8(h + 1) + 2) << 2;
                } else {
                    return NOT_FRAGMENT;
                }
                pos = h;
                next = p.u8(h);
                h += length;
            }
            if (h + 8 > cap || h + 8 > end) {
                return BAD;
            }
            int field = p.u16(h + 2);
            fOffset = field & 0xFFF8;
            fMore = (field & 1) != 0;
            fNext = p.u8(h);
            if (fOffset == 0 && !fMore) {
                return ATOMIC;
            }
            fId = p.u32(h + 4);
            fNextHdrPos = pos;
            fPrefixLen = h;
            fUnfragLen = h - off - 40;
            fDataOff = h + 8;
            fDataLen = end - fDataOff;
            fIpTotal = 40 + payloadLength;
        } else {
            return NOT_FRAGMENT;
        }
        if (fDataLen <= 0 || (fMore && (fDataLen & 7) != 0)) {
            return BAD;
        }
        fDataCap = Math.max(0, Math.min(fDataLen, cap - fDataOff));
        return FRAGMENT;
    }

    private void storeHeader(DecodedPacket d, Datagram g) {
        PacketView p = d.packet();
        g.ensureHeader(fPrefixLen);
        p.copyTo(0, g.header, 0, fPrefixLen);
        g.headerLen = fPrefixLen;
        g.linkType = p.linkType();
        g.ipOff = fIpOff;
        g.unfragLen = fUnfragLen;
        g.nextHdrPos = fNextHdrPos;
        g.next = fNext;
        g.firstIpTotal = fIpTotal;
        g.outerOff = -1;
        g.outerUdpOff = -1;
        TunnelView t = d.tunnel();
        if (t.depth() > 0) {
            IpView o = d.outerIp();
            if (o.version() != 0 && o.headerOffset() < fIpOff) {
                g.outerOff = o.headerOffset();
                g.outerVersion = o.version();
                g.outerIhl = o.version() == 4 ? (p.u8(o.headerOffset()) & 0x0F) << 2 : 0;
            }
            int udp = t.headerOffset() - 8;
            if (udp >= 0 && udp + 8 <= fIpOff) {
                g.outerUdpOff = udp;
            }
        }
    }

    // ---- completion ---------------------------------------------------------------------------------------

    private DecodedPacket complete(int slot, PacketView last) {
        Datagram g = slots[slot];
        int total = g.total;
        int capPayload = g.captured.n > 0 && g.captured.start(0) == 0 ? g.captured.end(0) : 0;
        int prefix = g.headerLen;
        int frameLen = prefix + total;
        int capLen = prefix + capPayload;
        if (scratch.length < capLen) {
            scratch = new byte[Math.max(capLen, Math.min(2 * scratch.length, PAYLOAD_MAX + prefix))];
        }
        byte[] s = scratch;
        System.arraycopy(g.header, 0, s, 0, prefix);
        System.arraycopy(g.data, 0, s, prefix, capPayload);
        int ip = g.ipOff;
        int newIpTotal;
        if (g.version == 4) {
            newIpTotal = g.unfragLen + total;
            put16(s, ip + 2, newIpTotal);
            put16(s, ip + 6, get16(s, ip + 6) & 0xC000);
            ipv4Checksum(s, ip, g.unfragLen);
        } else {
            newIpTotal = 40 + g.unfragLen + total;
            put16(s, ip + 4, newIpTotal - 40);
            s[g.nextHdrPos] = (byte) g.next;
        }
        int delta = newIpTotal - g.firstIpTotal;
        int outerField = g.outerOff < 0 ? -1 : g.outerVersion == 4 ? g.outerOff + 2 : g.outerOff + 4;
        if ((g.version == 4 ? newIpTotal : newIpTotal - 40) > PAYLOAD_MAX
                || (outerField >= 0 && get16(s, outerField) + delta > PAYLOAD_MAX)) {
            // the first fragment's headers are longer than the others' and push the datagram past 65535
            oversize += g.fragments;
            release(slot);
            return null;
        }
        if (g.outerOff >= 0) {
            int o = g.outerOff;
            int field = outerField;
            int v = get16(s, field) + delta;
            put16(s, field, v);
            if (g.outerVersion == 4) {
                ipv4Checksum(s, o, g.outerIhl);
            }
        }
        if (g.outerUdpOff >= 0) {
            int v = get16(s, g.outerUdpOff + 4) + delta;
            put16(s, g.outerUdpOff + 4, Math.min(v, PAYLOAD_MAX));
        }
        reassembledFragments += g.fragments;
        datagrams++;
        lastLength = total;
        int linkType = g.linkType;
        int cp = g.cp;
        release(slot);
        wholeView.wrap(s, 0, capLen, frameLen, last.timestampNanos(), linkType, cp)
                .interfaceId(last.interfaceId()).direction(last.direction());
        decoder.decode(wholeView, whole);
        return whole;
    }

    private static int get16(byte[] s, int at) {
        return ((s[at] & 0xFF) << 8) | (s[at + 1] & 0xFF);
    }

    private static void put16(byte[] s, int at, int v) {
        s[at] = (byte) (v >>> 8);
        s[at + 1] = (byte) v;
    }

    private static void ipv4Checksum(byte[] s, int off, int ihl) {
        s[off + 10] = 0;
        s[off + 11] = 0;
        int sum = 0;
        for (int i = 0; i < ihl; i += 2) {
            sum += get16(s, off + i);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        put16(s, off + 10, ~sum & 0xFFFF);
    }

    // ---- table --------------------------------------------------------------------------------------------

    private static int hash(int cp, int vlans, int vni, int version, int proto, long srcH, long srcL, long dstH,
                            long dstL, long id) {
        long h = srcL * 0x9E3779B97F4A7C15L;
        h ^= Long.rotateLeft(dstL, 29) * 0xC2B2AE3D27D4EB4FL;
        h ^= srcH * 31 + dstH * 131;
        h ^= id * 0x165667B19E3779F9L;
        h ^= ((long) cp << 40) ^ ((long) vni << 16) ^ ((long) vlans * 0x27D4EB2F165667C5L) ^ (version << 8) ^ proto;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return (int) h;
    }

    private int find(int hash, int cp, int vlans, int vni, int version, int proto, long srcH, long srcL, long dstH,
                     long dstL, long id) {
        for (int s = buckets[hash & bucketMask] - 1; s >= 0; s = chainNext[s] - 1) {
            Datagram g = slots[s];
            if (g.hash == hash && g.id == id && g.srcL == srcL && g.dstL == dstL && g.srcH == srcH
                    && g.dstH == dstH && g.cp == cp && g.vlans == vlans && g.vni == vni && g.version == version
                    && g.proto == proto) {
                return s;
            }
        }
        return -1;
    }

    private int allocate(int hash) {
        int s = freeStack[--freeTop];
        Datagram g = slots[s];
        if (g == null) {
            g = slots[s] = new Datagram();
        }
        g.reset();
        g.hash = hash;
        int b = hash & bucketMask;
        chainNext[s] = buckets[b];
        buckets[b] = s + 1;
        fifoPrev[s] = fifoTail;
        fifoNext[s] = -1;
        if (fifoTail >= 0) {
            fifoNext[fifoTail] = s;
        } else {
            fifoHead = s;
        }
        fifoTail = s;
        inUse++;
        return s;
    }

    /** Evicts the oldest datagram (never {@code keep}); a tombstone goes uncounted. */
    private void evictOldest(int keep) {
        int s = fifoHead;
        if (s == keep) {
            s = fifoNext[s];
        }
        if (s < 0) {
            return;
        }
        Datagram g = slots[s];
        if (!g.dead) {
            evicted += g.fragments;
        }
        release(s);
    }

    /** Turns a datagram into a tombstone (RFC 5722): its bytes are freed, it stays keyed until its timeout. */
    private void kill(int s) {
        Datagram g = uncharge(s);
        g.dead = true;
        g.releaseBuffers();
    }

    /** Takes a datagram's fragments and bytes off the table's totals. */
    private Datagram uncharge(int s) {
        Datagram g = slots[s];
        pending -= g.fragments;
        g.fragments = 0;
        bytesBuffered -= g.charged;
        g.charged = 0;
        return g;
    }

    /** Removes a datagram from the table; the caller has counted its fragments. */
    private void release(int s) {
        Datagram g = uncharge(s);
        // unlink from its bucket chain
        int b = g.hash & bucketMask;
        if (buckets[b] == s + 1) {
            buckets[b] = chainNext[s];
        } else {
            for (int t = buckets[b] - 1; t >= 0; t = chainNext[t] - 1) {
                if (chainNext[t] == s + 1) {
                    chainNext[t] = chainNext[s];
                    break;
                }
            }
        }
        // unlink from the age list
        int prev = fifoPrev[s];
        int next = fifoNext[s];
        if (prev >= 0) {
            fifoNext[prev] = next;
        } else {
            fifoHead = next;
        }
        if (next >= 0) {
            fifoPrev[next] = prev;
        } else {
            fifoTail = prev;
        }
        // the payload array goes with the datagram (so what is held stays what is counted); the small header and
        // run arrays are kept for the slot's next datagram
        g.releaseBuffers();
        freeStack[freeTop++] = s;
        inUse--;
    }

    // ---- per-datagram state -------------------------------------------------------------------------------

    private static final byte[] EMPTY = new byte[0];

    private static final class Datagram {
        int hash;
        int cp;
        int vlans;
        int vni;
        int version;
        int proto;
        long srcH;
        long srcL;
        long dstH;
        long dstL;
        long id;
        long created;
        boolean dead;
        int fragments;
        int total;
        int maxEnd;
        int dataSpan;
        long charged;
        final Runs runs = new Runs();
        final Runs captured = new Runs();
        byte[] data = EMPTY;
        byte[] header = EMPTY;
        int headerLen;
        int linkType;
        int ipOff;
        int unfragLen;
        int nextHdrPos;
        int next;
        int firstIpTotal;
        int outerOff;
        int outerVersion;
        int outerIhl;
        int outerUdpOff;

        void reset() {
            dead = false;
            fragments = 0;
            total = -1;
            maxEnd = 0;
            dataSpan = 0;
            charged = 0;
            runs.n = 0;
            captured.n = 0;
            headerLen = 0;
            outerOff = -1;
            outerUdpOff = -1;
        }

        /**
         * The payload array's length once bytes up to {@code capEnd} are held: unchanged when they fit, the whole
         * payload when its length is known ({@code total} >= 0), else doubling (at least 1 KiB, at most 64 KiB).
         */
        int capacityFor(int capEnd, int total) {
            if (data.length >= capEnd) {
                return data.length;
            }
            if (total >= capEnd) {
                return total;
            }
            return Math.min(PAYLOAD_MAX, Math.max(capEnd, Math.max(1024, 2 * data.length)));
        }

        void ensureData(int capacity) {
            if (data.length < capacity) {
                byte[] bigger = new byte[capacity];
                System.arraycopy(data, 0, bigger, 0, dataSpan);
                data = bigger;
            }
        }

        void ensureHeader(int size) {
            if (header.length < size) {
                header = new byte[Math.max(size, 128)];
            }
        }

        void releaseBuffers() {
            data = EMPTY;
            if (header.length > 256) {
                header = EMPTY;
            }
            runs.shrink();
            captured.shrink();
        }
    }

    /** Disjoint, non-adjacent byte ranges [start, end), sorted: the runs of contiguous fragments received. */
    private static final class Runs {
        int[] a = new int[8];
        int n;

        int start(int i) { return a[2 * i]; }
        int end(int i) { return a[2 * i + 1]; }

        /** Index of the first run ending after {@code offset} (n when none). */
        int firstEndingAfter(int offset) {
            int lo = 0;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (a[2 * mid + 1] > offset) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }

        /** Adds [s, e), which overlaps no run, merging it with the runs it touches. */
        void insert(int s, int e) {
            int i = firstEndingAfter(s - 1); // first run with end >= s
            boolean joinLeft = i < n && a[2 * i + 1] == s;
            int right = joinLeft ? i + 1 : i;
            boolean joinRight = right < n && a[2 * right] == e;
            if (joinLeft && joinRight) {
                a[2 * i + 1] = a[2 * right + 1];
                System.arraycopy(a, 2 * (right + 1), a, 2 * right, 2 * (n - right - 1));
                n--;
            } else if (joinLeft) {
                a[2 * i + 1] = e;
            } else if (joinRight) {
                a[2 * right] = s;
            } else {
                if (2 * (n + 1) > a.length) {
                    int[] bigger = new int[a.length * 2];
                    System.arraycopy(a, 0, bigger, 0, 2 * n);
                    a = bigger;
                }
                System.arraycopy(a, 2 * i, a, 2 * i + 2, 2 * (n - i));
                a[2 * i] = s;
                a[2 * i + 1] = e;
                n++;
            }
        }

        /** The array's length (ints) after one more run is inserted. */
        int capacityAfterInsert() {
            return 2 * (n + 1) > a.length ? 2 * a.length : a.length;
        }

        void shrink() {
            if (a.length > 64) {
                a = new int[8];
            }
            n = 0;
        }
    }
}
