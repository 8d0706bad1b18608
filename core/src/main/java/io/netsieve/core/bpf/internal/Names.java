package io.netsieve.core.bpf.internal;

import java.util.Map;

/**
 * Built-in name tables, so that compiling never depends on the machine's /etc/services or /etc/protocols:
 * IP protocol names (as in /etc/protocols of the common distributions), link protocol names (libpcap's own
 * table), LLC SAP names, and the well-known TCP/UDP service ports.
 */
final class Names {
    private Names() {
    }

    static final Map<String, Integer> IP_PROTOCOLS = Map.ofEntries(
            Map.entry("ip", 0), Map.entry("hopopt", 0), Map.entry("icmp", 1), Map.entry("igmp", 2),
            Map.entry("ggp", 3), Map.entry("ipencap", 4), Map.entry("st", 5), Map.entry("tcp", 6),
            Map.entry("egp", 8), Map.entry("igp", 9), Map.entry("pup", 12), Map.entry("udp", 17),
            Map.entry("hmp", 20), Map.entry("xns-idp", 22), Map.entry("rdp", 27), Map.entry("iso-tp4", 29),
            Map.entry("dccp", 33), Map.entry("xtp", 36), Map.entry("ddp", 37), Map.entry("idpr-cmtp", 38),
            Map.entry("ipv6", 41), Map.entry("ipv6-route", 43), Map.entry("ipv6-frag", 44), Map.entry("idrp", 45),
            Map.entry("rsvp", 46), Map.entry("gre", 47), Map.entry("esp", 50), Map.entry("ah", 51),
            Map.entry("skip", 57), Map.entry("ipv6-icmp", 58), Map.entry("ipv6-nonxt", 59),
            Map.entry("ipv6-opts", 60), Map.entry("rspf", 73), Map.entry("vmtp", 81), Map.entry("eigrp", 88),
            Map.entry("ospf", 89), Map.entry("ax.25", 93), Map.entry("ipip", 94), Map.entry("etherip", 97),
            Map.entry("encap", 98), Map.entry("pim", 103), Map.entry("ipcomp", 108), Map.entry("vrrp", 112),
            Map.entry("l2tp", 115), Map.entry("isis", 124), Map.entry("sctp", 132), Map.entry("fc", 133),
            Map.entry("mobility-header", 135), Map.entry("udplite", 136), Map.entry("mpls-in-ip", 137),
            Map.entry("manet", 138), Map.entry("hip", 139), Map.entry("shim6", 140), Map.entry("wesp", 141),
            Map.entry("rohc", 142), Map.entry("ethernet", 143));

    /** libpcap's eproto_db. */
    static final Map<String, Integer> ETHER_PROTOCOLS = Map.ofEntries(
            Map.entry("aarp", 0x80f3), Map.entry("arp", 0x0806), Map.entry("atalk", 0x809b),
            Map.entry("decnet", 0x6003), Map.entry("ip", 0x0800), Map.entry("ip6", 0x86dd),
            Map.entry("lat", 0x6004), Map.entry("mopdl", 0x6001), Map.entry("moprc", 0x6002),
            Map.entry("rarp", 0x8035), Map.entry("sca", 0x6007), Map.entry("lldp", 0x88cc),
            Map.entry("loopback", 0x9000), Map.entry("slow", 0x8809));

    /** libpcap's llc_db. */
    static final Map<String, Integer> LLC_SAPS = Map.of("iso", 0xfe, "stp", 0x42, "ipx", 0xe0, "netbeui", 0xf0);

    /** A TCP/UDP service: port and whether it is defined for each protocol. */
    record Service(int port, boolean tcp, boolean udp) {
    }

    static final Map<String, Service> SERVICES = Map.ofEntries(
            Map.entry("tcpmux", new Service(1, true, false)), Map.entry("echo", new Service(7, true, true)),
            Map.entry("discard", new Service(9, true, true)), Map.entry("daytime", new Service(13, true, true)),
            Map.entry("ftp-data", new Service(20, true, false)), Map.entry("ftp", new Service(21, true, false)),
            Map.entry("ssh", new Service(22, true, false)), Map.entry("telnet", new Service(23, true, false)),
            Map.entry("smtp", new Service(25, true, false)), Map.entry("time", new Service(37, true, true)),
            Map.entry("whois", new Service(43, true, false)), Map.entry("tacacs", new Service(49, true, true)),
            Map.entry("domain", new Service(53, true, true)), Map.entry("bootps", new Service(67, false, true)),
            Map.entry("bootpc", new Service(68, false, true)), Map.entry("tftp", new Service(69, false, true)),
            Map.entry("gopher", new Service(70, true, false)), Map.entry("finger", new Service(79, true, false)),
            Map.entry("http", new Service(80, true, false)), Map.entry("www", new Service(80, true, false)),
            Map.entry("kerberos", new Service(88, true, true)), Map.entry("pop3", new Service(110, true, false)),
            Map.entry("sunrpc", new Service(111, true, true)), Map.entry("auth", new Service(113, true, false)),
            Map.entry("nntp", new Service(119, true, false)), Map.entry("ntp", new Service(123, false, true)),
            Map.entry("epmap", new Service(135, true, false)),
            Map.entry("netbios-ns", new Service(137, false, true)),
            Map.entry("netbios-dgm", new Service(138, false, true)),
            Map.entry("netbios-ssn", new Service(139, true, false)), Map.entry("imap2", new Service(143, true, false)),
            Map.entry("imap", new Service(143, true, false)), Map.entry("snmp", new Service(161, true, true)),
            Map.entry("snmp-trap", new Service(162, true, true)), Map.entry("bgp", new Service(179, true, false)),
            Map.entry("irc", new Service(194, true, false)), Map.entry("ldap", new Service(389, true, true)),
            Map.entry("https", new Service(443, true, true)), Map.entry("microsoft-ds", new Service(445, true, false)),
            Map.entry("isakmp", new Service(500, false, true)), Map.entry("syslog", new Service(514, false, true)),
            Map.entry("shell", new Service(514, true, false)), Map.entry("printer", new Service(515, true, false)),
            Map.entry("submission", new Service(587, true, false)), Map.entry("ldaps", new Service(636, true, true)),
            Map.entry("rsync", new Service(873, true, false)), Map.entry("imaps", new Service(993, true, false)),
            Map.entry("pop3s", new Service(995, true, false)), Map.entry("socks", new Service(1080, true, false)),
            Map.entry("openvpn", new Service(1194, true, true)), Map.entry("ms-sql-s", new Service(1433, true, false)),
            Map.entry("l2tp", new Service(1701, false, true)), Map.entry("radius", new Service(1812, false, true)),
            Map.entry("nfs", new Service(2049, true, true)), Map.entry("mysql", new Service(3306, true, false)),
            Map.entry("postgresql", new Service(5432, true, false)), Map.entry("sip", new Service(5060, true, true)),
            Map.entry("x11", new Service(6000, true, false)), Map.entry("redis", new Service(6379, true, false)),
            Map.entry("http-alt", new Service(8080, true, false)));
}
