package io.netsieve.l4.internal;

import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.flow.FlowKey;

/**
 * Reads what the connection table needs — the flow key and the {@link Segment} — straight from the frame, for the
 * frames most traffic is made of: untagged Ethernet, IPv4 without fragmentation, TCP with no options or only
 * NOP, NOP, timestamps. Everything else (and any frame the full decoder would call truncated or malformed) is
 * declined, and the caller decodes it with {@code PacketDecoder} as before.
 *
 * <p>Why: for an L4-only consumer the full decoder fills every field of the link, IP and TCP views (checksum, TTL,
 * identification…; ≈ 18 ns per packet on cached frames, docs/benchmarks.md) and the table then copies the few it
 * needs into its key and segment; this reads those few once (L4Benchmark.knownFlowsLentRecordsFrames). The values are exactly those the decoder would give the same frame
 * (FlowKey.set and Segment.set on its result), which {@code TcpFrameParserTest} checks frame by frame on every
 * corpus and demo capture, with every capture length cut.
 */
final class TcpFrameParser {
    private static final int ETHERNET_HEADER = 14;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int PROTO_TCP = 6;
    private static final int NOP_NOP_TIMESTAMP = 0x0101080A;
    private static final int UNTAGGED = (FlowKey.NO_VLAN << 16) | FlowKey.NO_VLAN;

    private TcpFrameParser() {
    }

    /**
     * Fills {@code key} and {@code segment} from {@code frame} when it is one of the frames described above;
     * returns false, leaving both in an unspecified state, otherwise.
     */
    static boolean parse(PacketView frame, FlowKey key, Segment segment) {
        if (frame.linkType() != LinkType.ETHERNET) {
            return false;
        }
        int capEnd = frame.captureLength();
        int wireEnd = Math.max(frame.wireLength(), capEnd);
        int ip = ETHERNET_HEADER;
        if (ip + 20 > capEnd || frame.u16(12) != ETHERTYPE_IPV4) {
            return false;
        }
        int word0 = frame.i32(ip);
        int ihl = (word0 >>> 22) & 0x3C;
        int total = word0 & 0xFFFF;
        // version 4; a header of at least 20 bytes, captured; a total length that covers it and fits the frame (0,
        // a segmentation-offload super-segment, is left to the decoder)
        if (word0 >>> 28 != 4 || ihl < 20 || ip + ihl > capEnd || total < ihl || ip + total > wireEnd) {
            return false;
        }
        int word1 = frame.i32(ip + 4);
        int word2 = frame.i32(ip + 8);
        if ((word1 & 0x3FFF) != 0 || ((word2 >>> 16) & 0xFF) != PROTO_TCP) {
            return false; // a fragment (more fragments, or an offset), or not TCP
        }
        wireEnd = ip + total;
        capEnd = Math.min(capEnd, wireEnd);
        int tcp = ip + ihl;
        if (tcp + 20 > capEnd) {
            return false;
        }
        int word3 = frame.i32(tcp + 12);
        int headerLength = (word3 >>> 26) & 0x3C;
        int end = tcp + headerLength;
        if (headerLength < 20 || end > capEnd) {
            return false;
        }
        if (headerLength != 20 && (headerLength != 32 || frame.i32(tcp + 20) != NOP_NOP_TIMESTAMP)) {
            return false; // other options (a window scale on a SYN, SACK blocks…): the decoder's general loop
        }
        int ports = frame.i32(tcp);
        long src = frame.i32(ip + 12) & 0xFFFF_FFFFL;
        long dst = frame.i32(ip + 16) & 0xFFFF_FFFFL;
        key.set(frame.capturePointId(), UNTAGGED, -1, 4, PROTO_TCP,
                0, 0xFFFF_0000_0000L | src, ports >>> 16, 0, 0xFFFF_0000_0000L | dst, ports & 0xFFFF);
        segment.dstMac = ((long) frame.u16(0) << 32) | (frame.i32(2) & 0xFFFF_FFFFL);
        segment.srcMac = ((long) frame.u16(6) << 32) | (frame.i32(8) & 0xFFFF_FFFFL);
        segment.tcp = true;
        segment.flags = (word3 >>> 16) & 0x1FF;
        segment.seq = frame.i32(tcp + 4) & 0xFFFF_FFFFL;
        segment.ack = frame.i32(tcp + 8) & 0xFFFF_FFFFL;
        segment.payload = wireEnd - end;
        segment.window = word3 & 0xFFFF;
        segment.windowScale = -1;
        return true;
    }
}
