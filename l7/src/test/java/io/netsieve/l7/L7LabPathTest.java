package io.netsieve.l7;

import io.netsieve.core.testing.Lab;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every HTTP/1.x and HTTP/2 (h2c) request, Redis command and DNS query the lab's clients send (lab/netsieve-lab.sh,
 * its "clients" section, and lab/http_server.py for the answers, also behind the h2c proxy) is found, with the right
 * method/path/status, command or name/type/rcode, on every capture point of its path through the two-node lab
 * (over the VXLAN node link too: on vxlan0 and, encapsulated, on the nodes' eth0).
 */
class L7LabPathTest {
    private static final List<String> A_TO_C = List.of("pod-a-eth0", "node1-veth-a", "node1-br0", "node1-eth0",
            "node2-eth0", "node2-br0", "node2-veth-c", "pod-c-eth0");
    private static final List<String> B_TO_C = List.of("pod-b-eth0", "node1-veth-b", "node1-br0", "node1-eth0",
            "node2-eth0", "node2-br0", "node2-veth-c", "pod-c-eth0");
    private static final List<String> A_TO_D = List.of("pod-a-eth0", "node1-veth-a", "node1-br0", "node1-eth0",
            "node2-eth0", "node2-br0", "node2-veth-d", "pod-d-eth0");
    private static final List<String> B_TO_D = List.of("pod-b-eth0", "node1-veth-b", "node1-br0", "node1-eth0",
            "node2-eth0", "node2-br0", "node2-veth-d", "pod-d-eth0");
    /** Through node1's SNAT to the external host. */
    private static final List<String> A_TO_EXT = List.of("pod-a-eth0", "node1-veth-a", "node1-br0", "node1-eth1",
            "ext-eth0");

    /** Over the VXLAN node link (node2's second pod network): vxlan0 of both nodes, encapsulated on the eth0s. */
    private static final List<String> B_TO_C_VXLAN = List.of("pod-b-eth0", "node1-veth-b", "node1-br0",
            "node1-vxlan0", "node1-eth0", "node2-eth0", "node2-vxlan0", "node2-br0", "node2-veth-c", "pod-c-eth0");
    private static final List<String> A_TO_D_VXLAN = List.of("pod-a-eth0", "node1-veth-a", "node1-br0",
            "node1-vxlan0", "node1-eth0", "node2-eth0", "node2-vxlan0", "node2-br0", "node2-veth-d", "pod-d-eth0");
    private static final List<String> B_TO_D_VXLAN = List.of("pod-b-eth0", "node1-veth-b", "node1-br0",
            "node1-vxlan0", "node1-eth0", "node2-eth0", "node2-vxlan0", "node2-br0", "node2-veth-d", "pod-d-eth0");

    private static final String WEB = "198.18.2.10";
    private static final String WEB6 = "fd00:198:18:2::10";
    private static final String EXT = "198.19.0.10";
    private static final String DNS = "198.18.2.11";
    private static final String WEB_VXLAN = "198.18.4.10";
    private static final String WEB6_VXLAN = "fd00:198:18:4::10";
    private static final String DNS_VXLAN = "198.18.4.11";

    private record Sent(String what, List<String> path) {
    }

    private static List<Sent> sent() {
        List<Sent> s = new ArrayList<>();
        // one keep-alive connection from pod-a, then single requests
        s.add(new Sent(http(WEB, "GET", "/", 200), A_TO_C));
        s.add(new Sent(http(WEB, "GET", "/chunked", 200), A_TO_C));
        s.add(new Sent(http(WEB, "GET", "/slow?ms=300", 200), A_TO_C));
        s.add(new Sent(http(WEB, "GET", "/error", 500), A_TO_C));
        s.add(new Sent(http(WEB, "GET", "/missing", 404), A_TO_C));
        s.add(new Sent(http(WEB, "POST", "/upload", 200), A_TO_C));
        s.add(new Sent(http(WEB6, "GET", "/", 200), A_TO_C));
        s.add(new Sent(http(WEB, "GET", "/?from=pod-b", 200), B_TO_C));
        s.add(new Sent(http(EXT, "GET", "/external", 404), A_TO_EXT));
        // h2c to pod-c :80: nghttp with prior knowledge, one connection
        s.add(new Sent(http2(WEB, "GET", "/?h2=prior", 200), A_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/chunked?h2=prior", 200), A_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/error?h2=prior", 500), A_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/h2-prior-missing", 404), A_TO_C));
        // nghttp -u and curl --http2: the first request as HTTP/1.1 with Upgrade: h2c, answered 101 and then (as
        // stream 1) in HTTP/2; the second as an HTTP/2 stream
        s.add(new Sent(http(WEB, "GET", "/?h2=upgrade", 101), B_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/?h2=upgrade", 200), B_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/h2-upgrade-missing", 404), B_TO_C));
        s.add(new Sent(http(WEB, "GET", "/?h2=curl-upgrade", 101), A_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/?h2=curl-upgrade", 200), A_TO_C));
        s.add(new Sent(http2(WEB, "GET", "/h2-curl-missing", 404), A_TO_C));
        // curl --http2-prior-knowledge over IPv6
        s.add(new Sent(http2(WEB6, "GET", "/?h2=curl-prior6", 200), B_TO_C));
        for (String command : List.of("SET", "GET", "PING", "INCR")) {
            s.add(new Sent("redis " + DNS + " " + command, B_TO_D));
        }
        s.add(new Sent(dns("web.lab", 1, "0"), A_TO_D));
        s.add(new Sent(dns("redis.lab", 28, "0"), A_TO_D));
        s.add(new Sent(dns("lab", 16, "0"), B_TO_D));
        // dnsmasq has no upstream: an error rcode (which one is dnsmasq's choice)
        s.add(new Sent(dns("nowhere.invalid", 1, "error"), B_TO_D));
        // over the VXLAN node link
        s.add(new Sent(http(WEB_VXLAN, "GET", "/?via=vxlan", 200), B_TO_C_VXLAN));
        s.add(new Sent(http(WEB6_VXLAN, "GET", "/?via=vxlan6", 200), B_TO_C_VXLAN));
        s.add(new Sent("dns " + DNS_VXLAN + " web-vxlan.lab type 1 rcode 0", A_TO_D_VXLAN));
        s.add(new Sent("redis " + DNS_VXLAN + " PING", B_TO_D_VXLAN));
        return s;
    }

    private static String http(String server, String method, String pathAndQuery, int status) {
        return "http " + normal(server) + " " + method + " " + pathAndQuery + " " + status;
    }

    private static String http2(String server, String method, String pathAndQuery, int status) {
        return "http2 " + normal(server) + " " + method + " " + pathAndQuery + " " + status;
    }

    private static String dns(String name, int type, String rcode) {
        return "dns " + DNS + " " + name + " type " + type + " rcode " + rcode;
    }

    private static String normal(String address) {
        try {
            return io.netsieve.core.packet.IpAddressText.of(InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    /** What a record says, in the form of {@link #sent()}. */
    private static String describe(L7Log log) {
        String server = normal(log.serverIp());
        if (log.http() != null) {
            HttpInfo h = log.http();
            String query = h.query() == null || h.query().isEmpty() ? "" : "?" + h.query();
            return ("HTTP/2".equals(h.version()) ? "http2 " : "http ") + server + " " + h.method() + " " + h.path()
                    + query + " " + h.statusCode();
        }
        if (log.dns() != null) {
            DnsInfo d = log.dns();
            String name = d.queryName().endsWith(".") ? d.queryName().substring(0, d.queryName().length() - 1)
                    : d.queryName();
            return "dns " + server + " " + name + " type " + d.queryType() + " rcode "
                    + (d.rcode() == 0 ? "0" : "error");
        }
        String command = log.attributes().get("redis_command");
        return command != null ? "redis " + server + " " + command.toUpperCase(java.util.Locale.ROOT) : "other";
    }

    @Test
    void everyRequestTheLabSentIsFoundOnEveryCapturePointOfItsPath() throws Exception {
        Lab lab = Lab.shared();
        Map<String, Set<String>> seen = new HashMap<>();
        for (Sent s : sent()) {
            for (String nic : s.path()) {
                if (!seen.containsKey(nic)) {
                    Path file = lab.dir().resolve(nic + ".pcap");
                    Set<String> found = new HashSet<>();
                    if (Files.exists(file)) {
                        for (L7Log log : Captures.run(file).logs()) {
                            found.add(describe(log));
                        }
                    }
                    seen.put(nic, found);
                }
            }
        }
        List<String> missing = new ArrayList<>();
        int checks = 0;
        for (Sent s : sent()) {
            for (String nic : s.path()) {
                checks++;
                if (!seen.get(nic).contains(s.what())) {
                    missing.add(s.what() + " on " + nic);
                }
            }
        }
        System.out.println("[l7 lab] " + sent().size() + " requests the lab sent, " + checks
                + " (request, capture point) pairs on their paths, " + missing.size() + " missing");
        assertEquals(List.of(), missing, "found on those capture points: " + seen);
    }
}
