package io.netsieve.core.packet;

/** Why a packet was {@link DecodeOutcome#MALFORMED}. {@link #NONE} for every other outcome. */
public enum MalformedReason {
    NONE,
    /** The frame ends inside the link-layer header. */
    LINK_HEADER_SHORT,
    /** More VLAN tags than {@link LinkView#MAX_VLAN_TAGS}, or more MPLS labels than {@link LinkView#MAX_MPLS_LABELS}. */
    TOO_MANY_TAGS,
    /** A raw-IP link whose first nibble is neither 4 nor 6. */
    IP_BAD_VERSION,
    /** The frame ends inside the ARP header. */
    ARP_HEADER_SHORT,
    /** The frame ends inside the 20 fixed bytes of IPv4 (or the options the IHL announces). */
    IPV4_HEADER_SHORT,
    /** The version nibble is not 4 where IPv4 was announced. */
    IPV4_BAD_VERSION,
    /** IHL below 5. */
    IPV4_BAD_IHL,
    /** Total length below the header length. */
    IPV4_TOTAL_LENGTH_TOO_SMALL,
    /** Total length beyond the frame's length on the wire. */
    IPV4_TOTAL_LENGTH_EXCEEDS_FRAME,
    /** The frame ends inside the 40-byte IPv6 header. */
    IPV6_HEADER_SHORT,
    /** The version nibble is not 6 where IPv6 was announced. */
    IPV6_BAD_VERSION,
    /** Payload length beyond the frame's length on the wire. */
    IPV6_PAYLOAD_LENGTH_EXCEEDS_FRAME,
    /** An extension header runs past the payload length or the frame. */
    IPV6_EXTENSION_SHORT,
    /** More extension headers than {@link IpView#MAX_EXTENSION_CHAIN} (a chain built to keep a parser busy). */
    IPV6_EXTENSION_CHAIN_TOO_LONG,
    /** Hop-by-hop options not directly after the fixed header (RFC 8200 4.1). */
    IPV6_HOP_BY_HOP_NOT_FIRST,
    /** The frame or the IP payload ends inside the 20 fixed TCP bytes or the options the data offset announces. */
    TCP_HEADER_SHORT,
    /** The IP payload ends inside an IPv4 authentication header. */
    AH_HEADER_SHORT,
    /** TCP data offset below 5. */
    TCP_BAD_DATA_OFFSET,
    /** A TCP option whose length is below 2 or runs past the header; the fixed header is still valid. */
    TCP_BAD_OPTION,
    /** The frame or IP payload ends inside the UDP header. */
    UDP_HEADER_SHORT,
    /** UDP length below 8 or beyond the IP payload; the header's ports are still valid. */
    UDP_BAD_LENGTH,
    /** The frame or IP payload ends inside the SCTP common header. */
    SCTP_HEADER_SHORT,
    /** The frame or IP payload ends inside the ICMP/ICMPv6 header. */
    ICMP_HEADER_SHORT,
    /** The frame ends inside the IGMP header. */
    IGMP_HEADER_SHORT,
    /** A GENEVE header whose option length runs past the UDP payload. */
    TUNNEL_HEADER_SHORT,
    /** More nested tunnels than {@link TunnelView#MAX_DEPTH}. */
    TUNNEL_TOO_DEEP
}
