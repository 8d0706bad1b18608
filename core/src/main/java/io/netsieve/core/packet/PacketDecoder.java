package io.netsieve.core.packet;

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
        p = packet;
        d = out;
        out.reset(packet);
        currentLink = out.link;
        capEnd = packet.captureLength();
        wireEnd = Math.max(packet.wireLength(), capEnd);
        switch (packet.linkType()) {
            case LinkType.ETHERNET -> ethernet(0);
            case LinkType.LINUX_SLL -> sll();
            case LinkType.LINUX_SLL2 -> sll2();
            case LinkType.NULL, LinkType.LOOP -> nullLoop(packet.linkType() == LinkType.LOOP);
            case LinkType.RAW, LinkType.DLT_RAW_12, LinkType.DLT_RAW_14 -> rawIp(0);
            case LinkType.IPV4 -> ipv4(0);
            case LinkType.IPV6 -> ipv6(0);
            default -> out.outcome = DecodeOutcome.UNSUPPORTED_LINK_TYPE;
        }
        p = null;
        d = null;
        return out.outcome;
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
        if (!need(off + 14, MalformedReason.LINK_HEADER_SHORT, Layer.ETHERNET)) {
            return;
        }
        LinkView l = currentLink;
        l.kind = Layer.ETHERNET;
        l.packet = p;
        l.dstMacOffset = off;
        l.srcMacOffset = off + 6;
        d.layers |= Layer.ETHERNET.bit();
        int type = p.u16(off + 12);
        if (type <= 1500) {
            // 802.3 length field: LLC/SNAP follows; not a protocol we follow further.
            l.headerLength = off + 14;
            d.layers |= Layer.LLC.bit();
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
        l.packetType = p.u16(0);
        l.arphrd = p.u16(2);
        if (p.u16(4) == 6) {
            l.packet = p;
            l.srcMacOffset = 6;
        }
        d.layers |= Layer.LINUX_SLL.bit();
        cookedPayload(p.u16(14), 16);
    }

    private void sll2() {
        if (!need(20, MalformedReason.LINK_HEADER_SHORT, Layer.LINUX_SLL2)) {
            return;
        }
        LinkView l = currentLink;
        l.kind = Layer.LINUX_SLL2;
        l.ifIndex = p.i32(4);
        l.arphrd = p.u16(8);
        l.packetType = p.u8(10);
        if (p.u8(11) == 6) {
            l.packet = p;
            l.srcMacOffset = 12;
        }
        d.layers |= Layer.LINUX_SLL2.bit();
        cookedPayload(p.u16(0), 20);
    }

    private void cookedPayload(int protocol, int off) {
        if (currentLink.arphrd == ARPHRD_NETLINK || protocol < 0x0600) {
            // Netlink messages, or an 802.2/802.3 pseudo protocol: nothing we decode further.
            currentLink.headerLength = off;
            if (protocol < 0x0600 && currentLink.arphrd != ARPHRD_NETLINK) {
                d.layers |= Layer.LLC.bit();
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
        if (loop || (p.u8(0) == 0 && p.u8(1) == 0)) {
            family = p.u32(0);
        } else {
            family = Integer.reverseBytes(p.i32(0)) & 0xFFFF_FFFFL;
        }
        LinkView l = currentLink;
        l.kind = Layer.NULL_LOOP;
        l.addressFamily = (int) family;
        l.headerLength = 4;
        d.layers |= Layer.NULL_LOOP.bit();
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
        int version = p.u8(off) >>> 4;
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
            l.vlanTci[l.vlanCount++] = p.u16(off);
            d.layers |= Layer.VLAN.bit();
            type = p.u16(off + 2);
            off += 4;
        }
        l.headerLength = off;
        if (type <= 1500) {
            d.layers |= Layer.LLC.bit();
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
        d.layers |= Layer.MPLS.bit();
        while (true) {
            if (!need(off + 4, MalformedReason.LINK_HEADER_SHORT, Layer.MPLS)) {
                return;
            }
            if (l.mplsCount == LinkView.MAX_MPLS_LABELS) {
                malformed(MalformedReason.TOO_MANY_TAGS);
                return;
            }
            long entry = p.u32(off);
            l.mplsLabel[l.mplsCount++] = (int) (entry >>> 12);
            off += 4;
            if ((entry & 0x100) != 0) {
                break;
            }
        }
        l.headerLength = off;
        // MPLS does not say what it carries; like tcpdump, guess IP from the version nibble.
        if (off < capEnd) {
            int version = p.u8(off) >>> 4;
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
        l.pppoeSessionId = p.u16(off + 2);
        d.layers |= Layer.PPPOE.bit();
        int pppProtocol = p.u16(off + 6);
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
        d.layers |= Layer.ARP.bit();
    }

    // ---- network layer -------------------------------------------------------------------------------------

    private void ipv4(int off) {
        if (!need(off + 20, MalformedReason.IPV4_HEADER_SHORT, Layer.IPV4)) {
            return;
        }
        int versionIhl = p.u8(off);
        if (versionIhl >>> 4 != 4) {
            malformed(MalformedReason.IPV4_BAD_VERSION);
            return;
        }
        int ihl = (versionIhl & 0x0F) << 2;
        if (ihl < 20) {
            malformed(MalformedReason.IPV4_BAD_IHL);
            return;
        }
        if (!need(off + ihl, MalformedReason.IPV4_HEADER_SHORT, Layer.IPV4)) {
            return;
        }
        IpView ip = d.ip;
        int total = p.u16(off + 2);
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
        ip.version = 4;
        ip.lengthFromFrame = total != p.u16(off + 2);
        ip.flowLabel = 0;
        ip.extensionCount = 0;
        ip.headerOffset = off;
        ip.headerLength = ihl;
        ip.totalLength = total;
        ip.trafficClass = p.u8(off + 1);
        ip.identification = p.u16(off + 4);
        int fragmentField = p.u16(off + 6);
        ip.dontFragment = (fragmentField & 0x4000) != 0;
        ip.moreFragments = (fragmentField & 0x2000) != 0;
        ip.fragmentOffset = (fragmentField & 0x1FFF) << 3;
        ip.fragment = ip.moreFragments || ip.fragmentOffset != 0;
        ip.ttl = p.u8(off + 8);
        ip.protocol = p.u8(off + 9);
        ip.srcV4 = p.i32(off + 12);
        ip.dstV4 = p.i32(off + 16);
        ip.srcHigh = 0;
        ip.srcLow = 0xFFFF_0000_0000L | (ip.srcV4 & 0xFFFF_FFFFL);
        ip.dstHigh = 0;
        ip.dstLow = 0xFFFF_0000_0000L | (ip.dstV4 & 0xFFFF_FFFFL);
        ip.payloadOffset = off + ihl;
        d.layers |= Layer.IPV4.bit();
        wireEnd = off + total;
        capEnd = Math.min(capEnd, wireEnd);
        if (ip.fragment) {
            d.layers |= Layer.IP_FRAGMENT.bit();
            if (ip.fragmentOffset != 0) {
                return;
            }
        }
        transport(ip.protocol, off + ihl, 4);
    }

    private void ipv6(int off) {
        if (!need(off + 40, MalformedReason.IPV6_HEADER_SHORT, Layer.IPV6)) {
            return;
        }
        int first = p.i32(off);
        if (first >>> 28 != 6) {
            malformed(MalformedReason.IPV6_BAD_VERSION);
            return;
        }
        IpView ip = d.ip;
        int payloadLength = p.u16(off + 4);
        int next = p.u8(off + 6);
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
        ip.ttl = p.u8(off + 7);
        ip.srcHigh = p.i64(off + 8);
        ip.srcLow = p.i64(off + 16);
        ip.dstHigh = p.i64(off + 24);
        ip.dstLow = p.i64(off + 32);
        d.layers |= Layer.IPV6.bit();
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
                    following = p.u8(h);
                    length = (p.u8(h + 1) + 1) << 3;
                }
                case 44 -> {
                    if (!need(h + 8, MalformedReason.IPV6_EXTENSION_SHORT, Layer.IPV6)) {
                        return;
                    }
                    following = p.u8(h);
                    length = 8;
                    int offsetField = p.u16(h + 2);
                    ip.fragmentOffset = offsetField & 0xFFF8;
                    ip.moreFragments = (offsetField & 1) != 0;
                    ip.identification = p.u32(h + 4);
                    ip.fragment = true;
                    d.layers |= Layer.IP_FRAGMENT.bit();
                }
                case 51 -> {
                    if (!need(h + 2, MalformedReason.IPV6_EXTENSION_SHORT, Layer.IPV6)) {
                        return;
                    }
                    following = p.u8(h);
                    length = (p.u8(h + 1) + 2) << 2;
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
                    int length = (p.u8(off + 1) + 2) << 2;
                    if (off + length > wireEnd) {
                        malformed(MalformedReason.AH_HEADER_SHORT);
                        return;
                    }
                    int next = p.u8(off);
                    if (next != PROTO_AH) {
                        d.ip.protocol = next;
                        d.ip.payloadOffset = off + length;
                        transport(next, off + length, ipVersion);
                    }
                }
            }
            case PROTO_IGMP -> {
                if (ipVersion == 4 && need(off + 8, MalformedReason.IGMP_HEADER_SHORT, Layer.IGMP)) {
                    d.layers |= Layer.IGMP.bit();
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
        TcpView t = d.tcp;
        t.headerOffset = off;
        t.srcPort = p.u16(off);
        t.dstPort = p.u16(off + 2);
        t.seq = p.u32(off + 4);
        t.ack = p.u32(off + 8);
        int offsetFlags = p.u16(off + 12);
        t.headerLength = (offsetFlags >>> 12) << 2;
        t.flags = offsetFlags & 0x1FF;
        t.window = p.u16(off + 14);
        t.checksum = p.u16(off + 16);
        t.urgentPointer = p.u16(off + 18);
        t.mss = t.windowScale = -1;
        t.sackPermitted = false;
        t.sackCount = 0;
        t.tsVal = t.tsEcr = -1;
        t.optionsMalformed = false;
        t.payloadOffset = off + 20;
        t.payloadLength = t.capturedPayloadLength = 0;
        d.layers |= Layer.TCP.bit();
        d.transport = Layer.TCP;
        d.srcPort = t.srcPort;
        d.dstPort = t.dstPort;
        if (t.headerLength < 20) {
            malformed(MalformedReason.TCP_BAD_DATA_OFFSET);
            return;
        }
        if (!need(off + t.headerLength, MalformedReason.TCP_HEADER_SHORT, Layer.TCP)) {
            return;
        }
        t.payloadOffset = off + t.headerLength;
        t.payloadLength = wireEnd - t.payloadOffset;
        t.capturedPayloadLength = Math.max(0, capEnd - t.payloadOffset);
        if (t.headerLength > 20 && !tcpOptions(t, off + 20, off + t.headerLength)) {
            t.optionsMalformed = true;
            malformed(MalformedReason.TCP_BAD_OPTION);
        }
    }

    /** Reads the options in [from, to); false on a bad option length (options before it are kept). */
    private boolean tcpOptions(TcpView t, int from, int to) {
        int i = from;
        while (i < to) {
            int kind = p.u8(i);
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
            int length = p.u8(i + 1);
            if (length < 2 || i + length > to) {
                return false;
            }
            switch (kind) {
                case 2 -> {
                    if (length != 4) {
                        return false;
                    }
                    t.mss = p.u16(i + 2);
                }
                case 3 -> {
                    if (length != 3) {
                        return false;
                    }
                    t.windowScale = p.u8(i + 2);
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
                        t.sackLeft[b] = p.u32(i + 2 + 8 * b);
                        t.sackRight[b] = p.u32(i + 6 + 8 * b);
                    }
                    t.sackCount = blocks;
                }
                case 8 -> {
                    if (length != 10) {
                        return false;
                    }
                    t.tsVal = p.u32(i + 2);
                    t.tsEcr = p.u32(i + 6);
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
        u.srcPort = p.u16(off);
        u.dstPort = p.u16(off + 2);
        u.length = p.u16(off + 4);
        u.checksum = p.u16(off + 6);
        u.payloadOffset = off + 8;
        d.layers |= Layer.UDP.bit();
        d.transport = Layer.UDP;
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
        d.layers |= Layer.SCTP.bit();
        d.transport = Layer.SCTP;
        d.srcPort = p.u16(off);
        d.dstPort = p.u16(off + 2);
    }

    private void icmp(int off, int version) {
        Layer layer = version == 4 ? Layer.ICMP : Layer.ICMPV6;
        if (!need(off + 8, MalformedReason.ICMP_HEADER_SHORT, layer)) {
            return;
        }
        IcmpView c = d.icmp;
        c.version = version;
        c.headerOffset = off;
        c.type = p.u8(off);
        c.code = p.u8(off + 1);
        c.checksum = p.u16(off + 2);
        c.restOfHeader = p.u32(off + 4);
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
        int version = p.u8(off) >>> 4;
        int protocol;
        int transportOffset;
        if (version == 4) {
            if (off + 20 > end) {
                return;
            }
            int ihl = (p.u8(off) & 0x0F) << 2;
            if (ihl < 20) {
                return;
            }
            protocol = p.u8(off + 9);
            c.quotedSrcHigh = 0;
            c.quotedSrcLow = 0xFFFF_0000_0000L | p.u32(off + 12);
            c.quotedDstHigh = 0;
            c.quotedDstLow = 0xFFFF_0000_0000L | p.u32(off + 16);
            c.quotedIpVersion = 4;
            c.quotedProtocol = protocol;
            if ((p.u16(off + 6) & 0x1FFF) != 0) {
                return;
            }
            transportOffset = off + ihl;
        } else if (version == 6) {
            if (off + 40 > end) {
                return;
            }
            c.quotedSrcHigh = p.i64(off + 8);
            c.quotedSrcLow = p.i64(off + 16);
            c.quotedDstHigh = p.i64(off + 24);
            c.quotedDstLow = p.i64(off + 32);
            c.quotedIpVersion = 6;
            protocol = p.u8(off + 6);
            int h = off + 40;
            for (int n = 0; n < IpView.MAX_EXTENSION_HEADERS; n++) {
                if (protocol != 0 && protocol != 43 && protocol != 60 && protocol != 44 && protocol != 51) {
                    break;
                }
                if (h + 2 > end) {
                    c.quotedProtocol = -1;
                    return;
                }
                int length = protocol == 44 ? 8 : protocol == 51 ? (p.u8(h + 1) + 2) << 2 : (p.u8(h + 1) + 1) << 3;
                if (protocol == 44 && h + 4 <= end && (p.u16(h + 2) & 0xFFF8) != 0) {
                    c.quotedProtocol = p.u8(h);
                    return;
                }
                protocol = p.u8(h);
                h += length;
            }
            c.quotedProtocol = protocol;
            transportOffset = h;
        } else {
            return;
        }
        if (protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP) {
            if (transportOffset + 4 <= end) {
                c.quotedSrcPort = p.u16(transportOffset);
                c.quotedDstPort = p.u16(transportOffset + 2);
            }
            if (protocol == PROTO_TCP && transportOffset + 8 <= end) {
                c.quotedTcpSeq = p.u32(transportOffset + 4);
            }
        }
    }

    // ---- tunnels -------------------------------------------------------------------------------------------

    private void vxlan(int off, int payloadEnd, int port) {
        if (payloadEnd - off < 8 + 14 || off + 8 > capEnd || (p.u8(off) & 0x08) == 0) {
            return; // too short or I flag clear: not VXLAN, an ordinary UDP payload
        }
        if (!enterTunnel(Layer.VXLAN, off, port, off + 8, payloadEnd)) {
            return;
        }
        d.tunnel.vni = (int) (p.u32(off + 4) >>> 8);
        ethernet(off + 8);
    }

    private void geneve(int off, int payloadEnd) {
        if (payloadEnd - off < 8 || off + 8 > capEnd || (p.u8(off) >>> 6) != 0) {
            return; // not GENEVE version 0: an ordinary UDP payload
        }
        int inner = off + 8 + ((p.u8(off) & 0x3F) << 2);
        if (inner > payloadEnd) {
            malformed(MalformedReason.TUNNEL_HEADER_SHORT);
            return;
        }
        int protocol = p.u16(off + 2);
        if (!enterTunnel(Layer.GENEVE, off, 6081, inner, payloadEnd)) {
            return;
        }
        d.tunnel.vni = (int) (p.u32(off + 4) >>> 8);
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
