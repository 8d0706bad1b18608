package io.netsieve.core.packet;

/**
 * The LINKTYPE_ values (tcpdump.org link-layer header types) that netsieve decodes. Values as they appear in pcap
 * and pcapng files; DLT_ aliases that differ on some platforms ({@code DLT_RAW} = 12 or 14) are accepted too.
 */
public final class LinkType {
    /** BSD loopback: 4-byte address family in the host's byte order. */
    public static final int NULL = 0;
    /** Ethernet II (and 802.3 with LLC). */
    public static final int ETHERNET = 1;
    /** DLT_RAW as defined on most BSDs (raw IPv4/IPv6). */
    public static final int DLT_RAW_12 = 12;
    /** DLT_RAW as defined on OpenBSD (raw IPv4/IPv6). */
    public static final int DLT_RAW_14 = 14;
    /** OpenBSD loopback: 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Raw IP: the frame starts with an IPv4 or IPv6 header. */
    public static final int RAW = 101;
    /** Linux "cooked" capture v1 (16-byte header). */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4 only. */
    public static final int IPV4 = 228;
    /** Raw IPv6 only. */
    public static final int IPV6 = 229;
    /** Linux "cooked" capture v2 (20-byte header with interface index). */
    public static final int LINUX_SLL2 = 276;

    private LinkType() {
    }

    /** The tcpdump name of a link type ({@code EN10MB}, {@code LINUX_SLL}…), or {@code LINKTYPE_<n>}. */
    public static String name(int linkType) {
        switch (linkType) {
            case NULL: return "NULL";
            case ETHERNET: return "EN10MB";
            case DLT_RAW_12:
            case DLT_RAW_14:
            case RAW: return "RAW";
            case LOOP: return "LOOP";
            case LINUX_SLL: return "LINUX_SLL";
            case IPV4: return "IPV4";
            case IPV6: return "IPV6";
            case LINUX_SLL2: return "LINUX_SLL2";
            // link types only the filter compiler knows (netsieve does not decode them)
            case 8: return "SLIP";
            case 104: return "C_HDLC";
            case 129: return "ARCNET_LINUX";
            case 140: return "MTP2";
            case 165: return "BACNET_MS_TP";
            case 281: return "DSA_TAG_BRCM";
            case 284: return "DSA_TAG_DSA";
            case 105: return "IEEE802_11";
            case 119: return "PRISM_HEADER";
            case 127: return "IEEE802_11_RADIO";
            case 163: return "IEEE802_11_RADIO_AVS";
            case 192: return "PPI";
            default: return "LINKTYPE_" + linkType;
        }
    }

    /** True if netsieve decodes frames of this link type. */
    public static boolean isSupported(int linkType) {
        switch (linkType) {
            case NULL: case ETHERNET: case DLT_RAW_12: case DLT_RAW_14: case LOOP: case RAW:
            case LINUX_SLL: case IPV4: case IPV6: case LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }
}
