package io.netsieve.l7.http2;

import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l7.Captures;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 over cleartext recorded in the namespace lab (lab/netsieve-lab.sh: nghttpx on pod-c :80 in front of the
 * lab's HTTP/1.1 server; nghttp and curl on pod-a and pod-b, with prior knowledge and with the HTTP/1.1
 * {@code Upgrade: h2c}) against tshark, on every capture point of the lab:
 * <ul>
 * <li>per TCP connection, the set of (stream id, :method, :path, :status) is tshark's: its
 * {@code http2.streamid} and {@code http2.header.name/value} of the HEADERS frames (PDML), with the h2c port decoded
 * as HTTP so that tshark follows both the prior-knowledge preface and the Upgrade itself; the upgrade request is
 * stream 1 (RFC 9113 §3.2), its method and path those of tshark's {@code http.request};</li>
 * <li>every h2c request the lab's clients sent (the list below, from the script's client lines; statuses from
 * lab/http_server.py behind the proxy) is found by tshark and by us on every capture point of its path, the
 * requests of one client invocation on one connection, an upgrade's request as stream 1 after an HTTP/1.1 101.</li>
 * </ul>
 */
class Http2LabTest {
    private static final List<String> A_TO_C = List.of("pod-a-eth0", "node1-veth-a", "node1-br0", "node1-eth0",
            "node2-eth0", "node2-br0", "node2-veth-c", "pod-c-eth0");
    private static final List<String> B_TO_C = List.of("pod-b-eth0", "node1-veth-b", "node1-br0", "node1-eth0",
            "node2-eth0", "node2-br0", "node2-veth-c", "pod-c-eth0");

    /** One request a client of the lab sent; {@code connection} names the client invocation (one TCP connection). */
    private record Sent(String connection, String client, String server, String method, String path, int status,
                        boolean upgrade, List<String> nics) {
    }

    /** The h2c lines of the lab script's "clients" section. */
    private static List<Sent> sent() {
        String a = "198.18.1.10";
        String b = "198.18.1.11";
        String b6 = "fd00:198:18:1::11";
        String web = "198.18.2.10";
        String web6 = "fd00:198:18:2::10";
        List<Sent> s = new ArrayList<>();
        // nghttp, prior knowledge, four streams on one connection
        s.add(new Sent("nghttp prior knowledge", a, web, "GET", "/?h2=prior", 200, false, A_TO_C));
        s.add(new Sent("nghttp prior knowledge", a, web, "GET", "/chunked?h2=prior", 200, false, A_TO_C));
        s.add(new Sent("nghttp prior knowledge", a, web, "GET", "/error?h2=prior", 500, false, A_TO_C));
        s.add(new Sent("nghttp prior knowledge", a, web, "GET", "/h2-prior-missing", 404, false, A_TO_C));
        // nghttp -u: the first request in the HTTP/1.1 Upgrade, the second as an HTTP/2 stream
        s.add(new Sent("nghttp upgrade", b, web, "GET", "/?h2=upgrade", 200, true, B_TO_C));
        s.add(new Sent("nghttp upgrade", b, web, "GET", "/h2-upgrade-missing", 404, false, B_TO_C));
        // curl --http2: the same with curl
        s.add(new Sent("curl upgrade", a, web, "GET", "/?h2=curl-upgrade", 200, true, A_TO_C));
        s.add(new Sent("curl upgrade", a, web, "GET", "/h2-curl-missing", 404, false, A_TO_C));
        // curl --http2-prior-knowledge over IPv6
        s.add(new Sent("curl prior knowledge IPv6", b6, web6, "GET", "/?h2=curl-prior6", 200, false, B_TO_C));
        return s;
    }

    /** A stream in the comparable form: {@code stream method path status}. */
    private static String stream(String id, String method, String path, String status) {
        return id + " " + method + " " + path + " " + status;
    }

    private static String normal(String address) {
        try {
            return io.netsieve.core.packet.IpAddressText.of(InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    private static String connection(String clientIp, int clientPort, String serverIp, int serverPort) {
        return normal(clientIp) + ":" + clientPort + " -> " + normal(serverIp) + ":" + serverPort;
    }

    /** A capture as seen by one side: per connection, its HTTP/2 streams and its HTTP/1.1 exchanges. */
    private record View(Map<String, Set<String>> streams, Map<String, Set<String>> http1) {
        View() {
            this(new TreeMap<>(), new TreeMap<>());
        }
    }

    @Test
    void streamsOfEveryCapturePointMatchTsharkAndEveryRequestIsFoundOnItsPath() throws Exception {
        Prerequisites.requireCommand("tshark");
        Lab lab = Lab.shared();
        int port = Integer.parseInt(lab.get("H2C_PORT"));
        List<Path> files;
        try (Stream<Path> s = Files.list(lab.dir())) {
            files = s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
        assertEquals(16, files.size(), "the lab's capture points");
        Map<String, View> tshark = new HashMap<>();
        Map<String, View> ours = new HashMap<>();
        int connections = 0;
        int streams = 0;
        int withH2c = 0;
        for (Path file : files) {
            String nic = file.getFileName().toString().replace(".pcap", "");
            View theirs = tshark(file, port);
            View mine = ours(file, port);
            assertEquals(theirs.streams(), mine.streams(), nic + ": HTTP/2 streams per connection");
            tshark.put(nic, theirs);
            ours.put(nic, mine);
            connections += theirs.streams().size();
            streams += theirs.streams().values().stream().mapToInt(Set::size).sum();
            withH2c += theirs.streams().isEmpty() ? 0 : 1;
        }

        // every request sent, on every capture point of its path, in both views
        List<String> missing = new ArrayList<>();
        int checks = 0;
        for (Sent s : sent()) {
            for (String nic : s.nics()) {
                checks++;
                for (Map.Entry<String, View> side : Map.of("tshark", tshark.get(nic), "ours", ours.get(nic))
                        .entrySet()) {
                    String why = find(side.getValue(), s, sent());
                    if (why != null) {
                        missing.add(side.getKey() + " on " + nic + ": " + s.method() + " " + s.path() + " "
                                + s.status() + " (" + s.connection() + "): " + why);
                    }
                }
            }
        }
        System.out.println("[http2 lab] " + files.size() + " capture points (" + withH2c + " with h2c): "
                + connections + " connections, " + streams + " streams as tshark; " + sent().size()
                + " requests sent, " + checks + " (request, capture point) pairs on their paths, " + missing.size()
                + " missing");
        assertEquals(List.of(), missing);
        // and nothing else: as many connections and streams (with HEADERS) as the clients made on each capture point
        Set<String> nics = new TreeSet<>();
        Set<String> invocations = new TreeSet<>();
        for (Sent s : sent()) {
            for (String nic : s.nics()) {
                nics.add(nic);
                invocations.add(nic + " " + s.connection());
            }
        }
        assertEquals(nics.size(), withH2c, "capture points with h2c");
        assertEquals(invocations.size(), connections, "connections on all capture points");
        assertEquals(checks, streams, "streams on all capture points");
    }

    /**
     * Why {@code s} is not in {@code view} (null when it is): a stream with its method, path and status on a
     * connection from its client to its server, on the same connection as the other requests of its invocation; an
     * upgrade's request as stream 1 after an HTTP/1.1 exchange of the same request answered 101.
     */
    private static String find(View view, Sent s, List<Sent> all) {
        String home = null;
        for (Map.Entry<String, Set<String>> c : view.streams().entrySet()) {
            if (!c.getKey().startsWith(normal(s.client()) + ":") || !c.getKey().contains(" -> " + normal(s.server())
                    + ":")) {
                continue;
            }
            for (String st : c.getValue()) {
                String[] f = st.split(" ", 2);
                if (f[1].equals(s.method() + " " + s.path() + " " + s.status())
                        && (!s.upgrade() || f[0].equals("1"))) {
                    if (home != null) {
                        return "on two connections: " + home + " and " + c.getKey();
                    }
                    home = c.getKey();
                }
            }
        }
        if (home == null) {
            return "no such stream; streams: " + view.streams();
        }
        // the other requests of the same invocation are on this connection too
        for (Sent other : all) {
            if (other.connection().equals(s.connection())) {
                boolean there = view.streams().get(home).stream()
                        .anyMatch(st -> st.endsWith(" " + other.method() + " " + other.path() + " " + other.status()));
                if (!there) {
                    return "not on one connection with " + other.path() + ": " + view.streams().get(home);
                }
            }
        }
        if (s.upgrade()) {
            Set<String> h1 = view.http1().getOrDefault(home, Set.of());
            if (!h1.contains(s.method() + " " + s.path() + " 101")) {
                return "no HTTP/1.1 101 for the upgrade request on " + home + ": " + h1;
            }
        }
        return null;
    }

    /** Ours: the HTTP/2 records' stream ids, methods, paths and statuses, and the HTTP/1.x records, on the h2c port. */
    private static View ours(Path file, int port) throws Exception {
        View v = new View();
        for (L7Log log : Captures.run(file).logs()) {
            if (log.http() == null || log.serverPort() != port) {
                continue;
            }
            String c = connection(log.clientIp(), log.clientPort(), log.serverIp(), log.serverPort());
            String path = log.http().path() + (log.http().query() == null ? "" : "?" + log.http().query());
            String status = log.status() == L7Status.OK ? String.valueOf(log.http().statusCode())
                    : log.status() == L7Status.NO_RESPONSE ? "none" : log.status().toString();
            if ("HTTP/2".equals(log.http().version())) {
                v.streams().computeIfAbsent(c, k -> new TreeSet<>()).add(stream(
                        log.attributes().get("http2_stream_id"), log.http().method(), path, status));
            } else {
                v.http1().computeIfAbsent(c, k -> new TreeSet<>()).add(log.http().method() + " " + path + " "
                        + status);
            }
        }
        return v;
    }

    private static final Pattern FIELD = Pattern.compile("<field name=\"([^\"]+)\".*? show=\"([^\"]*)\"");

    /**
     * tshark's view ({@code -d tcp.port==PORT,http}, PDML of the HEADERS frames and the HTTP/1.1 messages): per
     * connection, stream id -> pseudo-headers :method and :path (client's HEADERS) and :status (the first final one
     * of the server's), and the HTTP/1.1 request with its response code.
     */
    private static View tshark(Path file, int port) throws Exception {
        List<String> command = List.of("tshark", "-n", "-r", file.toString(), "-d", "tcp.port==" + port + ",http",
                "-Y", "tcp.port == " + port + " && (http2.type == 1 || http.request || http.response)", "-T", "pdml");
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String xml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark on " + file);
        assertEquals(0, p.exitValue(), "tshark on " + file);
        // per connection: stream id -> pseudo-headers; the HTTP/1.1 request and response code
        Map<String, Map<String, Map<String, String>>> byConnection = new LinkedHashMap<>();
        Map<String, List<String[]>> http1 = new LinkedHashMap<>();
        for (String packet : xml.split("<packet>")) {
            Map<String, String> first = new HashMap<>();
            String id = null;
            String type = null;
            String name = null;
            List<String[]> frames = new ArrayList<>(); // stream id, header name, value
            List<String> methods = new ArrayList<>();
            List<String> uris = new ArrayList<>();
            List<String> codes = new ArrayList<>();
            for (String line : packet.split("\n")) {
                Matcher m = FIELD.matcher(line);
                if (!m.find()) {
                    continue;
                }
                String value = m.group(2).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                        .replace("&apos;", "'").replace("&amp;", "&");
                switch (m.group(1)) {
                    case "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport" ->
                            first.putIfAbsent(m.group(1), value);
                    case "http2.stream" -> {
                        id = null;
                        type = null;
                    }
                    case "http2.streamid" -> id = value;
                    case "http2.type" -> type = value;
                    case "http2.header.name" -> name = value;
                    case "http2.header.value" -> {
                        if ("1".equals(type) && id != null && name != null && name.startsWith(":")) {
                            frames.add(new String[] {id, name, value});
                        }
                        name = null;
                    }
                    case "http.request.method" -> methods.add(value);
                    case "http.request.uri" -> uris.add(value);
                    case "http.response.code" -> codes.add(value);
                    default -> {
                    }
                }
            }
            if (!first.containsKey("tcp.srcport")) {
                continue;
            }
            String src = first.getOrDefault("ip.src", first.get("ipv6.src"));
            String dst = first.getOrDefault("ip.dst", first.get("ipv6.dst"));
            int sport = Integer.parseInt(first.get("tcp.srcport"));
            int dport = Integer.parseInt(first.get("tcp.dstport"));
            String c = dport == port ? connection(src, sport, dst, dport) : connection(dst, dport, src, sport);
            Map<String, Map<String, String>> streams = byConnection.computeIfAbsent(c, k -> new TreeMap<>());
            for (String[] f : frames) {
                Map<String, String> h = streams.computeIfAbsent(f[0], k -> new TreeMap<>());
                boolean informational = f[1].equals(":status") && f[2].startsWith("1");
                if (!informational) {
                    h.putIfAbsent(f[1], f[2]);
                }
            }
            List<String[]> exchanges = http1.computeIfAbsent(c, k -> new ArrayList<>());
            for (int i = 0; i < methods.size(); i++) {
                exchanges.add(new String[] {methods.get(i), uris.get(i), "none"});
            }
            for (String code : codes) { // the oldest request without a response
                exchanges.stream().filter(r -> r[2].equals("none")).findFirst().ifPresent(r -> r[2] = code);
            }
        }
        View v = new View();
        for (Map.Entry<String, Map<String, Map<String, String>>> c : byConnection.entrySet()) {
            String[] upgrade = http1.getOrDefault(c.getKey(), List.of()).stream()
                    .filter(r -> r[2].equals("101")).findFirst().orElse(null);
            for (Map.Entry<String, Map<String, String>> st : c.getValue().entrySet()) {
                Map<String, String> h = st.getValue();
                if (st.getKey().equals("1") && upgrade != null && !h.containsKey(":method")) {
                    h.put(":method", upgrade[0]);
                    h.put(":path", upgrade[1]);
                }
                v.streams().computeIfAbsent(c.getKey(), k -> new TreeSet<>()).add(stream(st.getKey(),
                        h.getOrDefault(":method", "none"), h.getOrDefault(":path", "none"),
                        h.getOrDefault(":status", "none")));
            }
        }
        for (Map.Entry<String, List<String[]>> e : http1.entrySet()) {
            for (String[] r : e.getValue()) {
                v.http1().computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(r[0] + " " + r[1] + " " + r[2]);
            }
        }
        return v;
    }
}
