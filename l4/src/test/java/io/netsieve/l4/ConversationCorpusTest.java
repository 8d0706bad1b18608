package io.netsieve.l4;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Conversations per direction, TCP and UDP, on every capture of the corpus, against tshark's conversations (the
 * {@code tcp.stream} / {@code udp.stream} tables behind {@code -z conv,tcp} and {@code -z conv,udp}): for every
 * conversation, each endpoint ({@code ip:port}) with the packets it sent and their payload bytes. Read per packet
 * (not from the {@code conv} text, which rounds bytes to kB), so the comparison is exact.
 */
class ConversationCorpusTest {

    @TestFactory
    Stream<DynamicTest> conversationsPerDirectionMatchTshark() throws IOException {
        return CorpusCaptures.eachAgainstTshark(f -> compare(f));
    }

    private static String endpoint(String ip, String port) {
        try {
            return InetAddress.getByName(ip).getHostAddress() + ":" + port;
        } catch (IOException e) {
            throw new IllegalStateException("bad address '" + ip + "'", e);
        }
    }

    private static void compare(Path file) throws Exception {
        String name = file.getFileName().toString();
        if (CorpusCaptures.NOT_DECODED.containsKey(name)) {
            System.out.println("[l4 conv] not compared: " + name + ": " + CorpusCaptures.NOT_DECODED.get(name));
            return;
        }
        // frames our decoder calls malformed are not tracked; IP fragments are reassembled by both (tshark counts a
        // datagram on its last fragment, as the tracker does)
        Set<String> skipped = new HashSet<>();
        PacketDecoder probe = new PacketDecoder();
        DecodedPacket probed = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            int n = 0;
            while (reader.next(view)) {
                n++;
                if (probe.decode(view, probed) == DecodeOutcome.MALFORMED
                        && probed.malformedReason() != MalformedReason.TCP_BAD_OPTION) {
                    skipped.add(Integer.toString(n));
                }
            }
        } catch (CaptureFileException e) {
            // damaged file: compare what was read
        }
        Tshark.Result t = Tshark.fields(file, List.of("frame.number", "tcp.stream", "udp.stream", "ip.src", "ipv6.src",
                "tcp.srcport", "udp.srcport", "tcp.len", "udp.length", "vxlan.vni", "geneve.vni", "frame.protocols"),
                "-Y", "(tcp or udp) and not icmp and not icmpv6");
        if (t.error() != null && t.error().contains("unknown or unsupported")) {
            return;
        }
        // conversation -> endpoint -> {packets, bytes}
        Map<String, Map<String, long[]>> theirs = new HashMap<>();
        for (String[] row : t.rows()) {
            String[] r = java.util.Arrays.copyOf(row, 12);
            for (int i = 0; i < r.length; i++) {
                r[i] = r[i] == null ? "" : r[i];
            }
            boolean tcp = !r[1].isEmpty();
            String stream = tcp ? r[1] : r[2];
            String ip = !r[3].isEmpty() ? r[3] : r[4];
            String port = tcp ? r[5] : r[6];
            // A payload that carries a packet (OpenFlow packet-in) adds inner values after the outer ones: the
            // first values are the flow's. IP inside IP before the transport (not decapsulated by the decoder) is
            // left out.
            int ipLayers = 0;
            String firstIp = "";
            for (String proto : r[11].split(":")) {
                if (proto.equals("tcp") || proto.equals("udp")) {
                    break;
                }
                if (proto.equals("ip") || proto.equals("ipv6")) {
                    ipLayers++;
                    firstIp = firstIp.isEmpty() ? proto : firstIp;
                }
            }
            if (ipLayers != 1) {
                continue;
            }
            ip = (firstIp.equals("ip") ? r[3] : r[4]).split(",")[0];
            port = port.split(",")[0];
            if (stream.isEmpty() || stream.contains(",") || skipped.contains(r[0]) || !r[9].isEmpty() || !r[10].isEmpty()
                    ) {
                // tunnels (two layers of ports), malformed frames: not compared here
                continue;
            }
            long bytes = tcp ? Long.parseLong(r[7].split(",")[0])
                    : Math.max(0, Long.parseLong(r[8].split(",")[0]) - 8);
            long[] c = theirs.computeIfAbsent((tcp ? "tcp" : "udp") + stream, k -> new TreeMap<>())
                    .computeIfAbsent(endpoint(ip, port), k -> new long[2]);
            c[0]++;
            c[1] += bytes;
        }
        if (theirs.isEmpty()) {
            return;
        }
        Map<String, Map<String, long[]>> ours = new HashMap<>();
        Duration never = Duration.ofDays(3650);
        L4Config noTimeouts = L4Config.builder().chunkIdle(never).chunkMaxSpan(never).tcpIdleTimeout(never)
                .udpIdleTimeout(never).timeWaitTimeout(never).build();
        L4Tracker tracker = L4Tracker.builder().config(noTimeouts).listener(log -> {
            if (log.vni() >= 0) {
                return; // flows inside VXLAN/GENEVE: tshark's rows for them were left out above
            }
            Map<String, long[]> conv = ours.computeIfAbsent(log.l4Proto() + log.innerTraceId(), k -> new TreeMap<>());
            long[] src = conv.computeIfAbsent(endpoint(log.srcIp(), Integer.toString(log.srcPort())), k -> new long[2]);
            src[0] += log.txPackets();
            src[1] += log.txBytes();
            long[] dst = conv.computeIfAbsent(endpoint(log.dstIp(), Integer.toString(log.dstPort())), k -> new long[2]);
            dst[0] += log.rxPackets();
            dst[1] += log.rxBytes();
        }).build();
        Replay.replay(tracker, file, 0, true);
        Map<String, Integer> expected = histogram(theirs);
        Map<String, Integer> actual = histogram(ours);
        System.out.println("[l4 conv] " + name + ": " + theirs.size() + " conversations in tshark, " + ours.size()
                + " in netsieve");
        if (!expected.equals(actual)) {
            Map<String, Integer> onlyTheirs = new TreeMap<>(expected);
            actual.forEach((k, v) -> onlyTheirs.merge(k, -v, Integer::sum));
            onlyTheirs.values().removeIf(v -> v == 0);
            assertEquals(Map.of(), onlyTheirs, name + ": conversations per direction (positive: tshark's only, "
                    + "negative: ours only)");
        }
    }

    /** Multiset of conversations, each written as its endpoints with packets/bytes sent (zero-packet sides kept). */
    private static Map<String, Integer> histogram(Map<String, Map<String, long[]>> conversations) {
        Map<String, Integer> h = new TreeMap<>();
        for (Map.Entry<String, Map<String, long[]>> conv : conversations.entrySet()) {
            StringBuilder sb = new StringBuilder(conv.getKey().substring(0, 3)).append(' ');
            for (Map.Entry<String, long[]> e : conv.getValue().entrySet()) {
                if (e.getValue()[0] > 0) {
                    sb.append(e.getKey()).append('=').append(e.getValue()[0]).append("p/").append(e.getValue()[1])
                            .append("B ");
                }
            }
            h.merge(sb.toString().trim(), 1, Integer::sum);
        }
        return h;
    }
}
