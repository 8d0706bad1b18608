package io.netsieve.l4.flow;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.IpAddressText;
import io.netsieve.core.packet.IpView;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.LinkView;

/**
 * The identity of a bidirectional flow: the 5-tuple plus the segment it was seen on (capture point, the outer two
 * VLAN ids, the VXLAN/GENEVE VNI), so equal 5-tuples on different NICs, VLANs or overlays stay apart.
 *
 * <p>The two endpoints are stored in canonical order (endpoint A is the smaller address/port pair), so both
 * directions of a flow produce the same key; {@link #packetFromA()} says which way the packet that filled the key
 * went. A mutable flyweight: fill it from a packet with {@link #set(DecodedPacket)}, no allocation.
 */
public final class FlowKey {
    /** VLAN id value meaning "no tag". */
    public static final int NO_VLAN = 0xFFFF;

    int capturePointId;
    int vlans;
    int vni;
    int ipVersion;
    int protocol;
    long aHigh;
    long aLow;
    int aPort;
    long bHigh;
    long bLow;
    int bPort;
    boolean packetFromA;

    /**
     * Fills the key from a decoded packet that has an IP layer. Ports are those of TCP/UDP/SCTP, 0 for other
     * protocols (ICMP echo flows use the echo identifier as both ports, so separate pings stay apart).
     *
     * @return false (key unchanged) when the packet has no IP layer
     */
    public boolean set(DecodedPacket packet) {
        IpView ip = packet.ip();
        if (ip.version() == 0) {
            return false;
        }
        LinkView link = packet.link();
        int outer = link.vlanCount() > 0 ? link.vlanId(0) : NO_VLAN;
        int inner = link.vlanCount() > 1 ? link.vlanId(1) : NO_VLAN;
        int srcPort = packet.srcPort();
        int dstPort = packet.dstPort();
        if (srcPort < 0) {
            Layer t = packet.transport();
            boolean echo = (t == Layer.ICMP && (packet.icmp().type() == 8 || packet.icmp().type() == 0))
                    || (t == Layer.ICMPV6 && (packet.icmp().type() == 128 || packet.icmp().type() == 129));
            srcPort = dstPort = echo ? packet.icmp().echoId() : 0;
        }
        return set(packet.packet().capturePointId(), (outer << 16) | inner, packet.tunnel().vni(), ip.version(),
                ip.protocol(), ip.srcHigh(), ip.srcLow(), srcPort, ip.dstHigh(), ip.dstLow(), dstPort);
    }

    /** Fills the key from explicit fields (addresses as 128 bits, IPv4 mapped); canonicalises the endpoint order. */
    public boolean set(int capturePointId, int vlans, int vni, int ipVersion, int protocol,
                       long srcHigh, long srcLow, int srcPort, long dstHigh, long dstLow, int dstPort) {
        this.capturePointId = capturePointId;
        this.vlans = vlans;
        this.vni = vni;
        this.ipVersion = ipVersion;
        this.protocol = protocol;
        int c = Long.compareUnsigned(srcHigh, dstHigh);
        if (c == 0) {
            c = Long.compareUnsigned(srcLow, dstLow);
        }
        if (c == 0) {
            c = Integer.compare(srcPort, dstPort);
        }
        packetFromA = c <= 0;
        if (packetFromA) {
            aHigh = srcHigh; aLow = srcLow; aPort = srcPort;
            bHigh = dstHigh; bLow = dstLow; bPort = dstPort;
        } else {
            aHigh = dstHigh; aLow = dstLow; aPort = dstPort;
            bHigh = srcHigh; bLow = srcLow; bPort = srcPort;
        }
        return true;
    }

    /** True when the packet that filled this key went from endpoint A to endpoint B. */
    public boolean packetFromA() { return packetFromA; }
    public int capturePointId() { return capturePointId; }
    /** Outer VLAN id, or {@link #NO_VLAN}. */
    public int outerVlan() { return vlans >>> 16; }
    /** Inner VLAN id, or {@link #NO_VLAN}. */
    public int innerVlan() { return vlans & 0xFFFF; }
    /** VXLAN/GENEVE VNI, or -1. */
    public int vni() { return vni; }
    public int ipVersion() { return ipVersion; }
    public int protocol() { return protocol; }
    public long aHigh() { return aHigh; }
    public long aLow() { return aLow; }
    public int aPort() { return aPort; }
    public long bHigh() { return bHigh; }
    public long bLow() { return bLow; }
    public int bPort() { return bPort; }

    /** Copies another key (including its orientation). */
    public void copyFrom(FlowKey o) {
        capturePointId = o.capturePointId;
        vlans = o.vlans;
        vni = o.vni;
        ipVersion = o.ipVersion;
        protocol = o.protocol;
        aHigh = o.aHigh; aLow = o.aLow; aPort = o.aPort;
        bHigh = o.bHigh; bLow = o.bLow; bPort = o.bPort;
        packetFromA = o.packetFromA;
    }

    /** A well-mixed 32-bit hash of the key (orientation excluded). */
    public int hash() {
        // Each field multiplied by its own odd constant, the products combined, then one mix: the multiplies are
        // independent, so they overlap, where three chained mix rounds made every lookup wait for six multiplies
        // in a row. Then one mix round spreads all of them into the low bits that pick the slot.
        long h = aLow * 0x9E3779B97F4A7C15L
                ^ bLow * 0xC2B2AE3D27D4EB4FL
                ^ (aHigh + 31 * bHigh) * 0x165667B19E3779F9L
                ^ (((long) aPort << 32) | ((long) bPort << 8) | ((long) protocol << 1) | (ipVersion == 6 ? 1 : 0))
                        * 0x27D4EB2F165667C5L
                ^ (capturePointId + 31L * vlans + ((long) vni << 40)) * 0x94D049BB133111EBL;
        h = mix(h);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && capturePointId == k.capturePointId && vlans == k.vlans && vni == k.vni
                && ipVersion == k.ipVersion && protocol == k.protocol && aHigh == k.aHigh && aLow == k.aLow
                && aPort == k.aPort && bHigh == k.bHigh && bLow == k.bLow && bPort == k.bPort;
    }

    @Override
    public int hashCode() {
        return hash();
    }

    @Override
    public String toString() {
        return "FlowKey[cp=" + capturePointId + (vlans != -1 && outerVlan() != NO_VLAN ? " vlan=" + outerVlan() : "")
                + (vni >= 0 ? " vni=" + vni : "") + " proto=" + protocol + " "
                + address(aHigh, aLow) + ":" + aPort + " <-> " + address(bHigh, bLow) + ":" + bPort + "]";
    }

    private static String address(long high, long low) {
        String text = IpAddressText.of(high, low);
        return text.indexOf(':') >= 0 ? "[" + text + "]" : text;
    }
}
