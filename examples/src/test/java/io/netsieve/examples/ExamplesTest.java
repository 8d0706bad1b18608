package io.netsieve.examples;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable examples, run on the bundled demo captures, against tcpdump and tshark on the same files.
 */
class ExamplesTest {
    private static final Path DEMO = Path.of("src/main/resources/demo");
    private static final Path POD_A = DEMO.resolve("pod-a-eth0.pcap");

    /** What {@code main} printed. */
    private interface Main {
        void run(String[] args) throws Exception;
    }

    private static List<String> run(Main main, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static List<String> command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command));
        return lines;
    }

    @Test
    void filterExamplePrintsTcpdumpsProgramAndAcceptsTcpdumpsPackets() throws Exception {
        Prerequisites.requireCommand("tcpdump");
        String expr = "tcp port 8080 and greater 100";
        List<String> out = run(FilterExample::main, POD_A.toString(), expr);
        List<String> program = command("tcpdump", "-r", POD_A.toString(), "-d", expr);
        assertEquals(program, out.subList(0, program.size()));
        long accepted = command("tcpdump", "-nn", "-r", POD_A.toString(), expr).size();
        assertTrue(accepted > 0);
        List<String> packets = out.subList(program.size(), out.size() - 1);
        assertEquals(accepted, packets.size());
        assertTrue(out.get(out.size() - 1).startsWith(accepted + " of "), out.get(out.size() - 1));
    }

    @Test
    void l4ExampleListsTsharksConnectionsWithTheirPackets() throws Exception {
        List<String> out = run(L4LogsExample::main, POD_A.toString());
        // per TCP connection (sorted endpoints), packets summed over its chunks
        Map<String, Long> ours = new TreeMap<>();
        for (String line : out) {
            if (line.startsWith("tcp ")) {
                String[] f = line.split(" ");
                String a = endpoint(f[1]);
                String b = endpoint(f[3]);
                String key = a.compareTo(b) < 0 ? a + " " + b : b + " " + a;
                ours.merge(key, Long.parseLong(f[5]) + Long.parseLong(f[9]), Long::sum); // "tx N pkts/.. rx N pkts/.."
            }
        }
        Map<String, Long> tshark = new TreeMap<>();
        for (String[] r : Tshark.fields(POD_A, List.of("ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
                "tcp.dstport"), "-Y", "tcp").rows()) {
            String a = endpoint(r[0] + r[1] + ":" + r[2]);
            String b = endpoint(r[3] + r[4] + ":" + r[5]);
            tshark.merge(a.compareTo(b) < 0 ? a + " " + b : b + " " + a, 1L, Long::sum);
        }
        assertTrue(tshark.size() > 5, tshark.toString());
        assertEquals(tshark, ours);
    }

    /** "address:port" with the address in one form whatever its text (IPv6 compressed or not). */
    private static String endpoint(String text) throws Exception {
        int colon = text.lastIndexOf(':');
        return java.net.InetAddress.getByName(text.substring(0, colon)).getHostAddress() + text.substring(colon);
    }

    @Test
    void l7ExampleListsTsharksHttpExchanges() throws Exception {
        List<String> out = run(L7LogsExample::main, POD_A.toString());
        List<String> ours = new ArrayList<>();
        for (String line : out) {
            if (line.startsWith("http ") && line.contains(" -> ")) {
                // "http c -> s GET /path -> 200 [..]": the path and the status
                String[] f = line.split(" ");
                ours.add(f[5] + " " + f[7]);
            }
        }
        List<String> tshark = new ArrayList<>();
        for (String[] r : Tshark.fields(POD_A, List.of("http.response_for.uri", "http.response.code"), "-Y",
                "http.response").rows()) {
            tshark.add(r[0].replaceFirst("^http://[^/]*", "") + " " + r[1]);
        }
        assertTrue(tshark.size() >= 5, tshark.toString());
        assertEquals(tshark.stream().sorted().toList(), ours.stream().sorted().toList());
    }

    @Test
    void netSieveExampleFollowsExchangesAndFindsTheDemosFailures() throws Exception {
        List<String> out = run(NetSieveExample::main, DEMO.resolve("captures.tsv").toString());
        List<String> paths = out.stream().filter(l -> l.startsWith("path ")).toList();
        // an exchange of pod-a with pod-c on node2 crosses 8 capture points
        assertTrue(paths.stream().anyMatch(l -> l.startsWith("path GET /") && l.contains("pod-a")
                && l.contains("pod-c") && l.split(" -> ").length == 8), String.join("\n", paths));
        Map<String, Long> kinds = out.stream().filter(l -> l.startsWith("finding "))
                .map(l -> l.split(" ")[2].replace(":", "")).collect(Collectors.groupingBy(k -> k, TreeMap::new,
                        Collectors.counting()));
        // the failures the demo lab made (see FindingsDemoTest): the refused and the timed-out connection, the 500,
        // two 404s, the DNS REFUSED, the SNAT
        assertEquals(Map.of("connection_timeout", 1L, "connection_refused", 1L, "http_5xx", 1L, "http_4xx", 2L,
                "dns_failure", 1L, "nat_in_path", 1L), kinds);
        assertTrue(out.get(out.size() - 1).contains(" packets, "), out.get(out.size() - 1));
    }
}
