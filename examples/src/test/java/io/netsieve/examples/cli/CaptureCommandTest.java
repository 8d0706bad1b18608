package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code netsieve capture}: an interface that does not exist is a clear error with a non-zero exit; durations parse;
 * and in the lab (root, namespaces) a capture on pod-a's and pod-c's eth0 while the lab's clients run writes the
 * records of pod-a's requests on both NICs and their two-hop paths.
 */
class CaptureCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new NetSieveCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void aMissingInterfaceIsAClearError(@TempDir Path tmp) {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "live capture needs root");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "capture", "-i", "nosuchnic9", "--duration", "1s", "--out", tmp.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("nosuchnic9"), err.toString());
    }

    @Test
    void durationsParse() {
        assertEquals(Duration.ofSeconds(30), CaptureCommand.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(5), CaptureCommand.parseDuration("5m"));
        assertEquals(Duration.ofMillis(250), CaptureCommand.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(90), CaptureCommand.parseDuration("PT1M30S"));
        assertThrows(IllegalArgumentException.class, () -> CaptureCommand.parseDuration("soon"));
    }

    @Test
    void capturesTheLabsRequestsLive(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        String prefix = Lab.up(state);
        try {
            Path out = tmp.resolve("out");
            StringWriter stdout = new StringWriter();
            StringWriter stderr = new StringWriter();
            AtomicInteger code = new AtomicInteger(-1);
            Thread cli = new Thread(() -> code.set(run(stdout, stderr, "capture", "-i", "eth0@" + prefix + "-pod-a",
                    "-i", "eth0@" + prefix + "-pod-c", "--filter", "tcp port 8080", "--duration", "9s",
                    "--host", "lab", "--out", out.toString())));
            cli.start();
            Thread.sleep(1_500); // the capture opens before the clients start
            Lab.traffic(state, tmp.resolve("captures"));
            cli.join(30_000);
            assertEquals(0, code.get(), stderr.toString());
            ObjectMapper mapper = new ObjectMapper();
            List<String> chunked = new ArrayList<>();
            for (String line : Files.readAllLines(out.resolve("l7.jsonl"))) {
                JsonNode r = mapper.readTree(line);
                if ("/chunked".equals(r.path("http_path").asText())) {
                    chunked.add(r.get("netns").asText() + " " + r.get("http_status_code").asInt());
                }
            }
            assertEquals(List.of(prefix + "-pod-a 200", prefix + "-pod-c 200"), chunked.stream().sorted().toList());
            boolean twoHops = false;
            for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
                JsonNode p = mapper.readTree(line);
                if ("/chunked".equals(p.path("http_path").asText())) {
                    twoHops = p.get("hops").size() == 2
                            && p.get("hops").get(0).get("netns").asText().equals(prefix + "-pod-a");
                }
            }
            assertTrue(twoHops, "the /chunked path from pod-a to pod-c");
            assertTrue(stdout.toString().contains("kernel drops 0"), stdout.toString());
        } finally {
            Lab.down(state);
        }
    }
}
