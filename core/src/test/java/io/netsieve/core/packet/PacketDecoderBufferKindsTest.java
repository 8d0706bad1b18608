package io.netsieve.core.packet;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The decoder reads a heap frame straight from its array (a wrapped array, or a heap buffer's with its array
 * offset) and other frames through the buffer: every kind of buffer must give the same views, and the NOP, NOP,
 * timestamps fast path of TCP options must give what the general option loop gives.
 */
class PacketDecoderBufferKindsTest {
    private final PacketDecoder decoder = new PacketDecoder();

    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        // Ethernet / IPv4 / TCP with NOP, NOP, timestamps (the fast path)
        frames.add(new FrameBuilder().ethernet(0x0800).ipv4(52, 6).tcp(40000, 80, 1, 2, 8, TcpView.ACK)
                .u8(1, 1, 8, 10).u32(0xFFFF_FFFEL, 7).bytes());
        // the same options in another order (general loop): timestamps, NOP, NOP
        frames.add(new FrameBuilder().ethernet(0x0800).ipv4(52, 6).tcp(40000, 80, 1, 2, 8, TcpView.ACK)
                .u8(8, 10).u32(0xFFFF_FFFEL, 7).u8(1, 1).bytes());
        // NOP, NOP, timestamps with a bad length: malformed, as before
        frames.add(new FrameBuilder().ethernet(0x0800).ipv4(52, 6).tcp(40000, 80, 1, 2, 8, TcpView.ACK)
                .u8(1, 1, 8, 11).u32(5, 7).bytes());
        // NOP, NOP, timestamps cut by the snap length (caplen set below)
        frames.add(new FrameBuilder().ethernet(0x0800).ipv4(52, 6).tcp(40000, 80, 1, 2, 8, TcpView.ACK)
                .u8(1, 1, 8, 10).u32(5, 7).bytes());
        // SYN with MSS, SACK permitted, timestamps, window scale; IPv4 with options; UDP; IPv6 / TCP
        frames.add(new FrameBuilder().ethernet(0x0800).ipv4(6, 64, 6, 0x4000).tcp(40000, 80, 9, 0, 10, TcpView.SYN)
                .u8(2, 4).u16(1460).u8(4, 2).u8(8, 10).u32(7, 0).u8(1).u8(3, 3, 7).bytes());
        frames.add(new FrameBuilder().ethernet(0x0800).ipv4(32, 17).udp(53, 5353, 12).u32(0xdeadbeefL).bytes());
        frames.add(new FrameBuilder().ethernet(0x86DD).ipv6(32, 6).tcp(1, 2, 3, 4, 8, TcpView.ACK)
                .u8(1, 1, 8, 10).u32(5, 7).bytes());
        return frames;
    }

    @Test
    void everyBufferKindDecodesAlike() {
        List<byte[]> frames = frames();
        for (int n = 0; n < frames.size(); n++) {
            byte[] frame = frames.get(n);
            int caplen = n == 3 ? frame.length - 6 : frame.length;
            String expected = describe(new PacketView().wrap(frame, 0, caplen, frame.length, 0, LinkType.ETHERNET, 0));

            byte[] padded = new byte[frame.length + 11];
            System.arraycopy(frame, 0, padded, 7, frame.length);
            assertEquals(expected, describe(new PacketView().wrap(padded, 7, caplen, frame.length, 0,
                    LinkType.ETHERNET, 0)), "array at an offset, frame " + n);

            ByteBuffer sliced = ByteBuffer.wrap(padded, 3, padded.length - 3).slice(); // arrayOffset 3
            assertEquals(expected, describe(new PacketView().wrap(sliced, 4, caplen, frame.length, 0,
                    LinkType.ETHERNET, 0)), "heap buffer slice, frame " + n);

            ByteBuffer direct = ByteBuffer.allocateDirect(padded.length).put(padded);
            assertEquals(expected, describe(new PacketView().wrap(direct, 7, caplen, frame.length, 0,
                    LinkType.ETHERNET, 0)), "direct buffer, frame " + n);

            ByteBuffer readOnly = ByteBuffer.wrap(padded).asReadOnlyBuffer();
            assertEquals(expected, describe(new PacketView().wrap(readOnly, 7, caplen, frame.length, 0,
                    LinkType.ETHERNET, 0)), "read-only buffer, frame " + n);
        }
    }

    @Test
    void timestampsFastPathMatchesTheOptionLoop() {
        List<byte[]> frames = frames();
        PacketView fast = new PacketView().wrap(frames.get(0), 0, frames.get(0).length, frames.get(0).length, 0,
                LinkType.ETHERNET, 0);
        DecodedPacket d = new DecodedPacket();
        decoder.decode(fast, d);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(0xFFFF_FFFEL, d.tcp().tsVal());
        assertEquals(7, d.tcp().tsEcr());
        assertEquals(-1, d.tcp().mss());
        assertEquals(-1, d.tcp().windowScale());
        assertEquals(66, d.tcp().payloadOffset());

        PacketView reordered = new PacketView().wrap(frames.get(1), 0, frames.get(1).length, frames.get(1).length, 0,
                LinkType.ETHERNET, 0);
        DecodedPacket g = new DecodedPacket();
        decoder.decode(reordered, g);
        assertEquals(describe(fast), describe(reordered));

        PacketView bad = new PacketView().wrap(frames.get(2), 0, frames.get(2).length, frames.get(2).length, 0,
                LinkType.ETHERNET, 0);
        decoder.decode(bad, d);
        assertEquals(DecodeOutcome.MALFORMED, d.outcome());
        assertEquals(MalformedReason.TCP_BAD_OPTION, d.malformedReason());
        assertEquals(true, d.tcp().optionsMalformed());

        PacketView cut = new PacketView().wrap(frames.get(3), 0, frames.get(3).length - 6, frames.get(3).length, 0,
                LinkType.ETHERNET, 0);
        decoder.decode(cut, d);
        assertEquals(DecodeOutcome.TRUNCATED, d.outcome());
        assertEquals(Layer.TCP, d.truncatedLayer());
        assertEquals(-1, d.tcp().tsVal());
    }

    private String describe(PacketView view) {
        DecodedPacket d = new DecodedPacket();
        decoder.decode(view, d);
        TcpView t = d.tcp();
        UdpView u = d.udp();
        IpView ip = d.ip();
        LinkView l = d.link();
        StringBuilder b = new StringBuilder(d.toString());
        b.append(" link ").append(l.kind()).append(' ').append(l.headerLength()).append(' ').append(l.dstMac())
                .append(' ').append(l.srcMac()).append(' ').append(l.etherType());
        if (ip.version() != 0) {
            b.append(" ip ").append(ip.headerOffset()).append(' ').append(ip.headerLength()).append(' ')
                    .append(ip.totalLength()).append(' ').append(ip.protocol()).append(' ').append(ip.ttl())
                    .append(' ').append(ip.trafficClass()).append(' ').append(ip.flowLabel()).append(' ')
                    .append(ip.identification()).append(' ').append(ip.dontFragment()).append(' ')
                    .append(ip.moreFragments()).append(' ').append(ip.fragmentOffset()).append(' ')
                    .append(ip.srcHigh()).append(' ').append(ip.srcLow()).append(' ').append(ip.dstHigh())
                    .append(' ').append(ip.dstLow()).append(' ').append(ip.payloadOffset());
        }
        if (d.transport() == Layer.TCP) {
            b.append(" tcp ").append(t.seq()).append(' ').append(t.ack()).append(' ').append(t.headerLength())
                    .append(' ').append(t.flags()).append(' ').append(t.window()).append(' ').append(t.checksum())
                    .append(' ').append(t.urgentPointer()).append(' ').append(t.mss()).append(' ')
                    .append(t.windowScale()).append(' ').append(t.sackPermitted()).append(' ')
                    .append(t.sackCount()).append(' ').append(t.tsVal()).append(' ').append(t.tsEcr()).append(' ')
                    .append(t.optionsMalformed()).append(' ').append(t.payloadOffset()).append(' ')
                    .append(t.payloadLength()).append(' ').append(t.capturedPayloadLength());
        }
        if (d.transport() == Layer.UDP) {
            b.append(" udp ").append(u.length()).append(' ').append(u.checksum()).append(' ')
                    .append(u.payloadOffset()).append(' ').append(u.payloadLength()).append(' ')
                    .append(u.capturedPayloadLength());
        }
        return b.toString();
    }
}
