package io.netsieve.core.packet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-built frames, one per header feature and per malformed reason; the expected values are the bytes written. */
class PacketDecoderTest {
    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket d = new DecodedPacket();

    private DecodedPacket decode(FrameBuilder f, int linkType) {
        decoder.decode(f.view(linkType), d);
        return d;
    }

    private static FrameBuilder synWithOptions(FrameBuilder f) {
        // MSS 1460, SACK permitted, timestamps 7/0, NOP, window scale 7 = 20 bytes of options
        return f.tcp(40000, 80, 0xFFFF_FFF0L, 0, 10, TcpView.SYN)
                .u8(2, 4).u16(1460).u8(4, 2).u8(8, 10).u32(7, 0).u8(1).u8(3, 3, 7);
    }

    @Test
    void qinqTcpSynWithOptions() {
        FrameBuilder f = new FrameBuilder().u8(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1)
                .u16(0x88a8, (3 << 13) | 100, 0x8100, 200, 0x0800).ipv4(60, 6);
        synWithOptions(f);
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertTrue(d.has(Layer.ETHERNET) && d.has(Layer.VLAN) && d.has(Layer.IPV4) && d.has(Layer.TCP));
        LinkView l = d.link();
        assertEquals(0x0200_0000_0002L, l.dstMac());
        assertEquals(0x0200_0000_0001L, l.srcMac());
        assertEquals(2, l.vlanCount());
        assertEquals(100, l.vlanId(0));
        assertEquals(3, l.vlanPriority(0));
        assertEquals(0x88a8, l.vlanTpid(0));
        assertEquals(200, l.vlanId(1));
        assertEquals(0x0800, l.etherType());
        assertEquals(22, l.headerLength());
        assertEquals("198.18.0.1", d.ip().srcAddress());
        assertEquals("198.18.0.2", d.ip().dstAddress());
        assertEquals(0xC612_0001, d.ip().srcV4());
        assertEquals(64, d.ip().ttl());
        TcpView t = d.tcp();
        assertEquals(Layer.TCP, d.transport());
        assertEquals(40000, t.srcPort());
        assertEquals(80, t.dstPort());
        assertEquals(0xFFFF_FFF0L, t.seq());
        assertTrue(t.has(TcpView.SYN));
        assertFalse(t.has(TcpView.ACK));
        assertEquals(1460, t.mss());
        assertEquals(7, t.windowScale());
        assertTrue(t.sackPermitted());
        assertEquals(7, t.tsVal());
        assertEquals(0, t.tsEcr());
        assertEquals(40, t.headerLength());
        assertEquals(0, t.payloadLength());
        assertEquals(22 + 20 + 40, t.payloadOffset());
    }

    @Test
    void sackBlocksAndPayload() {
        FrameBuilder f = new FrameBuilder().ethernet(0x0800).ipv4(20 + 40 + 5, 6)
                .tcp(80, 40000, 1000, 2000, 10, TcpView.ACK | TcpView.PSH)
                .u8(1, 1).u8(5, 18).u32(3000, 3100, 3200, 3300)
                .u8('h', 'e', 'l', 'l', 'o').zeros(3); // 3 bytes of Ethernet padding beyond the IP datagram
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(2, d.tcp().sackCount());
        assertEquals(3000, d.tcp().sackLeft(0));
        assertEquals(3300, d.tcp().sackRight(1));
        assertEquals(5, d.tcp().payloadLength(), "padding after the IP datagram is not payload");
        assertEquals(5, d.tcp().capturedPayloadLength());
        assertEquals('h', f.view(LinkType.ETHERNET).u8(d.tcp().payloadOffset()));
    }

    @Test
    void snapLengthCutIsTruncatedNotMalformed() {
        FrameBuilder f = synWithOptions(new FrameBuilder().ethernet(0x0800).ipv4(60, 6));
        byte[] b = f.bytes();
        decoder.decode(new PacketView().wrap(b, 0, 40, b.length, 0, LinkType.ETHERNET, 0), d);
        assertEquals(DecodeOutcome.TRUNCATED, d.outcome());
        assertEquals(Layer.TCP, d.truncatedLayer());
        assertTrue(d.has(Layer.IPV4));
        assertFalse(d.has(Layer.TCP));
    }

    @Test
    void ipv4Malformations() {
        assertReason(MalformedReason.IPV4_BAD_IHL, new FrameBuilder().ethernet(0x0800).ipv4(4, 40, 6, 0).zeros(20));
        assertReason(MalformedReason.IPV4_TOTAL_LENGTH_TOO_SMALL, new FrameBuilder().ethernet(0x0800).ipv4(16, 6).zeros(20));
        assertReason(MalformedReason.IPV4_TOTAL_LENGTH_EXCEEDS_FRAME, new FrameBuilder().ethernet(0x0800).ipv4(820, 6).zeros(20));
        assertReason(MalformedReason.IPV4_HEADER_SHORT, new FrameBuilder().ethernet(0x0800).u8(0x45, 0, 0, 40));
        assertReason(MalformedReason.IPV4_BAD_VERSION, new FrameBuilder().ethernet(0x0800).u8(0x65).zeros(39));
        // IHL 15 announces 60 bytes, the frame has 40 after Ethernet
        assertReason(MalformedReason.IPV4_HEADER_SHORT, new FrameBuilder().ethernet(0x0800).u8(0x4F).zeros(39));
    }

    @Test
    void tsoSuperSegmentTakesLengthFromFrame() {
        FrameBuilder f = new FrameBuilder().ethernet(0x0800).ipv4(0, 6)
                .tcp(1, 2, 3, 4, 5, TcpView.ACK).zeros(3000);
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertTrue(d.ip().lengthFromFrame());
        assertEquals(3000, d.tcp().payloadLength());
    }

    @Test
    void tcpMalformations() {
        FrameBuilder badOffset = new FrameBuilder().ethernet(0x0800).ipv4(40, 6).tcp(1234, 80, 1, 0, 4, TcpView.SYN);
        assertReason(MalformedReason.TCP_BAD_DATA_OFFSET, badOffset);
        assertEquals(1234, d.srcPort(), "the fixed header is still read");
        FrameBuilder badOption = new FrameBuilder().ethernet(0x0800).ipv4(44, 6).tcp(1, 2, 3, 4, 6, TcpView.SYN)
                .u8(2, 1, 0, 0); // MSS option with length 1
        assertReason(MalformedReason.TCP_BAD_OPTION, badOption);
        assertTrue(d.tcp().optionsMalformed());
        FrameBuilder optionPastHeader = new FrameBuilder().ethernet(0x0800).ipv4(44, 6)
                .tcp(1, 2, 3, 4, 6, TcpView.SYN).u8(8, 10, 0, 0);
        assertReason(MalformedReason.TCP_BAD_OPTION, optionPastHeader);
        // data offset 15 (60 bytes) inside a 40-byte datagram
        assertReason(MalformedReason.TCP_HEADER_SHORT,
                new FrameBuilder().ethernet(0x0800).ipv4(40, 6).tcp(1, 2, 3, 4, 15, 0));
        assertReason(MalformedReason.TCP_HEADER_SHORT, new FrameBuilder().ethernet(0x0800).ipv4(30, 6).zeros(10));
    }

    @Test
    void udpLengthLies() {
        assertReason(MalformedReason.UDP_BAD_LENGTH, new FrameBuilder().ethernet(0x0800).ipv4(36, 17).udp(53, 53, 4000).zeros(8));
        assertEquals(53, d.udp().dstPort());
        assertEquals(8, d.udp().payloadLength());
        assertReason(MalformedReason.UDP_BAD_LENGTH, new FrameBuilder().ethernet(0x0800).ipv4(36, 17).udp(53, 53, 7).zeros(8));
    }

    @Test
    void ipv6ExtensionChainToUdp() {
        // hop-by-hop (8) -> destination options (8) -> fragment (offset 0, M) -> UDP
        FrameBuilder f = new FrameBuilder().ethernet(0x86DD).ipv6(8 + 8 + 8 + 8 + 4, 0)
                .u8(60, 0, 1, 4, 0, 0, 0, 0)
                .u8(44, 0, 1, 4, 0, 0, 0, 0)
                .u8(17, 0).u16(0x0001).u32(0xCAFE)
                .udp(5353, 53, 100).zeros(4);
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        IpView ip = d.ip();
        assertEquals(6, ip.version());
        assertEquals("2001:2::1", ip.srcAddress());
        assertEquals(0x12345, ip.flowLabel());
        assertEquals(3, ip.extensionCount());
        assertEquals(0, ip.extensionType(0));
        assertEquals(60, ip.extensionType(1));
        assertEquals(44, ip.extensionType(2));
        assertEquals(17, ip.protocol());
        assertTrue(ip.isFragment() && ip.moreFragments());
        assertEquals(0xCAFE, ip.identification());
        assertEquals(5353, d.udp().srcPort());
        assertEquals(64, ip.headerLength());
    }

    @Test
    void ipv6NonFirstFragmentStopsAtIp() {
        FrameBuilder f = new FrameBuilder().ethernet(0x86DD).ipv6(8 + 16, 44)
                .u8(17, 0).u16(1480 | 1).u32(7).zeros(16);
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(1480, d.ip().fragmentOffset());
        assertEquals(null, d.transport());
        assertFalse(d.has(Layer.UDP));
    }

    @Test
    void ipv6Malformations() {
        assertReason(MalformedReason.IPV6_PAYLOAD_LENGTH_EXCEEDS_FRAME,
                new FrameBuilder().ethernet(0x86DD).ipv6(1000, 17).udp(1, 2, 8));
        assertReason(MalformedReason.IPV6_HEADER_SHORT, new FrameBuilder().ethernet(0x86DD).zeros(20));
        assertReason(MalformedReason.IPV6_BAD_VERSION, new FrameBuilder().ethernet(0x86DD).u8(0x40).zeros(39));
        // destination options announcing 16 bytes inside an 8-byte payload
        assertReason(MalformedReason.IPV6_EXTENSION_SHORT,
                new FrameBuilder().ethernet(0x86DD).ipv6(8, 60).u8(17, 1, 0, 0, 0, 0, 0, 0));
        assertReason(MalformedReason.IPV6_HOP_BY_HOP_NOT_FIRST,
                new FrameBuilder().ethernet(0x86DD).ipv6(16, 60).u8(0, 0, 0, 0, 0, 0, 0, 0).u8(17, 0, 0, 0, 0, 0, 0, 0));
        FrameBuilder longChain = new FrameBuilder().ethernet(0x86DD).ipv6(8 * 300, 60);
        for (int i = 0; i < 300; i++) {
            longChain.u8(60, 0, 1, 4, 0, 0, 0, 0);
        }
        assertReason(MalformedReason.IPV6_EXTENSION_CHAIN_TOO_LONG, longChain);
    }

    @Test
    void vxlanIsDecapsulatedKeepingTheVni() {
        FrameBuilder inner = synWithOptions(new FrameBuilder().u8(2, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0, 3).u16(0x0800)
                .u8(0x45, 0).u16(60, 1, 0).u8(63, 6).u16(0).u8(198, 18, 9, 1, 198, 18, 9, 2));
        int innerLength = inner.size();
        FrameBuilder f = new FrameBuilder().ethernet(0x0800).ipv4(20 + 8 + 8 + innerLength, 17)
                .udp(50000, 4789, 8 + 8 + innerLength).u8(0x08, 0, 0, 0).u32(42L << 8).u8(inner.bytes());
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertTrue(d.has(Layer.VXLAN) && d.has(Layer.UDP) && d.has(Layer.TCP));
        assertEquals(Layer.VXLAN, d.tunnel().kind());
        assertEquals(42, d.tunnel().vni());
        assertEquals(1, d.tunnel().depth());
        assertEquals("198.18.0.1", d.outerIp().srcAddress());
        assertEquals("198.18.9.1", d.ip().srcAddress());
        assertEquals(63, d.ip().ttl());
        assertEquals(0x0200_0000_0003L, d.innerLink().srcMac());
        assertEquals(Layer.TCP, d.transport());
        assertEquals(1460, d.tcp().mss());
        assertEquals(14 + 20 + 8 + 8 + 14 + 20, d.tcp().headerOffset());
    }

    @Test
    void geneveWithOptionsCarryingIpv6() {
        FrameBuilder inner = new FrameBuilder().ipv6(8, 17).udp(1000, 2000, 8);
        FrameBuilder f = new FrameBuilder().ethernet(0x0800).ipv4(20 + 8 + 16 + inner.size(), 17)
                .udp(50000, 6081, 8 + 16 + inner.size())
                .u8(0x02, 0).u16(0x86DD).u32(0x00ABCD00L).zeros(8) // 8 bytes of options
                .u8(inner.bytes());
        decode(f, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(Layer.GENEVE, d.tunnel().kind());
        assertEquals(0xABCD, d.tunnel().vni());
        assertEquals(6, d.ip().version());
        assertEquals(2000, d.dstPort());
    }

    @Test
    void cookedAndLoopbackLinks() {
        FrameBuilder sll2 = new FrameBuilder().u16(0x0800, 0).u32(7).u16(1).u8(LinkView.PACKET_OUTGOING, 6)
                .u8(2, 0, 0, 0, 0, 9, 0, 0).ipv4(28, 17).udp(1, 2, 8);
        decode(sll2, LinkType.LINUX_SLL2);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(LinkView.PACKET_OUTGOING, d.link().packetType());
        assertEquals(7, d.link().interfaceIndex());
        assertEquals(0x0200_0000_0009L, d.link().srcMac());
        assertEquals(2, d.srcPort() + 1);

        FrameBuilder sll = new FrameBuilder().u16(LinkView.PACKET_HOST, 1, 6).u8(2, 0, 0, 0, 0, 8, 0, 0).u16(0x86DD)
                .ipv6(8, 17).udp(3, 4, 8);
        decode(sll, LinkType.LINUX_SLL);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(Layer.LINUX_SLL, d.link().kind());
        assertEquals(LinkView.PACKET_HOST, d.link().packetType());
        assertEquals(4, d.dstPort());

        decode(new FrameBuilder().u8(2, 0, 0, 0).ipv4(28, 17).udp(5, 6, 8), LinkType.NULL); // little-endian host
        assertEquals(2, d.link().addressFamily());
        assertEquals(6, d.dstPort());
        decode(new FrameBuilder().u32(30).ipv6(8, 17).udp(5, 7, 8), LinkType.NULL); // big-endian macOS AF_INET6
        assertEquals(7, d.dstPort());
        decode(new FrameBuilder().u32(2).ipv4(28, 17).udp(5, 8, 8), LinkType.LOOP);
        assertEquals(8, d.dstPort());
        decode(new FrameBuilder().ipv6(8, 17).udp(5, 9, 8), LinkType.RAW);
        assertEquals(9, d.dstPort());
        decode(new FrameBuilder().ipv4(28, 17).udp(5, 10, 8), LinkType.IPV4);
        assertEquals(10, d.dstPort());
        assertReason(MalformedReason.IP_BAD_VERSION, new FrameBuilder().u8(0x50).zeros(30), LinkType.RAW);
        assertReason(MalformedReason.LINK_HEADER_SHORT, new FrameBuilder().u16(0x0800, 0), LinkType.LINUX_SLL2);
        decode(new FrameBuilder().zeros(40), 147);
        assertEquals(DecodeOutcome.UNSUPPORTED_LINK_TYPE, d.outcome());
    }

    @Test
    void mplsAndPppoe() {
        decode(new FrameBuilder().ethernet(0x8847).u32((16L << 12) | 64, (17L << 12) | 0x100 | 64)
                .ipv4(28, 17).udp(1, 2, 8), LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(2, d.link().mplsCount());
        assertEquals(17, d.link().mplsLabel(1));
        assertEquals(2, d.dstPort());
        decode(new FrameBuilder().ethernet(0x8864).u8(0x11, 0).u16(0x0042, 50, 0x0057)
                .ipv6(8, 17).udp(1, 3, 8), LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(0x42, d.link().pppoeSessionId());
        assertEquals(3, d.dstPort());
    }

    @Test
    void tooManyVlanTags() {
        FrameBuilder f = new FrameBuilder().u8(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
        for (int i = 0; i < 9; i++) {
            f.u16(0x8100, i);
        }
        f.u16(0x0800).ipv4(28, 17).udp(1, 2, 8);
        assertReason(MalformedReason.TOO_MANY_TAGS, f);
    }

    @Test
    void icmpErrorsQuoteTheFlow() {
        FrameBuilder unreachable = new FrameBuilder().ethernet(0x0800).ipv4(20 + 8 + 28, 1)
                .u8(3, 3).u16(0).u32(0)
                .u8(0x45, 0).u16(40, 1, 0).u8(64, 17).u16(0).u8(198, 18, 0, 2, 198, 18, 0, 1)
                .udp(33000, 53, 20);
        decode(unreachable, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        IcmpView c = d.icmp();
        assertTrue(c.isError());
        assertEquals(3, c.type());
        assertEquals(3, c.code());
        assertEquals(4, c.quotedIpVersion());
        assertEquals(17, c.quotedProtocol());
        assertEquals(33000, c.quotedSrcPort());
        assertEquals(53, c.quotedDstPort());
        assertEquals(0xFFFF_C612_0002L, c.quotedSrcLow());

        FrameBuilder tooBig = new FrameBuilder().ethernet(0x86DD).ipv6(8 + 40 + 8, 58)
                .u8(2, 0).u16(0).u32(1280)
                .ipv6(1400, 6).u16(443, 50000).u32(123456);
        decode(tooBig, LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(Layer.ICMPV6, d.transport());
        assertEquals(1280, d.icmp().mtu());
        assertEquals(6, d.icmp().quotedProtocol());
        assertEquals(443, d.icmp().quotedSrcPort());
        assertEquals(123456, d.icmp().quotedTcpSeq());

        decode(new FrameBuilder().ethernet(0x0800).ipv4(28, 1).u8(8, 0).u16(0, 0x77, 5), LinkType.ETHERNET);
        assertFalse(d.icmp().isError());
        assertEquals(0x77, d.icmp().echoId());
        assertEquals(5, d.icmp().echoSequence());
    }

    @Test
    void decodedPacketIsResetBetweenPackets() {
        decode(synWithOptions(new FrameBuilder().ethernet(0x0800).ipv4(60, 6)), LinkType.ETHERNET);
        decode(new FrameBuilder().ethernet(0x0806).zeros(28), LinkType.ETHERNET);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertTrue(d.has(Layer.ARP));
        assertFalse(d.has(Layer.TCP));
        assertEquals(0, d.ip().version());
        assertEquals(null, d.transport());
        assertEquals(-1, d.srcPort());
    }

    private void assertReason(MalformedReason reason, FrameBuilder f) {
        assertReason(reason, f, LinkType.ETHERNET);
    }

    private void assertReason(MalformedReason reason, FrameBuilder f, int linkType) {
        decode(f, linkType);
        assertEquals(DecodeOutcome.MALFORMED, d.outcome(), () -> "expected " + reason + ": " + d);
        assertEquals(reason, d.malformedReason(), () -> d.toString());
    }
}
