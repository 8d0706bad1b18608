package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.ExternalCommand;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.Transport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieve.Builder#onPayload}: on every capture point of the demo set, the TCP bytes the hook sees per
 * connection and direction are exactly tshark's {@code -z follow,tcp,raw,N} of that connection, and the UDP
 * payloads are tshark's {@code udp.payload}, datagram by datagram in capture order.
 */
class NetSievePayloadHookTest {

    /** {@code ip:port} with the address in Java's numeric form (tshark brackets IPv6). */
    private static String endpoint(String ip, int port) throws Exception {
        return InetAddress.getByName(ip).getHostAddress() + ":" + port;
    }

    private static String endpoint(String tsharkNode) throws Exception {
        int colon = tsharkNode.lastIndexOf(':');
        String ip = tsharkNode.substring(0, colon).replace("[", "").replace("]", "");
        return endpoint(ip, Integer.parseInt(tsharkNode.substring(colon + 1)));
    }

    @Test
    void theHookSeesTsharksFollowedStreamsAndDatagrams() throws Exception {
        Prerequisites.requireCommand("tshark");
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        // per capture point: "sender>receiver" -> bytes, and the UDP payloads in order
        Map<Integer, Map<String, ByteArrayOutputStream>> tcp = new TreeMap<>();
        Map<Integer, List<String>> udp = new TreeMap<>();
        long[] tcpSeq = {0};
        NetSieve.builder().captureSet(set).onPayload((nic, flow, transport, direction, data, offset, length, seq,
                                                      ts) -> {
            byte[] bytes = new byte[length];
            data.get(offset, bytes);
            if (transport == Transport.UDP) {
                assertEquals(-1, seq);
                udp.computeIfAbsent(flow.capturePointId(), k -> new ArrayList<>()).add(HexFormat.of().formatHex(bytes));
                return;
            }
            assertTrue(seq >= 0);
            tcpSeq[0]++;
            String key;
            try {
                key = direction == StreamHandler.CLIENT_TO_SERVER
                        ? endpoint(flow.clientIp(), flow.clientPort()) + ">" + endpoint(flow.serverIp(), flow.serverPort())
                        : endpoint(flow.serverIp(), flow.serverPort()) + ">" + endpoint(flow.clientIp(), flow.clientPort());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            tcp.computeIfAbsent(flow.capturePointId(), k -> new TreeMap<>())
                    .computeIfAbsent(key, k -> new ByteArrayOutputStream()).writeBytes(bytes);
        }).build().run();
        assertTrue(tcpSeq[0] > 100, "payload calls: " + tcpSeq[0]);
        int streams = 0;
        for (CapturePoint p : set.points()) {
            Map<String, String> expected = new TreeMap<>();
            TreeSet<Integer> ids = new TreeSet<>();
            for (String[] row : Tshark.fields(p.file(), List.of("tcp.stream")).rows()) {
                if (!row[0].isEmpty()) {
                    ids.add(Integer.parseInt(row[0]));
                }
            }
            List<String> command = new ArrayList<>(List.of("tshark", "-n", "-q", "-r", p.file().toString()));
            for (int id : ids) {
                command.add("-z");
                command.add("follow,tcp,raw," + id);
            }
            String node0 = null;
            String node1 = null;
            for (String line : ExternalCommand.run(120, command).split("\n")) {
                if (line.startsWith("Node 0: ")) {
                    node0 = endpoint(line.substring(8));
                } else if (line.startsWith("Node 1: ")) {
                    node1 = endpoint(line.substring(8));
                } else if (node1 != null && line.matches("\t?\\p{XDigit}+")) {
                    String key = line.startsWith("\t") ? node1 + ">" + node0 : node0 + ">" + node1;
                    expected.merge(key, line.strip(), String::concat);
                }
            }
            Map<String, String> seen = new TreeMap<>();
            tcp.getOrDefault(p.id(), Map.of()).forEach((k, v) -> {
                if (v.size() > 0) {
                    seen.put(k, HexFormat.of().formatHex(v.toByteArray()));
                }
            });
            assertEquals(expected, seen, p.file() + ": stream bytes per direction");
            streams += ids.size();
            List<String> datagrams = new ArrayList<>();
            for (String[] row : Tshark.fields(p.file(), List.of("udp.payload"), "-Y",
                    "udp and not icmp and not icmpv6").rows()) {
                datagrams.add(row[0]);
            }
            assertEquals(datagrams, udp.getOrDefault(p.id(), List.of()), p.file() + ": UDP payloads");
        }
        assertTrue(streams > 50, "connections compared: " + streams);
    }

    @Test
    void aThrowingHookIsCountedAndL7StillGetsTheBytes() throws Exception {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        RunSummary plain = NetSieve.builder().captureSet(set).build().run();
        RunSummary s = NetSieve.builder().captureSet(set).onPayload((nic, flow, t, d, data, o, l, seq, ts) -> {
            throw new IllegalStateException("hook bug");
        }).build().run();
        assertTrue(s.callbackFailures() > 100, "failures: " + s.callbackFailures());
        assertEquals(plain.metrics().exchanges(), s.metrics().exchanges());
        assertEquals(plain.metrics().exchangesByProtocol(), s.metrics().exchangesByProtocol());
    }
}
