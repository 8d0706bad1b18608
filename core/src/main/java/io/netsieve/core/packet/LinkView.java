package io.netsieve.core.packet;

/**
 * The link layer of a decoded packet: Ethernet II / 802.3 with VLAN tags (802.1Q, 802.1ad QinQ), MPLS and PPPoE,
 * Linux cooked headers (SLL, SLL2) or BSD loopback. Filled by {@link PacketDecoder}, reused for every packet; valid
 * until the next decode. Offsets are relative to the start of the frame.
 */
public final class LinkView {
    /** VLAN tags kept per frame; a frame with more is {@link MalformedReason#TOO_MANY_TAGS}. */
    public static final int MAX_VLAN_TAGS = 8;
    /** MPLS labels kept per frame; a frame with more is {@link MalformedReason#TOO_MANY_TAGS}. */
    public static final int MAX_MPLS_LABELS = 8;

    /** SLL packet type: to us. */
    public static final int PACKET_HOST = 0;
    /** SLL packet type: broadcast by somebody else. */
    public static final int PACKET_BROADCAST = 1;
    /** SLL packet type: multicast by somebody else. */
    public static final int PACKET_MULTICAST = 2;
    /** SLL packet type: to somebody else (promiscuous). */
    public static final int PACKET_OTHERHOST = 3;
    /** SLL packet type: sent by us. */
    public static final int PACKET_OUTGOING = 4;

    Layer kind;
    int headerLength;
    // MACs are read on demand: most consumers never look at them, and the reads cost on every packet.
    PacketView packet;
    int dstMacOffset;
    int srcMacOffset;
    int etherType;
    int vlanCount;
    final int[] vlanTci = new int[MAX_VLAN_TAGS];
    final int[] vlanTpid = new int[MAX_VLAN_TAGS];
    int mplsCount;
    final int[] mplsLabel = new int[MAX_MPLS_LABELS];
    int pppoeSessionId;
    int packetType;
    int arphrd;
    int ifIndex;
    int addressFamily;

    void reset() {
        if (kind != null) {
            kind = null;
        }
        resetFields();
    }

    /** Resets all but {@link #kind} (which the decoder sets for every packet, and writes only when it changes). */
    void resetFields() {
        // Fields that most links leave alone are written only when set: fewer stores per packet.
        headerLength = 0;
        dstMacOffset = srcMacOffset = -1;
        etherType = 0;
        vlanCount = 0;
        mplsCount = 0;
        if (pppoeSessionId != -1) {
            pppoeSessionId = -1;
        }
        if (packetType != -1) {
            packetType = -1;
        }
        if (arphrd != -1) {
            arphrd = -1;
        }
        if (ifIndex != -1) {
            ifIndex = -1;
        }
        if (addressFamily != -1) {
            addressFamily = -1;
        }
    }

    /** {@link Layer#ETHERNET}, {@link Layer#LINUX_SLL}, {@link Layer#LINUX_SLL2}, {@link Layer#NULL_LOOP}, or null for raw IP. */
    public Layer kind() { return kind; }
    /** Bytes from the frame start to the network header (all tags included). */
    public int headerLength() { return headerLength; }
    /** Destination MAC as the low 48 bits, or -1 when the link has none. */
    public long dstMac() { return mac(dstMacOffset); }
    /** Source MAC as the low 48 bits (SLL/SLL2: the link-layer address when it is 6 bytes), or -1. */
    public long srcMac() { return mac(srcMacOffset); }

    private long mac(int at) {
        return at < 0 ? -1 : ((long) packet.u16(at) << 32) | packet.u32(at + 2);
    }
    /** The EtherType of the network layer after all tags (0 when unknown, e.g. 802.3/LLC frames). */
    public int etherType() { return etherType; }
    /** Number of VLAN tags, outermost first. */
    public int vlanCount() { return vlanCount; }
    /** VLAN id (12 bits) of tag {@code i}. */
    public int vlanId(int i) { return vlanTci[check(i, vlanCount)] & 0x0FFF; }
    /** Priority code point of tag {@code i}. */
    public int vlanPriority(int i) { return vlanTci[check(i, vlanCount)] >>> 13; }
    /** Tag protocol identifier of tag {@code i} (0x8100, 0x88a8, 0x9100…). */
    public int vlanTpid(int i) { return vlanTpid[check(i, vlanCount)]; }
    /** Number of MPLS labels, outermost first. */
    public int mplsCount() { return mplsCount; }
    /** Label (20 bits) {@code i}. */
    public int mplsLabel(int i) { return mplsLabel[check(i, mplsCount)]; }
    /** PPPoE session id, or -1. */
    public int pppoeSessionId() { return pppoeSessionId; }
    /** SLL/SLL2 packet type ({@code PACKET_*}), or -1 for other links. */
    public int packetType() { return packetType; }
    /** SLL/SLL2 ARPHRD_ type, or -1. */
    public int arphrdType() { return arphrd; }
    /** SLL2 interface index, or -1. */
    public int interfaceIndex() { return ifIndex; }
    /** NULL/LOOP address family, or -1. */
    public int addressFamily() { return addressFamily; }

    private static int check(int i, int count) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("index " + i + " of " + count);
        }
        return i;
    }
}
