package io.netsieve.l4;

import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code community_id} of every TCP and UDP record on every corpus capture equals the Community ID v1 tshark's
 * {@code communityid} post-dissector computes for the packets of that flow (tshark 4.0: {@code --enable-protocol
 * communityid}). Packets tshark gives more than one ID (tunnels: outer and inner flow) or none are left out; the
 * count of compared flows is printed.
 */
class CommunityIdCorpusTest {

    @TestFactory
    Stream<DynamicTest> communityIdsMatchTshark() throws IOException {
        return CorpusCaptures.eachAgainstTshark(CommunityIdCorpusTest::compare);
    }

    private static String endpoint(String ip, String port) throws IOException {
        return InetAddress.getByName(ip).getHostAddress() + ":" + port;
    }

    /** The two endpoints of a flow in a fixed order. */
    private static String pair(String x, String y) {
        return x.compareTo(y) <= 0 ? x + " " + y : y + " " + x;
    }

    private static void compare(Path file) throws Exception {
        String name = file.getFileName().toString();
        if (CorpusCaptures.NOT_DECODED.containsKey(name)) {
            return;
        }
        Tshark.Result t = Tshark.fields(file, List.of("ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
                "udp.srcport", "tcp.dstport", "udp.dstport", "communityid"),
                "--enable-protocol", "communityid", "-Y", "(tcp or udp) and not icmp and not icmpv6");
        Map<String, String> expected = new HashMap<>();
        for (String[] r : t.rows()) {
            String id = r[8];
            String src = !r[0].isEmpty() ? r[0] : r[1];
            String dst = !r[2].isEmpty() ? r[2] : r[3];
            String sport = !r[4].isEmpty() ? r[4] : r[5];
            String dport = !r[6].isEmpty() ? r[6] : r[7];
            if (id.isEmpty() || id.contains(",") || src.contains(",") || dst.contains(",") || sport.contains(",")
                    || dport.contains(",") || src.isEmpty() || sport.isEmpty()) {
                continue; // tunnels and ICMP-quoted headers: several layers in one packet
            }
            expected.putIfAbsent(pair(endpoint(src, sport), endpoint(dst, dport)), id);
        }
        List<L4Log> logs = new ArrayList<>();
        Replay.replay(L4Tracker.builder().listener(logs::add).build(), file, 0, true);
        int compared = 0;
        for (L4Log log : logs) {
            String key = pair(endpoint(log.srcIp(), Integer.toString(log.srcPort())),
                    endpoint(log.dstIp(), Integer.toString(log.dstPort())));
            String id = expected.get(key);
            if (id != null && log.vni() < 0) {
                assertEquals(id, log.communityId(), name + " " + key);
                compared++;
            }
        }
        System.out.println("[community id] " + name + ": " + compared + " records compared");
    }
}
