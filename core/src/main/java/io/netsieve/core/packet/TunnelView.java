package io.netsieve.core.packet;

/**
 * The tunnel a decoded packet came through (VXLAN or GENEVE), when any. The decoder decapsulates it: the
 * packet's {@link DecodedPacket#ip()} and transport views describe the inner packet, {@link DecodedPacket#outerIp()}
 * the outer one. With nested tunnels the innermost tunnel is described and {@link #depth()} counts them.
 */
public final class TunnelView {
    /** Nested tunnels decapsulated at most; one more is {@link MalformedReason#TUNNEL_TOO_DEEP}. */
    public static final int MAX_DEPTH = 4;

    // Initialised as reset() leaves them: the decoder resets the view only after a packet that went through a tunnel.
    Layer kind;
    int depth;
    int vni = -1;
    int headerOffset = -1;
    int udpDstPort = -1;
    int innerOffset = -1;

    void reset() {
        kind = null;
        depth = 0;
        vni = -1;
        headerOffset = -1;
        udpDstPort = -1;
        innerOffset = -1;
    }

    /** {@link Layer#VXLAN}, {@link Layer#GENEVE}, or null when the packet was not tunnelled. */
    public Layer kind() { return kind; }
    /** Number of tunnels decapsulated (0 when none). */
    public int depth() { return depth; }
    /** The 24-bit VNI of the innermost tunnel, or -1. */
    public int vni() { return vni; }
    /** Offset of the innermost tunnel header from the frame start, or -1. */
    public int headerOffset() { return headerOffset; }
    /** The outer UDP destination port (4789, 8472, 6081), or -1. */
    public int udpDstPort() { return udpDstPort; }
    /** Offset of the inner frame (Ethernet, or IP for GENEVE carrying IP), or -1. */
    public int innerOffset() { return innerOffset; }
}
