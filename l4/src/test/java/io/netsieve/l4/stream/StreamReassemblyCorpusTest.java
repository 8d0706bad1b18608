package io.netsieve.l4.stream;

import io.netsieve.l4.Replay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.testing.ExternalCommand;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Reassembled TCP streams of every TCP capture of the corpus and of the bundled lab capture set, compared byte for
 * byte with tshark's follow-stream output ({@code -z follow,tcp,raw,N}) for each connection and direction where we
 * report no hole.
 */
class StreamReassemblyCorpusTest {
    private static final int MAX_STREAMS_PER_FILE = 64;

    /** Captures whose TCP the decoder cannot reach by design (as in L4TrackerCorpusTest). */
    private static final Map<String, String> NOT_COMPARED = Map.of(
            "AH-IPcomp-IPv4.pcap", "TCP inside IPComp / IP-in-IP (not decapsulated)",
            "AH-IPcomp-IPv6.pcap", "TCP inside IPComp / IP-in-IP (not decapsulated)",
            "arcnet-rfc1051-arp-icmp-http.pcap", "ARCnet link type not supported",
            "arcnet-rfc1201-arp-icmp-http.pcap", "ARCnet link type not supported",
            "http_PPI.pcap", "PPI/802.11 link type not supported",
            "geneve.pcap", "each direction travels in its own Geneve VNI; flows are keyed by the segment, so these are "
                    + "two one-way flows, not tshark's one stream",
            "bigtcp-ipv6-hbh.pcap", "IPv6 jumbograms (BIG TCP): tshark's follow sees no payload, we deliver 160 000 "
                    + "bytes");

    /** One connection as our handler saw it. */
    static final class Recorded implements StreamHandler {
        final StreamInfo info;
        final ByteArrayOutputStream[] bytes = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        final long[] gaps = new long[2];
        final boolean[] ended = new boolean[2];
        boolean closed;
        /** The seq each direction's next delivery or gap must start at, -1 before the first. */
        final long[] expectedSeq = {-1, -1};

        Recorded(StreamInfo info) {
            this.info = info;
        }

        @Override
        public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
            // sequence numbers must continue where the last delivery or hole ended
            long expected = expectedSeq[direction];
            if (expected >= 0 && expected != seq) {
                throw new AssertionError("direction " + direction + " jumped from " + expected + " to " + seq);
            }
            byte[] b = new byte[length];
            data.get(offset, b);
            bytes[direction].writeBytes(b);
            expectedSeq[direction] = (seq + length) & 0xffffffffL;
        }

        @Override
        public void onGap(int direction, long seq, long length, long ts) {
            gaps[direction] += length;
            expectedSeq[direction] = (seq + length) & 0xffffffffL;
        }

        @Override
        public void onEnd(int direction, long ts) {
            ended[direction] = true;
        }

        @Override
        public void onClose(long ts) {
            closed = true;
        }
    }

    @TestFactory
    Stream<DynamicTest> streamsMatchTsharkFollow() throws Exception {
        Prerequisites.requireCommand("tshark");
        List<Path> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>(List.of(Prerequisites.tcpdumpCorpus(),
                Prerequisites.libpcapCorpus().resolve("filter")));
        Path demo = Prerequisites.repositoryRoot().resolve("examples/src/main/resources/demo");
        if (Files.isDirectory(demo)) {
            dirs.add(demo);
        }
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                        .forEach(files::add);
            }
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> compare(f)));
    }

    private static void compare(Path file) throws Exception {
        String name = file.getFileName().toString();
        if (NOT_COMPARED.containsKey(name)) {
            System.out.println("[streams] not compared: " + name + ": " + NOT_COMPARED.get(name));
            return;
        }
        List<Recorded> connections = new ArrayList<>();
        // tshark has no timeouts: neither do we here, so that a connection idle for minutes stays one stream
        java.time.Duration never = java.time.Duration.ofDays(3650);
        L4Config noTimeouts = L4Config.builder().chunkIdle(never).chunkMaxSpan(never).tcpIdleTimeout(never)
                .udpIdleTimeout(never).timeWaitTimeout(never).build();
        L4Tracker tracker = L4Tracker.builder().config(noTimeouts).listener(log -> { })
                .streams(info -> {
                    Recorded r = new Recorded(info);
                    connections.add(r);
                    return r;
                }).build();
        Replay.replay(tracker, file, 0, true);
        if (connections.isEmpty()) {
            return;
        }
        StreamStats stats = tracker.streamStats();
        assertEquals(0, stats.handlerFailures(), "handler failures (sequence continuity broken?)");
        int n = Math.min(connections.size(), MAX_STREAMS_PER_FILE);
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString(), "-q"));
        for (int i = 0; i < n; i++) {
            cmd.add("-z");
            cmd.add("follow,tcp,raw," + i);
        }
        String out = ExternalCommand.run(120, cmd);
        Map<Integer, String[]> follows = parseFollow(out);
        // match tshark's streams to our connections by their endpoints (in order of appearance for a reused pair):
        // stream numbers can differ where tshark numbers packets we do not track (malformed headers)
        Map<String, java.util.ArrayDeque<String[]>> byPair = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            String[] f = follows.get(i);
            if (f != null && f[0] != null && !f[0].startsWith(":")) {
                byPair.computeIfAbsent(pair(f[0], f[1]), k -> new java.util.ArrayDeque<>()).add(f);
            }
        }
        int compared = 0;
        int withHoles = 0;
        int sameAddress = 0;
        for (int i = 0; i < n; i++) {
            Recorded r = connections.get(i);
            assertTrue(r.closed, "connection " + i + " was never closed");
            String client = endpoint(r.info.clientIp(), r.info.clientPort());
            String server = endpoint(r.info.serverIp(), r.info.serverPort());
            java.util.ArrayDeque<String[]> q = byPair.get(pair(client, server));
            String[] f = q == null ? null : q.poll();
            if (f == null) {
                continue;
            }
            boolean node0IsClient = normal(f[0]).equals(client);
            String c2s = node0IsClient ? f[2] : f[3];
            String s2c = node0IsClient ? f[3] : f[2];
            if (r.info.clientIp().equals(r.info.serverIp())) {
                // both ends on one address (loopback): tshark's follow tells its two nodes apart by address only,
                // files segments under the wrong node and then drops them as out of sequence (of13_ericsson:
                // 200 of 552 bytes missing), so it is no oracle here
                sameAddress++;
                continue;
            }
            for (int dir = 0; dir < 2; dir++) {
                if (r.gaps[dir] > 0) {
                    withHoles++;
                    continue;
                }
                String ours = HexFormat.of().formatHex(r.bytes[dir].toByteArray());
                String theirs = dir == 0 ? c2s : s2c;
                assertEquals(theirs.length() / 2, ours.length() / 2, name + " connection " + i + " direction " + dir
                        + " (" + client + " -> " + server + "): byte count");
                assertEquals(theirs, ours, name + " connection " + i + " direction " + dir + ": bytes");
                compared++;
            }
        }
        System.out.printf("[streams] %s: %d connections, %d directions equal to tshark's follow, %d with holes "
                + "(%d bytes missed) and %d loopback connections not compared%n", name, connections.size(), compared,
                withHoles, stats.missedBytes(), sameAddress);
    }

    /** ip:port with the address in canonical form (IPv6 compressed, in brackets). */
    private static String endpoint(String ip, int port) {
        return normal((ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port);
    }

    /** An endpoint as address bytes (hex) and port, so that IPv6 spellings compare equal. */
    private static String normal(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        String ip = endpoint.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return HexFormat.of().formatHex(java.net.InetAddress.getByName(ip).getAddress()) + endpoint.substring(colon);
        } catch (java.net.UnknownHostException e) {
            return endpoint;
        }
    }

    private static String pair(String a, String b) {
        String x = normal(a);
        String y = normal(b);
        return x.compareTo(y) < 0 ? x + "|" + y : y + "|" + x;
    }

    /**
     * Parses tshark's follow,tcp,raw blocks (printed in no particular order: keyed by the "Filter: tcp.stream eq N"
     * line): node endpoints and the hex of each direction.
     */
    static Map<Integer, String[]> parseFollow(String out) {
        Map<Integer, String[]> blocks = new java.util.HashMap<>();
        int index = -1;
        String[] cur = null;
        StringBuilder a = null;
        StringBuilder b = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("Follow: tcp,raw")) {
                if (cur != null) {
                    cur[2] = a.toString();
                    cur[3] = b.toString();
                    blocks.put(index, cur);
                }
                cur = new String[4];
                a = new StringBuilder();
                b = new StringBuilder();
            } else if (cur == null) {
                continue;
            } else if (line.startsWith("Filter: tcp.stream eq ")) {
                index = Integer.parseInt(line.substring(22).strip());
            } else if (line.startsWith("Node 0: ")) {
                cur[0] = line.substring(8).strip();
            } else if (line.startsWith("Node 1: ")) {
                cur[1] = line.substring(8).strip();
            } else if (line.startsWith("\t")) {
                b.append(line.strip());
            } else if (!line.isBlank() && line.matches("[0-9a-f]+")) {
                a.append(line.strip());
            }
        }
        if (cur != null) {
            cur[2] = a.toString();
            cur[3] = b.toString();
            blocks.put(index, cur);
        }
        return blocks;
    }
}
