package io.netsieve.core.packet;

/**
 * The result of decoding one packet: its outcome and one reusable view per layer. Filled by
 * {@link PacketDecoder#decode(PacketView, DecodedPacket)}; every view is valid until the next decode into this
 * object, and reads through the {@link PacketView} that was decoded (which must still wrap the same bytes).
 *
 * <p>For a tunnelled packet (VXLAN, GENEVE) {@link #ip()} and the transport views describe the inner packet,
 * {@link #outerIp()} the outer IP header and {@link #innerLink()} the inner Ethernet header; {@link #link()} is
 * always the capture's own link header. {@link #layers()} is the union of the layers seen outside and inside.
 *
 * <p>Not thread-safe: one instance per decoding thread.
 */
public final class DecodedPacket {
    final LinkView link = new LinkView();
    final LinkView innerLink = new LinkView();
    final IpView ip = new IpView();
    final IpView outerIp = new IpView();
    final TcpView tcp = new TcpView();
    final UdpView udp = new UdpView();
    final IcmpView icmp = new IcmpView();
    final TunnelView tunnel = new TunnelView();

    PacketView packet;
    long layers;
    DecodeOutcome outcome = DecodeOutcome.DECODED;
    MalformedReason malformedReason = MalformedReason.NONE;
    Layer truncatedLayer;
    Layer transport;
    int srcPort;
    int dstPort;

    void reset(PacketView packet) {
        // Reference fields are written only when they change: each store costs a GC write barrier, and packet
        // after packet they hold the same values.
        if (this.packet != packet) {
            this.packet = packet;
        }
        layers = 0;
        if (outcome != DecodeOutcome.DECODED) {
            outcome = DecodeOutcome.DECODED;
        }
        if (malformedReason != MalformedReason.NONE) {
            malformedReason = MalformedReason.NONE;
        }
        if (truncatedLayer != null) {
            truncatedLayer = null;
        }
        if (transport != null) {
            transport = null;
        }
        srcPort = dstPort = -1;
        // Only what says "absent" is reset here; each layer's decoder sets every field of its view, so a view is
        // valid exactly when its layer is present (this keeps the per-packet cost down).
        link.resetFields(); // PacketDecoder sets link.kind itself, writing it only when it changes
        if (innerLink.kind != null) {
            innerLink.kind = null;
        }
        ip.version = 0;
        outerIp.version = 0;
        if (tunnel.depth != 0) {
            // Only a decapsulation changes the tunnel view (and it counts depth first).
            tunnel.reset();
        }
    }

    /** The packet that was decoded. */
    public PacketView packet() { return packet; }
    /** How decoding ended. */
    public DecodeOutcome outcome() { return outcome; }
    /** Why the packet is malformed, {@link MalformedReason#NONE} unless {@link #outcome()} is MALFORMED. */
    public MalformedReason malformedReason() { return malformedReason; }
    /** The layer the snap length cut, or null unless {@link #outcome()} is TRUNCATED. */
    public Layer truncatedLayer() { return truncatedLayer; }
    /** The layers present, as a bit set of {@link Layer#bit()}. */
    public long layers() { return layers; }
    /** True when {@code layer} is present. */
    public boolean has(Layer layer) { return (layers & layer.bit()) != 0; }
    /** The innermost transport layer ({@link Layer#TCP}, UDP, SCTP, ICMP, ICMPV6, IGMP), or null. */
    public Layer transport() { return transport; }
    /** Source port of the innermost TCP/UDP/SCTP header, or -1. */
    public int srcPort() { return srcPort; }
    /** Destination port of the innermost TCP/UDP/SCTP header, or -1. */
    public int dstPort() { return dstPort; }
    /** The capture's link header. */
    public LinkView link() { return link; }
    /** The inner Ethernet header of a tunnelled packet ({@link LinkView#kind()} null when there is none). */
    public LinkView innerLink() { return innerLink; }
    /** The innermost IP header ({@link IpView#version()} 0 when there is none). */
    public IpView ip() { return ip; }
    /** The outer IP header of a tunnelled packet ({@link IpView#version()} 0 when not tunnelled). */
    public IpView outerIp() { return outerIp; }
    /** The innermost TCP header, valid when {@link #transport()} is TCP. */
    public TcpView tcp() { return tcp; }
    /** The innermost UDP header, valid when {@link #transport()} is UDP. */
    public UdpView udp() { return udp; }
    /** The ICMP/ICMPv6 header, valid when {@link #transport()} is ICMP or ICMPV6. */
    public IcmpView icmp() { return icmp; }
    /** The tunnel the packet came through ({@link TunnelView#depth()} 0 when none). */
    public TunnelView tunnel() { return tunnel; }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("DecodedPacket[").append(outcome);
        if (outcome == DecodeOutcome.MALFORMED) {
            b.append(' ').append(malformedReason);
        } else if (outcome == DecodeOutcome.TRUNCATED) {
            b.append(" in ").append(truncatedLayer);
        }
        b.append(", layers=");
        String sep = "";
        for (Layer l : Layer.values()) {
            if (has(l)) {
                b.append(sep).append(l);
                sep = "+";
            }
        }
        if (ip.version != 0) {
            b.append(", ").append(ip.srcAddress()).append(':').append(srcPort)
                    .append(" > ").append(ip.dstAddress()).append(':').append(dstPort);
        }
        return b.append(']').toString();
    }
}
