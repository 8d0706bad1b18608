package io.netsieve.l7.redis;

import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l7.Captures;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis commands against tshark's RESP dissector (command arrays: {@code resp.array.length} and the bulk strings
 * that follow, per client frame) and tcpdump's RESP printer (inline commands, which tshark does not decode): per
 * connection, the commands in order with their argument counts, each answered.
 */
class RedisCorpusTest {

    /** Commands per client port as tshark decodes them, for connections whose client frames it decodes. */
    static Map<String, List<String>> tsharkCommands(Path file) throws IOException, InterruptedException {
        Map<String, List<String>> byClient = new LinkedHashMap<>();
        for (String[] r : Tshark.fields(file, List.of("tcp.srcport", "tcp.dstport", "resp.array.length",
                "resp.bulk_string.value"), "-Y", "resp && tcp.dstport == 6379").rows()) {
            if (r[2].isEmpty()) {
                continue; // an inline command: not decoded by tshark
            }
            String[] lengths = r[2].split(",");
            String[] bulks = r[3].split(",");
            int at = 0;
            for (String l : lengths) {
                int n = Integer.parseInt(l);
                String name = new String(HexFormat.of().parseHex(bulks[at]), StandardCharsets.ISO_8859_1);
                byClient.computeIfAbsent(r[0], k -> new ArrayList<>())
                        .add(name.toUpperCase(Locale.ROOT) + " " + (n - 1));
                at += n;
            }
        }
        return byClient;
    }

    static Map<String, List<String>> ours(List<L7Log> logs) {
        Map<String, List<String>> byClient = new LinkedHashMap<>();
        for (L7Log l : logs) {
            if (!"redis".equals(l.l7Proto())) {
                continue;
            }
            assertEquals(L7Status.OK, l.status(), l.toString());
            byClient.computeIfAbsent(String.valueOf(l.clientPort()), k -> new ArrayList<>())
                    .add(l.attributes().get("redis_command") + " " + l.attributes().get("redis_args"));
        }
        return byClient;
    }

    @Test
    void benchmarkCommandsAndRepliesMatchTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve("resp_1_benchmark.pcap");
        Map<String, List<String>> expected = tsharkCommands(file);
        Captures.Run run = Captures.run(file);
        Map<String, List<String>> ours = ours(run.logs());
        assertEquals(14, expected.size());
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            assertEquals(e.getValue(), ours.get(e.getKey()), "client port " + e.getKey());
        }
        // reply types, one reply per connection: tshark's string / integer / bulk / array fields
        Map<String, String> replyType = new LinkedHashMap<>();
        for (String[] r : Tshark.fields(file, List.of("tcp.dstport", "resp.array.length", "resp.bulk_string.value",
                "resp.string", "resp.error", "resp.integer"), "-Y", "resp && tcp.srcport == 6379").rows()) {
            replyType.put(r[0], !r[1].isEmpty() ? "array" : !r[2].isEmpty() ? "bulk_string"
                    : !r[3].isEmpty() ? "simple_string" : !r[4].isEmpty() ? "error" : "integer");
        }
        int compared = 0;
        for (L7Log l : run.logs()) {
            String want = replyType.get(String.valueOf(l.clientPort()));
            assertEquals(want, l.attributes().get("redis_reply_type"), l.toString());
            assertTrue(l.latencyNanos() >= 0);
            compared++;
        }
        assertEquals(15, compared, "14 command arrays and one inline PING");
        System.out.println("[redis] resp_1_benchmark.pcap: " + compared + " commands and reply types as tshark; "
                + run.stats());
    }

    /** tcpdump prints each inline command of a client segment as one quoted string. */
    @Test
    void inlineCommandsMatchTcpdump() throws Exception {
        Prerequisites.requireCommand("tcpdump");
        Path file = Prerequisites.tcpdumpCorpus().resolve("resp_2_inline.pcap");
        Process p = new ProcessBuilder("tcpdump", "-nr", file.toString(), "dst port 6379").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        List<String> expected = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(out);
        while (m.find()) {
            String[] words = m.group(1).trim().split(" +");
            expected.add(words[0].toUpperCase(Locale.ROOT) + " " + (words.length - 1));
        }
        Captures.Run run = Captures.run(file);
        Map<String, List<String>> ours = ours(run.logs());
        assertEquals(1, ours.size());
        assertEquals(12, expected.size()); // 1 + 10 pipelined + 1
        assertEquals(expected, ours.values().iterator().next());
        System.out.println("[redis] resp_2_inline.pcap: " + expected.size() + " inline commands as tcpdump");
    }

    @Test
    void labCommandsMatchTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        Lab lab = Lab.shared();
        List<Path> files;
        try (Stream<Path> s = Files.list(lab.dir())) {
            files = s.filter(f -> f.toString().endsWith(".pcap")).sorted().toList();
        }
        int commands = 0;
        for (Path f : files) {
            Map<String, List<String>> expected = tsharkCommands(f);
            Map<String, List<String>> ours = ours(Captures.run(f).logs());
            assertEquals(expected, ours, f.getFileName().toString());
            commands += expected.values().stream().mapToInt(List::size).sum();
        }
        assertFalse(commands == 0, "the lab's redis-cli commands");
        System.out.println("[redis] lab: " + commands + " commands on " + files.size() + " captures as tshark");
    }
}
