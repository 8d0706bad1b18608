package io.netsieve.core.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes every layer of a captured frame into a reusable {@link DecodedPacket}, without copying bytes and without
 * allocating: the views hold offsets and primitive fields read straight from the {@link PacketView}.
 *
 * <p>Link types: Ethernet (with any number of 802.1Q / 802.1ad tags up to {@link LinkView#MAX_VLAN_TAGS}, MPLS,
 * PPPoE session), Linux SLL and SLL2, NULL and LOOP, raw IP (101, 12, 14), IPv4 (228) and IPv6 (229). Network: IPv4
 * with options, IPv6 with its extension-header chain (hop-by-hop, routing, destination options, fragment, AH,
 * mobility, HIP, shim6), ARP. Transport: TCP with options, UDP, SCTP ports, ICMP and ICMPv6 with the quoted header
 * of error messages, IGMP. Tunnels: VXLAN (UDP 4789 and 8472, I flag set) and GENEVE (UDP 6081) are decapsulated
 * to the inner frame, keeping the VNI.
 *
 * <p>Bad bytes never throw. Every read is checked first against the captured length and against the lengths the
 * enclosing headers declare; a header that does not fit ends decoding with {@link DecodeOutcome#TRUNCATED} when the
 * snap length cut it, or {@link DecodeOutcome#MALFORMED} with a {@link MalformedReason} when the packet itself is
 * inconsistent. Non-first IP fragments are decoded down to IP only.
 *
 * <p>Not thread-safe (it keeps the packet being decoded in fields): one instance per decoding thread. Instances are
 * cheap and hold no configuration.
 */
public final class PacketDecoder {
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_RARP = 0x8035;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD1 = 0x9100;
    private static final int ETHERTYPE_QINQ_OLD2 = 0x9200;
    private static final int ETHERTYPE_MPLS = 0x8847;
    private static final int ETHERTYPE_MPLS_MULTICAST = 0x8848;
    private static final int ETHERTYPE_PPPOE_SESSION = 0x8864;
    private static final int ETHERTYPE_TRANSPARENT_ETHERNET = 0x6558;
    private static final int ARPHRD_NETLINK = 824;

    private static final int PROTO_ICMP = 1;
    private static final int PROTO_IGMP = 2;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_ICMPV6 = 58;
    private static final int PROTO_SCTP = 132;
    private static final int PROTO_AH = 51;

    private static final long BIT_ARP = Layer.ARP.bit();
    private static final long BIT_ETHERNET = Layer.ETHERNET.bit();
    private static final long BIT_IGMP = Layer.IGMP.bit();
    private static final long BIT_IPV4 = Layer.IPV4.bit();
    private static final long BIT_IPV6 = Layer.IPV6.bit();
    private static final long BIT_IP_FRAGMENT = Layer.IP_FRAGMENT.bit();
    private static final long BIT_LINUX_SLL = Layer.LINUX_SLL.bit();
    private static final long BIT_LINUX_SLL2 = Layer.LINUX_SLL2.bit();
    private static final long BIT_LLC = Layer.LLC.bit();
    private static final long BIT_MPLS = Layer.MPLS.bit();
    private static final long BIT_NULL_LOOP = Layer.NULL_LOOP.bit();
    private static final long BIT_PPPOE = Layer.PPPOE.bit();
    private static final long BIT_SCTP = Layer.SCTP.bit();
    private static final long BIT_TCP = Layer.TCP.bit();
    private static final long BIT_UDP = Layer.UDP.bit();
    private static final long BIT_VLAN = Layer.VLAN.bit();

    // Big-endian views of a byte[], as in PacketView: one (unaligned) load plus a byte swap.
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    // The packet being decoded and where its views go. They are kept after decode (not nulled) and only written
    // when they change: a reference store costs a GC write barrier, and these are the same object packet after
    // packet.
    private PacketView p;
    private DecodedPacket d;
    private LinkView currentLink;
    /** End of the bytes the capture holds for the current layer (shrinks to the IP datagram's end). */
    private int capEnd;
    /** End of the current layer on the wire (frame length, then IP total length, then tunnel payload). */
    private int wireEnd;

    /**
     * Decodes {@code packet} into {@code out} and returns the outcome (also in {@link DecodedPacket#outcome()}).
     * {@code out} keeps reading through {@code packet}; do not re-wrap it while using the views.
     */
    public DecodeOutcome decode(PacketView packet, DecodedPacket out) {
        if (p != packet) {
            p = packet;
        }
        if (d != out) {
            d = out;
        }
        out.reset(packet);
        if (currentLink != out.link) {
            currentLink = out.link;
        }
        capEnd = packet.captureLength();
        wireEnd = Math.max(packet.wireLength(), capEnd);
        int linkType = packet.linkType();
        if (linkType == LinkType.ETHERNET) {
            ethernet(0);
        } else {
            otherLink(linkType);
        }
        return out.outcome;
    }

    private void otherLink(int linkType) {
        if (d.link.kind != null) {
            d.link.kind = null; // the link functions below set it once their header is there
        }
        switch (linkType) {
            case LinkType.LINUX_SLL -> sll();
            case LinkType.LINUX_SLL2 -> sll2();
            case LinkType.NULL, LinkType.LOOP -> nullLoop(linkType == LinkType.LOOP);
            case LinkType.RAW, LinkType.DLT_RAW_12, LinkType.DLT_RAW_14 -> rawIp(0);
            case LinkType.IPV4 -> ipv4(0);
            case LinkType.IPV6 -> ipv6(0);
            default -> d.outcome = DecodeOutcome.UNSUPPORTED_LINK_TYPE;
        }
    }

    // ---- reads (offsets relative to the frame; callers have checked them against capEnd) --------------------
    // The frame's array when it is on the heap (read directly, one load and a byte swap), else its buffer.

    private int u8(int i) {
        PacketView v = p;
        byte[] a = v.array;
        return a != null ? a[v.arrayBase + i] & 0xFF : v.buffer.get(v.offset + i) & 0xFF;
    }

    private int u16(int i) {
        PacketView v = p;
        byte[] a = v.array;
        return (a != null ? (short) SHORT.get(a, v.arrayBase + i) : v.buffer.getShort(v.offset + i)) & 0xFFFF;
    }

    private int i32(int i) {
        PacketView v = p;
        byte[] a = v.array;
        return a != null ? (int) INT.get(a, v.arrayBase + i) : v.buffer.getInt(v.offset + i);
    }

    private long u32(int i) {
        return i32(i) & 0xFFFF_FFFFL;
    }

    private long i64(int i) {
        PacketView v = p;
        byte[] a = v.array;
        return a != null ? (long) LONG.get(a, v.arrayBase + i) : v.buffer.getLong(v.offset + i);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /**
     * True when bytes up to {@code end} are captured. Otherwise ends decoding: TRUNCATED when the bytes exist on
     * the wire but the snap length cut them, MALFORMED with {@code reason} when the enclosing lengths do not even
     * leave room for them.
     */
    private boolean need(int end, MalformedReason reason, Layer layer) {
        if (end <= capEnd) {
            return true;
        }
        if (end <= wireEnd) {
            d.outcome = DecodeOutcome.TRUNCATED;
            d.truncatedLayer = layer;
        } else {
            malformed(reason);
        }
        return false;
    }

    private void malformed(MalformedReason reason) {
        d.outcome = DecodeOutcome.MALFORMED;
        d.malformedReason = reason;
    }

    // ---- link layer ----------------------------------------------------------------------------------------

    private void ethernet(int off) {
        LinkView l = currentLink;
        if (!need(off + 14, MalformedReason.LINK_HEADER_SHORT, Layer.ETHERNET)) {
            if (l.kind != null) {
                l.kind = null;
            }
            return;
        }
        if (l.kind != Layer.ETHERNET) {
            l.kind = Layer.ETHERNET;
        }
        if (l.packet != p) {
            l.packet = p;
        }
        l.dstMacOffset = off;
        l.srcMacOffset = off + 6;
        d.layers |= BIT_ETHERNET;
        int type = u16(off + 12);
        if (type <= 1500) {
            // 802.3 length field: LLC/SNAP follows; not a protocol we follow further.
            l.headerLength = off + 14;
            d.layers |= BIT_LLC;
            return;
        }
        etherType(type, off + 14);
    }

    private void sll() {
        if (!need(16, MalformedReason.LINK_HEADER_SHORT, Layer.LINUX_SLL)) {
            return;
        }
        LinkView l = currentLink;
        l.kind = Layer.LINUX_SLL;
        l.packetType = u16(0);
        l.arphrd = u16(2);
        if (u16(4) == 6) {
            l.packet = p;
            l.srcMacOffset = 6;
        }
        d.layers |= BIT_LINUX_SLL;
        cookedPayload(u16(14), 16);
    }

    private void sll2() {
        if (!need(20, MalformedReason.LINK_HEADER_SHORT, Layer.LINUX_SLL2)) {
            return;
        }
        LinkView l = currentLink;
        l.kind = Layer.LINUX_SLL2;
        l.ifIndex = i32(4);
        l.arphrd = u16(8);
        l.packetType = u8(10);
        if (u8(11) == 6) {
            l.packet = p;
            l.srcMacOffset = 12;
        }
        d.layers |= BIT_LINUX_SLL2;
        cookedPayload(u16(0), 20);
    }

    private void cookedPayload(int protocol, int off) {
        if (currentLink.arphrd == ARPHRD_NETLINK || protocol < 0x0600) {
            // Netlink messages, or an 802.2/802.3 pseudo protocol: nothing we decode further.
            currentLink.headerLength = off;
            if (protocol < 0x0600 && currentLink.arphrd != ARPHRD_NETLINK) {
                d.layers |= BIT_LLC;
            }
            return;
        }
        etherType(protocol, off);
    }

    private void nullLoop(boolean loop) {
        if (!need(4, MalformedReason.LINK_HEADER_SHORT, Layer.NULL_LOOP)) {
            return;
        }
        long family;
        if (loop || (u8(0) == 0 && u8(1) == 0)) {
            family = u32(0);
        } else {
            family = Integer.reverseBytes(i32(0)) & 0xFFFF_FFFFL;
        }
        LinkView l = currentLink;
        l.kind = Layer.NULL_LOOP;
        l.addressFamily = (int) family;
        l.headerLength = 4;
        d.layers |= BIT_NULL_LOOP;
        if (family == 2) {
            l.etherType = ETHERTYPE_IPV4;
            ipv4(4);
        } else if (family == 10 || family == 24 || family == 28 || family == 30) {
            // AF_INET6 differs per OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30.
            l.etherType = ETHERTYPE_IPV6;
            ipv6(4);
        }
    }

    private void rawIp(int off) {
        if (!need(off + 1, MalformedReason.IPV4_HEADER_SHORT, Layer.IPV4)) {
            return;
        }
        int version = u8(off) >>> 4;
        if (version == 4) {
            currentLink.etherType = ETHERTYPE_IPV4;
            ipv4(off);
        } else if (version == 6) {
            currentLink.etherType = ETHERTYPE_IPV6;
            ipv6(off);
        } else {
            malformed(MalformedReason.IP_BAD_VERSION);
        }
    }

    private void etherType(int type, int off) {
        LinkView l = currentLink;
        if (type == ETHERTYPE_IPV4) {
            // Untagged IPv4, the common case: what the general path below does for it.
            l.headerLength = off;
            l.etherType = type;
            ipv4(off);
            return;
        }
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD1
                || type == ETHERTYPE_QINQ_OLD2) {
            if (!need(off + 4, MalformedReason.LINK_HEADER_SHORT, Layer.VLAN)) {
                return;
            }
            if (l.vlanCount == LinkView.MAX_VLAN_TAGS) {
                malformed(MalformedReason.TOO_MANY_TAGS);
                return;
            }
            l.vlanTpid[l.vlanCount] = type;
            l.vlanTci[l.vlanCount++] = u16(off);
            d.layers |= BIT_VLAN;
            type = u16(off + 2);
            off += 4;
        }
        l.headerLength = off;
        if (type <= 1500) {
            d.layers |= BIT_LLC;
            return;
        }
        l.etherType = type;
        switch (type) {
            case ETHERTYPE_IPV4 -> ipv4(off);
            case ETHERTYPE_IPV6 -> ipv6(off);
            case ETHERTYPE_ARP, ETHERTYPE_RARP -> arp(off);
            case ETHERTYPE_MPLS, ETHERTYPE_MPLS_MULTICAST -> mpls(off);
            case ETHERTYPE_PPPOE_SESSION -> pppoe(off);
            default -> {
                // An EtherType we do not look into: decoded as far as it goes.
            }
        }
    }

    private void mpls(int off) {
        LinkView l = currentLink;
        d.layers |= BIT_MPLS;
        while (true) {
            if (!need(off + 4, MalformedReason.LINK_HEADER_SHORT, Layer.MPLS)) {
                return;
            }
            if (l.mplsCount == LinkView.MAX_MPLS_LABELS) {
                malformed(MalformedReason.TOO_MANY_TAGS);
                return;
            }
            long entry = u32(off);
            l.mplsLabel[l.mplsCount++] = (int) (entry >>> 12);
            off += 4;
            if ((entry & 0x100) != 0) {
                break;
            }
        }
        l.headerLength = off;
        // MPLS does not say what it carries; like tcpdump, guess IP from the version nibble.
        if (off < capEnd) {
            int version = u8(off) >>> 4;
            if (version == 4) {
                l.etherType = ETHERTYPE_IPV4;
                ipv4(off);
                return;
            } else if (version == 6) {
                l.etherType = ETHERTYPE_IPV6;
                ipv6(off);
                return;
            }
        }
        l.etherType = 0;
    }

    private void pppoe(int off) {
        if (!need(off + 8, MalformedReason.LINK_HEADER_SHORT, Layer.PPPOE)) {
            return;
        }
        LinkView l = currentLink;
        l.pppoeSessionId = u16(off + 2);
        d.layers |= BIT_PPPOE;
        int pppProtocol = u16(off + 6);
        l.headerLength = off + 8;
        if (pppProtocol == 0x0021) {
            l.etherType = ETHERTYPE_IPV4;
            ipv4(off + 8);
        } else if (pppProtocol == 0x0057) {
            l.etherType = ETHERTYPE_IPV6;
            ipv6(off + 8);
        } else {
            l.etherType = 0;
        }
    }

    private void arp(int off) {
        if (!need(off + 8, MalformedReason.ARP_HEADER_SHORT, Layer.ARP)) {
            return;
        }
        d.layers |= BIT_ARP;
    }

    // ---- network layer -------------------------------------------------------------------------------------

    private void ipv4(int off) {
        if (!need(off + 20, MalformedReason.IPV4_HEADER_SHORT, Layer.IPV4)) {
            return;
        }
        // The fixed header as five words: fewer reads (and range checks) than field by field.
        int word0 = i32(off);
        int versionIhl = word0 >>> 24;
        if (versionIhl >>> 4 != 4) {
            malformed(MalformedReason.IPV4_BAD_VERSION);
            return;
        }
        int ihl = (versionIhl & 0x0F) << 2;
        if (ihl < 20) {
            malformed(MalformedReason.IPV4_BAD_IHL);
            return;
        }
        if (ihl > 20 && !need(off + ihl, MalformedReason.IPV4_HEADER_SHORT, Layer.IPV4)) {
            return;
        }
        int totalField = word0 & 0xFFFF;
        int total = totalField;
        if (total == 0) {
            // Segmentation offload: the sending host captured the super-segment before the NIC split it.
            total = wireEnd - off;
        } else if (total < ihl) {
            malformed(MalformedReason.IPV4_TOTAL_LENGTH_TOO_SMALL);
            return;
        }
        if (off + total > wireEnd) {
            malformed(MalformedReason.IPV4_TOTAL_LENGTH_EXCEEDS_FRAME);
            return;
        }
        int word1 = i32(off + 4);
        int word2 = i32(off + 8);
        int src = i32(off + 12);
        int dst = i32(off + 16);
        int fragmentOffset = (word1 & 0x1FFF) << 3;
        boolean moreFragments = (word1 & 0x2000) != 0;
        boolean fragment = moreFragments || fragmentOffset != 0;
        int protocol = (word2 >>> 16) & 0xFF;
        IpView ip = d.ip;
        ip.version = 4;
        ip.lengthFromFrame = total != totalField;
        if (ip.flowLabel != 0) {
            ip.flowLabel = 0; // only an IPv6 packet sets these
        }
        if (ip.extensionCount != 0) {
            ip.extensionCount = 0;
        }
        ip.headerOffset = off;
        ip.headerLength = ihl;
        ip.totalLength = total;
        ip.trafficClass = (word0 >>> 16) & 0xFF;
        ip.identification = word1 >>> 16;
        ip.dontFragment = (word1 & 0x4000) != 0;
        ip.moreFragments = moreFragments;
        ip.fragmentOffset = fragmentOffset;
        ip.fragment = fragment;
        ip.ttl = word2 >>> 24;
        ip.protocol = protocol;
        ip.srcV4 = src;
        ip.dstV4 = dst;
        if (ip.srcHigh != 0) {
            ip.srcHigh = 0;
        }
        ip.srcLow = 0xFFFF_0000_0000L | (src & 0xFFFF_FFFFL);
        if (ip.dstHigh != 0) {
            ip.dstHigh = 0;
        }
        ip.dstLow = 0xFFFF_0000_0000L | (dst & 0xFFFF_FFFFL);
        ip.payloadOffset = off + ihl;
        wireEnd = off + total;
        capEnd = Math.min(capEnd, wireEnd);
        if (fragment) {
            d.layers |= BIT_IPV4 | BIT_IP_FRAGMENT;
            if (fragmentOffset != 0) {
                return;
            }
        } else {
            d.layers |= BIT_IPV4;
        }
        if (protocol == PROTO_TCP) {
            tcp(off + ihl);
        } else {
            transport(protocol, off + ihl, 4);
        }
    }

    private void ipv6(int off) {
        if (!need(off + 40, MalformedReason.IPV6_HEADER_SHORT, Layer.IPV6)) {
            return;
        }
        int first = i32(off);
        if (first >>> 28 != 6) {
            malformed(MalformedReason.IPV6_BAD_VERSION);
            return;
        }
        IpView ip = d.ip;
        int payloadLength = u16(off + 4);
        int next = u8(off + 6);
        int total = 40 + payloadLength;
        boolean jumbo = payloadLength == 0 && next == 0;
        if (jumbo) {
            // A jumbogram (RFC 2675) announces its length in a hop-by-hop option; take the frame's.
            total = wireEnd - off;
        }
        if (off + total > wireEnd) {
            malformed(MalformedReason.IPV6_PAYLOAD_LENGTH_EXCEEDS_FRAME);
            return;
        }
        ip.version = 6;
        ip.lengthFromFrame = jumbo;
        ip.identification = -1;
        ip.fragment = ip.moreFragments = ip.dontFragment = false;
        ip.fragmentOffset = 0;
        ip.extensionCount = 0;
        ip.srcV4 = ip.dstV4 = 0;
        ip.protocol = -1;
        ip.headerLength = 40;
        ip.payloadOffset = off + 40;
        ip.headerOffset = off;
        ip.totalLength = total;
        ip.trafficClass = (first >>> 20) & 0xFF;
        ip.flowLabel = first & 0xFFFFF;
        ip.ttl = u8(off + 7);
        ip.srcHigh = i64(off + 8);
        ip.srcLow = i64(off + 16);
        ip.dstHigh = i64(off + 24);
        ip.dstLow = i64(off + 32);
        d.layers |= BIT_IPV6;
        wireEnd = off + total;
        capEnd = Math.min(capEnd, wireEnd);

        int h = off + 40;
        while (true) {
            int length;
            int following;
            switch (next) {
                case 0, 43, 60, 135, 139, 140 -> {
                    if (next == 0 && ip.extensionCount != 0) {
                        malformed(MalformedReason.IPV6_HOP_BY_HOP_NOT_FIRST);
                        return;
                    }
                    if (!need(h + 2, MalformedReason.IPV6_EXTENSION_SHORT, Layer.IPV6)) {
                        return;
                    }
                    following = u8(h);
                    length = (u8(h + 1) + 1) << 3;
                }
                case 44 -> {
                    if (!need(h + 8, MalformedReason.IPV6_EXTENSION_SHORT, Layer.IPV6)) {
                        return;
                    }
                    following = u8(h);
                    length = 8;
                    int offsetField = u16(h + 2);
                    ip.fragmentOffset = offsetField & 0xFFF8;
                    ip.moreFragments = (offsetField & 1) != 0;
                    ip.identification = u32(h + 4);
                    ip.fragment = true;
                    d.layers |= BIT_IP_FRAGMENT;
                }
                case 51 -> {
                    if (!need(h + 2, MalformedReason.IPV6_EXTENSION_SHORT, Layer.IPV6)) {
                        return;
                    }
                    following = u8(h);
                    length = (u8(h + 1) + 2) << 2;
                }
                default -> {
                    ip.protocol = next;
                    ip.headerLength = h - off;
                    ip.payloadOffset = h;
                    if (ip.fragment && ip.fragmentOffset != 0) {
                        return;
                    }
                    transport(next, h, 6);
                    return;
                }
            }
            if (h + length > wireEnd) {
                malformed(MalformedReason.IPV6_EXTENSION_SHORT);
                return;
            }
            if (ip.extensionCount == IpView.MAX_EXTENSION_CHAIN) {
                malformed(MalformedReason.IPV6_EXTENSION_CHAIN_TOO_LONG);
                return;
            }
            if (ip.extensionCount < IpView.MAX_EXTENSION_HEADERS) {
                ip.extensionTypes[ip.extensionCount] = next;
            }
            ip.extensionCount++;
            ip.headerLength = h + length - off;
            next = following;
            h += length;
        }
    }

    // ---- transport layer -----------------------------------------------------------------------------------

    private void transport(int protocol, int off, int ipVersion) {
        switch (protocol) {
            case PROTO_TCP -> tcp(off);
            case PROTO_UDP -> udp(off);
            case PROTO_SCTP -> sctp(off);
            case PROTO_ICMP -> {
                if (ipVersion == 4) {
                    icmp(off, 4);
                }
            }
            case PROTO_ICMPV6 -> icmp(off, 6);
            case PROTO_AH -> {
                // IPv4 authentication header in transport mode: skip it to the protocol it protects. (IPv6 AH is
                // an extension header and handled in the chain.)
                if (ipVersion == 4 && need(off + 2, MalformedReason.AH_HEADER_SHORT, Layer.IPV4)) {
                    int length = (u8(off + 1) + 2) << 2;
                    if (off + length > wireEnd) {
                        malformed(MalformedReason.AH_HEADER_SHORT);
                        return;
                    }
                    int next = u8(off);
                    if (next != PROTO_AH) {
                        d.ip.protocol = next;
                        d.ip.payloadOffset = off + length;
                        transport(next, off + length, ipVersion);
                    }
                }
            }
            case PROTO_IGMP -> {
                if (ipVersion == 4 && need(off + 8, MalformedReason.IGMP_HEADER_SHORT, Layer.IGMP)) {
                    d.layers |= BIT_IGMP;
                    d.transport = Layer.IGMP;
                }
            }
            default -> {
                // ESP, GRE, no next header...: decoded as far as it goes.
            }
        }
    }

    private void tcp(int off) {
        if (!need(off + 20, MalformedReason.TCP_HEADER_SHORT, Layer.TCP)) {
            return;
        }
        int ports = i32(off);
        long seq = u32(off + 4);
        long ack = u32(off + 8);
        int word3 = i32(off + 12);
        int word4 = i32(off + 16);
        int srcPort = ports >>> 16;
        int dstPort = ports & 0xFFFF;
        int headerLength = (word3 >>> 28) << 2;
        TcpView t = d.tcp;
        t.headerOffset = off;
        t.srcPort = srcPort;
        t.dstPort = dstPort;
        t.seq = seq;
        t.ack = ack;
        t.headerLength = headerLength;
        t.flags = (word3 >>> 16) & 0x1FF;
        t.window = word3 & 0xFFFF;
        t.checksum = word4 >>> 16;
        t.urgentPointer = word4 & 0xFFFF;
        // Option fields: most segments carry none of these, so they are written only when a previous segment set them.
        if (t.mss != -1) {
            t.mss = -1;
        }
        if (t.windowScale != -1) {
            t.windowScale = -1;
        }
        if (t.sackPermitted) {
            t.sackPermitted = false;
        }
        if (t.sackCount != 0) {
            t.sackCount = 0;
        }
        t.tsVal = t.tsEcr = -1;
        if (t.optionsMalformed) {
            t.optionsMalformed = false;
        }
        d.layers |= BIT_TCP;
        if (d.transport != Layer.TCP) {
            d.transport = Layer.TCP;
        }
        d.srcPort = srcPort;
        d.dstPort = dstPort;
        int end = off + headerLength;
        if (headerLength < 20) {
            tcpNoPayload(t, off);
            malformed(MalformedReason.TCP_BAD_DATA_OFFSET);
            return;
        }
        if (headerLength > 20 && !need(end, MalformedReason.TCP_HEADER_SHORT, Layer.TCP)) {
            tcpNoPayload(t, off);
            return;
        }
        t.payloadOffset = end;
        t.payloadLength = wireEnd - end;
        t.capturedPayloadLength = Math.max(0, capEnd - end);
        if (headerLength > 20) {
            if (headerLength == 32 && i32(off + 20) == 0x0101080A) {
                // NOP, NOP, timestamps: the options of almost every segment after the handshake (same result as
                // the general loop below).
                t.tsVal = u32(off + 24);
                t.tsEcr = u32(off + 28);
            } else if (!tcpOptions(t, off + 20, end)) {
                t.optionsMalformed = true;
                malformed(MalformedReason.TCP_BAD_OPTION);
            }
        }
    }

    /** The payload fields of a TCP header whose data offset is bad or cut. */
    private static void tcpNoPayload(TcpView t, int off) {
        t.payloadOffset = off + 20;
        t.payloadLength = t.capturedPayloadLength = 0;
    }

    /** Reads the options in [from, to); false on a bad option length (options before it are kept). */
    private boolean tcpOptions(TcpView t, int from, int to) {
        int i = from;
        while (i < to) {
            int kind = u8(i);
            if (kind == 0) {
                return true;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= to) {
                return false;
            }
            int length = u8(i + 1);
            if (length < 2 || i + length > to) {
                return false;
            }
            switch (kind) {
                case 2 -> {
                    if (length != 4) {
                        return false;
                    }
                    t.mss = u16(i + 2);
                }
                case 3 -> {
                    if (length != 3) {
                        return false;
                    }
                    t.windowScale = u8(i + 2);
                }
                case 4 -> {
                    if (length != 2) {
                        return false;
                    }
                    t.sackPermitted = true;
                }
                case 5 -> {
                    int blocks = (length - 2) >>> 3;
                    if ((length - 2) % 8 != 0 || blocks == 0 || blocks > TcpView.MAX_SACK_BLOCKS) {
                        return false;
                    }
                    for (int b = 0; b < blocks; b++) {
                        t.sackLeft[b] = u32(i + 2 + 8 * b);
                        t.sackRight[b] = u32(i + 6 + 8 * b);
                    }
                    t.sackCount = blocks;
                }
                case 8 -> {
                    if (length != 10) {
                        return false;
                    }
                    t.tsVal = u32(i + 2);
                    t.tsEcr = u32(i + 6);
                }
                default -> {
                    // MPTCP, TFO, MD5, AO, user timeout...: skipped by length.
                }
            }
            i += length;
        }
        return true;
    }

    private void udp(int off) {
        if (!need(off + 8, MalformedReason.UDP_HEADER_SHORT, Layer.UDP)) {
            return;
        }
        UdpView u = d.udp;
        u.headerOffset = off;
        u.srcPort = u16(off);
        u.dstPort = u16(off + 2);
        u.length = u16(off + 4);
        u.checksum = u16(off + 6);
        u.payloadOffset = off + 8;
        d.layers |= BIT_UDP;
        if (d.transport != Layer.UDP) {
            d.transport = Layer.UDP;
        }
        d.srcPort = u.srcPort;
        d.dstPort = u.dstPort;
        int available = wireEnd - off;
        boolean firstFragment = d.ip.fragment;
        if (u.length < 8 || (u.length > available && !firstFragment)) {
            u.payloadLength = available - 8;
            u.capturedPayloadLength = Math.max(0, capEnd - u.payloadOffset);
            malformed(MalformedReason.UDP_BAD_LENGTH);
            return;
        }
        u.payloadLength = Math.min(u.length, available) - 8;
        int payloadEnd = u.payloadOffset + u.payloadLength;
        u.capturedPayloadLength = Math.max(0, Math.min(capEnd, payloadEnd) - u.payloadOffset);
        if (firstFragment) {
            return;
        }
        int dst = u.dstPort;
        if (dst == 4789 || dst == 8472) {
            vxlan(u.payloadOffset, payloadEnd, dst);
        } else if (dst == 6081) {
            geneve(u.payloadOffset, payloadEnd);
        }
    }

    private void sctp(int off) {
        if (!need(off + 12, MalformedReason.SCTP_HEADER_SHORT, Layer.SCTP)) {
            return;
        }
        d.layers |= BIT_SCTP;
        d.transport = Layer.SCTP;
        d.srcPort = u16(off);
        d.dstPort = u16(off + 2);
    }

    private void icmp(int off, int version) {
        Layer layer = version == 4 ? Layer.ICMP : Layer.ICMPV6;
        if (!need(off + 8, MalformedReason.ICMP_HEADER_SHORT, layer)) {
            return;
        }
        IcmpView c = d.icmp;
        c.version = version;
        c.headerOffset = off;
        c.type = u8(off);
        c.code = u8(off + 1);
        c.checksum = u16(off + 2);
        c.restOfHeader = u32(off + 4);
        c.quotedIpVersion = 0;
        c.quotedProtocol = -1;
        c.quotedSrcHigh = c.quotedSrcLow = c.quotedDstHigh = c.quotedDstLow = 0;
        c.quotedSrcPort = c.quotedDstPort = -1;
        c.quotedTcpSeq = -1;
        d.layers |= layer.bit();
        d.transport = layer;
        int t = c.type;
        c.error = version == 4 ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) : (t >= 1 && t <= 4);
        if (c.error) {
            quoted(c, off + 8);
        }
    }

    /** Reads what an ICMP error quotes, leniently: stops quietly where the quote ends. */
    private void quoted(IcmpView c, int off) {
        int end = capEnd;
        if (off + 1 > end) {
            return;
        }
        int version = u8(off) >>> 4;
        int protocol;
        int transportOffset;
        if (version == 4) {
            if (off + 20 > end) {
                return;
            }
            int ihl = (u8(off) & 0x0F) << 2;
            if (ihl < 20) {
                return;
            }
            protocol = u8(off + 9);
            c.quotedSrcHigh = 0;
            c.quotedSrcLow = 0xFFFF_0000_0000L | u32(off + 12);
            c.quotedDstHigh = 0;
            c.quotedDstLow = 0xFFFF_0000_0000L | u32(off + 16);
            c.quotedIpVersion = 4;
            c.quotedProtocol = protocol;
            if ((u16(off + 6) & 0x1FFF) != 0) {
                return;
            }
            transportOffset = off + ihl;
        } else if (version == 6) {
            if (off + 40 > end) {
                return;
            }
            c.quotedSrcHigh = i64(off + 8);
            c.quotedSrcLow = i64(off + 16);
            c.quotedDstHigh = i64(off + 24);
            c.quotedDstLow = i64(off + 32);
            c.quotedIpVersion = 6;
            protocol = u8(off + 6);
            int h = off + 40;
            for (int n = 0; n < IpView.MAX_EXTENSION_HEADERS; n++) {
                if (protocol != 0 && protocol != 43 && protocol != 60 && protocol != 44 && protocol != 51) {
                    break;
                }
                if (h + 2 > end) {
                    c.quotedProtocol = -1;
                    return;
                }
                int length = protocol == 44 ? 8 : protocol == 51 ? (u8(h + 1) + 2) << 2 : (u8(h + 1) + 1) << 3;
                if (protocol == 44 && h + 4 <= end && (u16(h + 2) & 0xFFF8) != 0) {
                    c.quotedProtocol = u8(h);
                    return;
                }
                protocol = u8(h);
                h += length;
            }
            c.quotedProtocol = protocol;
            transportOffset = h;
        } else {
            return;
        }
        if (protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP) {
            if (transportOffset + 4 <= end) {
                c.quotedSrcPort = u16(transportOffset);
                c.quotedDstPort = u16(transportOffset + 2);
            }
            if (protocol == PROTO_TCP && transportOffset + 8 <= end) {
                c.quotedTcpSeq = u32(transportOffset + 4);
            }
        }
    }

    // ---- tunnels -------------------------------------------------------------------------------------------

    private void vxlan(int off, int payloadEnd, int port) {
        if (payloadEnd - off < 8 + 14 || off + 8 > capEnd || (u8(off) & 0x08) == 0) {
            return; // too short or I flag clear: not VXLAN, an ordinary UDP payload
        }
        if (!enterTunnel(Layer.VXLAN, off, port, off + 8, payloadEnd)) {
            return;
        }
        d.tunnel.vni = (int) (u32(off + 4) >>> 8);
        ethernet(off + 8);
    }

    private void geneve(int off, int payloadEnd) {
        if (payloadEnd - off < 8 || off + 8 > capEnd || (u8(off) >>> 6) != 0) {
            return; // not GENEVE version 0: an ordinary UDP payload
        }
        int inner = off + 8 + ((u8(off) & 0x3F) << 2);
        if (inner > payloadEnd) {
            malformed(MalformedReason.TUNNEL_HEADER_SHORT);
            return;
        }
        int protocol = u16(off + 2);
        if (!enterTunnel(Layer.GENEVE, off, 6081, inner, payloadEnd)) {
            return;
        }
        d.tunnel.vni = (int) (u32(off + 4) >>> 8);
        if (protocol == ETHERTYPE_TRANSPARENT_ETHERNET) {
            ethernet(inner);
        } else {
            etherType(protocol, inner);
        }
    }

    private boolean enterTunnel(Layer kind, int headerOffset, int port, int inner, int payloadEnd) {
        TunnelView tn = d.tunnel;
        if (tn.depth == TunnelView.MAX_DEPTH) {
            malformed(MalformedReason.TUNNEL_TOO_DEEP);
            return false;
        }
        tn.depth++;
        tn.kind = kind;
        tn.headerOffset = headerOffset;
        tn.udpDstPort = port;
        tn.innerOffset = inner;
        d.layers |= kind.bit();
        d.outerIp.copyFrom(d.ip);
        d.ip.version = 0;
        d.transport = null;
        d.srcPort = d.dstPort = -1;
        d.innerLink.reset();
        currentLink = d.innerLink;
        wireEnd = payloadEnd;
        capEnd = Math.min(capEnd, payloadEnd);
        return true;
    }
}
