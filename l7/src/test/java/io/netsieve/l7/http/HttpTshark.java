package io.netsieve.l7.http;

import io.netsieve.core.testing.Tshark;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP exchanges as tshark pairs them ({@code -Y http.request} / {@code http.response}: method, URI, code,
 * {@code http.time}) and as netsieve does, in one comparable text form per exchange:
 * {@code client -> server METHOD uri => code}, with "none" for a missing side.
 */
final class HttpTshark {
    private HttpTshark() {
    }

    /** Exchanges per tshark, and tshark's {@code http.time} (ns) by exchange text. */
    record Expected(List<String> exchanges, Map<String, List<Long>> times) {
    }

    static Expected tshark(Path file, String... extra) throws Exception {
        List<String> fields = List.of("frame.number", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
                "tcp.dstport", "http.request.method", "http.request.uri", "http.response.code", "http.time",
                "http.request_in", "http.response_in");
        String[] args = new String[extra.length + 2];
        System.arraycopy(extra, 0, args, 0, extra.length);
        args[extra.length] = "-Y";
        args[extra.length + 1] = "http.request || http.response";
        Tshark.Result r = Tshark.fields(file, fields, args);
        // tshark's single pass fills http.request_in on responses only: index responses by their request's frame
        Map<String, String[]> responseTo = new HashMap<>();
        for (String[] row : r.rows()) {
            if (!row[11].isEmpty()) {
                responseTo.put(first(row[11]), row);
            }
        }
        List<String> exchanges = new ArrayList<>();
        Map<String, List<Long>> times = new HashMap<>();
        for (String[] row : r.rows()) {
            boolean request = !row[7].isEmpty();
            String src = ip(row[1], row[2]) + ":" + row[3];
            String dst = ip(row[4], row[5]) + ":" + row[6];
            if (request) {
                String[] resp = responseTo.get(row[0]);
                String code = resp == null ? "none" : first(resp[9]);
                String text = src + " -> " + dst + " " + first(row[7]) + " " + uri(first(row[8])) + " => " + code;
                exchanges.add(text);
                if (resp != null && !resp[10].isEmpty()) {
                    times.computeIfAbsent(text, k -> new ArrayList<>()).add(Tshark.epochNanos(first(resp[10])));
                }
            } else if (row[11].isEmpty()) {
                exchanges.add(dst + " -> " + src + " none none => " + first(row[9]));
            }
        }
        return new Expected(exchanges, times);
    }

    static String text(L7Log log) {
        String code = log.status() == L7Status.NO_RESPONSE ? "none" : String.valueOf(log.http().statusCode());
        String uri = log.http().method() == null ? "none" : log.http().path()
                + (log.http().query() == null ? "" : "?" + log.http().query());
        return log.clientIp() + ":" + log.clientPort() + " -> " + log.serverIp() + ":" + log.serverPort() + " "
                + (log.http().method() == null ? "none" : log.http().method()) + " " + uri + " => " + code;
    }

    /** tshark's URI with an absolute form reduced to the path, as the record stores it. */
    static String uri(String u) {
        int scheme = u.indexOf("://");
        if (scheme > 0 && scheme < 8) {
            int slash = u.indexOf('/', scheme + 3);
            u = slash < 0 ? "/" : u.substring(slash);
        }
        int hash = u.indexOf('#');
        return hash < 0 ? u : u.substring(0, hash);
    }

    private static String first(String s) {
        int comma = s.indexOf(',');
        return comma < 0 ? s : s.substring(0, comma);
    }

    /**
     * The packet's innermost address: tshark lists every IP layer's (a VXLAN frame has the underlay's first), and an
     * IPv6 address over the lab's IPv4 underlay is the inner one.
     */
    private static String ip(String v4, String v6) throws Exception {
        String all = v6.isEmpty() ? v4 : v6;
        return io.netsieve.core.packet.IpAddressText.of(InetAddress.getByName(all.substring(all.lastIndexOf(',') + 1)));
    }
}
