package io.netsieve.core.packet;

import java.io.ByteArrayOutputStream;

/** Builds test frames byte by byte, so a test states exactly which bytes the decoder sees. */
final class FrameBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    FrameBuilder u8(int... values) {
        for (int v : values) {
            out.write(v);
        }
        return this;
    }

    FrameBuilder u16(int... values) {
        for (int v : values) {
            out.write(v >>> 8);
            out.write(v);
        }
        return this;
    }

    FrameBuilder u32(long... values) {
        for (long v : values) {
            u16((int) (v >>> 16) & 0xFFFF, (int) v & 0xFFFF);
        }
        return this;
    }

    FrameBuilder u8(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    FrameBuilder zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    /** Ethernet II header: dst 02:00:00:00:00:02, src 02:00:00:00:00:01. */
    FrameBuilder ethernet(int etherType) {
        return u8(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1).u16(etherType);
    }

    /** IPv4 header with IHL 5 (no options), TTL 64, 198.18.0.1 -> 198.18.0.2. */
    FrameBuilder ipv4(int totalLength, int protocol) {
        return ipv4(5, totalLength, protocol, 0);
    }

    FrameBuilder ipv4(int ihl, int totalLength, int protocol, int fragmentField) {
        u8(0x40 | ihl, 0).u16(totalLength, 0x1234, fragmentField).u8(64, protocol).u16(0);
        u8(198, 18, 0, 1, 198, 18, 0, 2);
        return zeros(Math.max(0, ihl * 4 - 20));
    }

    /** IPv6 header 2001:2::1 -> 2001:2::2 (RFC 5180 benchmarking range), hop limit 64. */
    FrameBuilder ipv6(int payloadLength, int nextHeader) {
        u32(0x6000_0000L | 0x12345).u16(payloadLength).u8(nextHeader, 64);
        u16(0x2001, 2, 0, 0, 0, 0, 0, 1);
        return u16(0x2001, 2, 0, 0, 0, 0, 0, 2);
    }

    /** TCP header with the given data offset (words) and flags; options must be appended by the caller. */
    FrameBuilder tcp(int srcPort, int dstPort, long seq, long ack, int dataOffsetWords, int flags) {
        return u16(srcPort, dstPort).u32(seq, ack).u16((dataOffsetWords << 12) | flags, 65535, 0, 0);
    }

    FrameBuilder udp(int srcPort, int dstPort, int length) {
        return u16(srcPort, dstPort, length, 0);
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Wraps the frame as captured whole. */
    PacketView view(int linkType) {
        byte[] b = bytes();
        return new PacketView().wrap(b, 0, b.length, b.length, 0, linkType, 0);
    }
}
