package io.netsieve.core.packet;

/**
 * The protocol layers the {@link PacketDecoder} recognises. A decoded packet reports the layers it contains as a
 * bit set ({@link DecodedPacket#layers()}, bit {@code 1L << ordinal()}), so presence tests cost one AND.
 */
public enum Layer {
    /** Ethernet II or 802.3 header. */
    ETHERNET,
    /** One or more 802.1Q / 802.1ad (QinQ) tags. */
    VLAN,
    /** An MPLS label stack. */
    MPLS,
    /** PPPoE session header plus the PPP protocol field. */
    PPPOE,
    /** 802.3 length field followed by 802.2 LLC (not decoded further). */
    LLC,
    /** Linux cooked capture v1 (LINKTYPE_LINUX_SLL). */
    LINUX_SLL,
    /** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2). */
    LINUX_SLL2,
    /** BSD loopback encapsulation (LINKTYPE_NULL, LINKTYPE_LOOP). */
    NULL_LOOP,
    /** ARP or RARP. */
    ARP,
    /** IPv4. */
    IPV4,
    /** IPv6 (extension headers included). */
    IPV6,
    /** An IPv4 or IPv6 fragment (first or later). */
    IP_FRAGMENT,
    /** TCP. */
    TCP,
    /** UDP. */
    UDP,
    /** SCTP (common header only). */
    SCTP,
    /** ICMP for IPv4. */
    ICMP,
    /** ICMPv6. */
    ICMPV6,
    /** IGMP. */
    IGMP,
    /** VXLAN (UDP 4789 or 8472): the layers after it are the inner frame's. */
    VXLAN,
    /** GENEVE (UDP 6081): the layers after it are the inner frame's. */
    GENEVE;

    /** This layer's bit in {@link DecodedPacket#layers()}. */
    public long bit() {
        return 1L << ordinal();
    }
}
