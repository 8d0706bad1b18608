package io.netsieve.core.bpf.internal;

import java.util.Map;

/** Qualifier codes of the pcap-filter language (protocol, direction, address type) and their keywords. */
public final class Q {
    public static final int DEFAULT = 0;
    // protocol qualifiers
    public static final int LINK = 1, IP = 2, ARP = 3, RARP = 4, SCTP = 5, TCP = 6, UDP = 7, ICMP = 8, IGMP = 9,
            IGRP = 10, ATALK = 11, DECNET = 12, LAT = 13, SCA = 14, MOPRC = 15, MOPDL = 16, IPV6 = 17, ICMPV6 = 18,
            AH = 19, ESP = 20, PIM = 21, VRRP = 22, AARP = 23, ISO = 24, ESIS = 25, ISIS = 26, CLNP = 27, STP = 28,
            IPX = 29, NETBEUI = 30, ISIS_L1 = 31, ISIS_L2 = 32, ISIS_IIH = 33, ISIS_SNP = 34, ISIS_CSNP = 35,
            ISIS_PSNP = 36, ISIS_LSP = 37, RADIO = 38, CARP = 39;
    // address qualifiers
    public static final int HOST = 1, NET = 2, PORT = 3, GATEWAY = 4, PROTO = 5, PROTOCHAIN = 6, PORTRANGE = 7,
            UNDEF = 255;
    // direction qualifiers
    public static final int SRC = 1, DST = 2, OR = 3, AND = 4, ADDR1 = 5, ADDR2 = 6, ADDR3 = 7, ADDR4 = 8, RA = 9,
            TA = 10;

    /** Keyword -> protocol qualifier. */
    public static final Map<String, Integer> PROTO_NAMES = Map.ofEntries(
            Map.entry("link", LINK), Map.entry("ether", LINK), Map.entry("ppp", LINK), Map.entry("slip", LINK),
            Map.entry("fddi", LINK), Map.entry("tr", LINK), Map.entry("wlan", LINK),
            Map.entry("ip", IP), Map.entry("arp", ARP), Map.entry("rarp", RARP), Map.entry("sctp", SCTP),
            Map.entry("tcp", TCP), Map.entry("udp", UDP), Map.entry("icmp", ICMP), Map.entry("igmp", IGMP),
            Map.entry("igrp", IGRP), Map.entry("pim", PIM), Map.entry("vrrp", VRRP), Map.entry("carp", CARP),
            Map.entry("radio", RADIO), Map.entry("ip6", IPV6), Map.entry("icmp6", ICMPV6), Map.entry("ah", AH),
            Map.entry("esp", ESP), Map.entry("atalk", ATALK), Map.entry("aarp", AARP), Map.entry("decnet", DECNET),
            Map.entry("lat", LAT), Map.entry("sca", SCA), Map.entry("moprc", MOPRC), Map.entry("mopdl", MOPDL),
            Map.entry("iso", ISO), Map.entry("esis", ESIS), Map.entry("es-is", ESIS), Map.entry("isis", ISIS),
            Map.entry("is-is", ISIS), Map.entry("l1", ISIS_L1), Map.entry("l2", ISIS_L2),
            Map.entry("iih", ISIS_IIH), Map.entry("lsp", ISIS_LSP), Map.entry("snp", ISIS_SNP),
            Map.entry("csnp", ISIS_CSNP), Map.entry("psnp", ISIS_PSNP), Map.entry("clnp", CLNP),
            Map.entry("stp", STP), Map.entry("ipx", IPX), Map.entry("netbeui", NETBEUI));

    private Q() {
    }

    /** The nominal keyword of a protocol qualifier, as libpcap's error messages print it. */
    public static String protoKeyword(int p) {
        switch (p) {
            case LINK: return "link";
            case IP: return "ip";
            case ARP: return "arp";
            case RARP: return "rarp";
            case SCTP: return "sctp";
            case TCP: return "tcp";
            case UDP: return "udp";
            case ICMP: return "icmp";
            case IGMP: return "igmp";
            case IGRP: return "igrp";
            case ATALK: return "atalk";
            case DECNET: return "decnet";
            case LAT: return "lat";
            case SCA: return "sca";
            case MOPRC: return "moprc";
            case MOPDL: return "mopdl";
            case IPV6: return "ip6";
            case ICMPV6: return "icmp6";
            case AH: return "ah";
            case ESP: return "esp";
            case PIM: return "pim";
            case VRRP: return "vrrp";
            case AARP: return "aarp";
            case ISO: return "iso";
            case ESIS: return "esis";
            case ISIS: return "isis";
            case CLNP: return "clnp";
            case STP: return "stp";
            case IPX: return "ipx";
            case NETBEUI: return "netbeui";
            case ISIS_L1: return "l1";
            case ISIS_L2: return "l2";
            case ISIS_IIH: return "iih";
            case ISIS_SNP: return "snp";
            case ISIS_CSNP: return "csnp";
            case ISIS_PSNP: return "psnp";
            case ISIS_LSP: return "lsp";
            case RADIO: return "radio";
            case CARP: return "carp";
            default: return "<invalid proto " + p + ">";
        }
    }

    public static String dirKeyword(int d) {
        switch (d) {
            case SRC: return "src";
            case DST: return "dst";
            case OR: return "src or dst";
            case AND: return "src and dst";
            case ADDR1: return "addr1";
            case ADDR2: return "addr2";
            case ADDR3: return "addr3";
            case ADDR4: return "addr4";
            case RA: return "ra";
            case TA: return "ta";
            default: return "<invalid dir " + d + ">";
        }
    }

    public static String addrKeyword(int a) {
        switch (a) {
            case HOST: return "host";
            case NET: return "net";
            case PORT: return "port";
            case GATEWAY: return "gateway";
            case PROTO: return "proto";
            case PROTOCHAIN: return "protochain";
            case PORTRANGE: return "portrange";
            default: return "<invalid type " + a + ">";
        }
    }

    /** A qualifier triple. */
    public record Qual(int proto, int dir, int addr) {
        public static final Qual ERR = new Qual(UNDEF, UNDEF, UNDEF);
    }
}
