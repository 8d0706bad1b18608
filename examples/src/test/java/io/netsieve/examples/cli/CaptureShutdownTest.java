package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code netsieve capture} in its own process on the loopback interface, stopped by a signal as Ctrl-C or a service
 * manager stops it: the shutdown flushes the open connections and the pending exchanges into the files and closes
 * them. Three HTTP requests to a server on loopback, still on their keep-alive connection when the signal comes,
 * are three L7 records with their paths, and with {@code --lp-url} the same records reach a line-protocol endpoint
 * (another loopback server) before the process ends.
 */
class CaptureShutdownTest {

    @Test
    void aSignalFlushesOpenConnectionsIntoClosedFiles(@TempDir Path tmp) throws Exception {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "live capture needs root");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hello", exchange -> {
            byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (exchange) {
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        int port = server.getAddress().getPort();
        List<String> posted = java.util.Collections.synchronizedList(new ArrayList<>());
        HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/v1/write/logging", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                posted.addAll(List.of(body.split("\n")));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        endpoint.start();
        Path out = tmp.resolve("out");
        Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), NetSieveCli.class.getName(), "capture", "-i", "lo",
                "--filter", "tcp port " + port, "--out", out.toString(), "--lp-url",
                "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/v1/write/logging")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("cli.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!Files.exists(out.resolve("l7.jsonl")) && System.nanoTime() < deadline) {
                Thread.sleep(50); // the sinks' files exist once the command runs
            }
            Thread.sleep(1_000); // the capture is open
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/hello?n=" + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
            }
            Thread.sleep(500);
            assertEquals(0, Files.size(out.resolve("l7.jsonl")), "nothing written before the signal: the "
                    + "connection is open and the records wait in buffers");
            cli.destroy(); // SIGTERM
            assertTrue(cli.waitFor(30, TimeUnit.SECONDS), "the process ends");
        } finally {
            cli.destroyForcibly();
            server.stop(0);
            endpoint.stop(0);
        }
        String log = Files.readString(tmp.resolve("cli.log"));
        ObjectMapper mapper = new ObjectMapper();
        List<String> exchanges = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("l7.jsonl"))) {
            JsonNode r = mapper.readTree(line);
            exchanges.add(r.get("http_method").asText() + " " + r.get("http_path").asText() + " "
                    + r.get("http_query").asText() + " " + r.get("http_status_code").asInt());
        }
        assertEquals(List.of("GET /hello n=0 200", "GET /hello n=1 200", "GET /hello n=2 200"), exchanges, log);
        assertEquals(3, Files.readAllLines(out.resolve("paths.jsonl")).size(), log);
        assertTrue(Files.readAllLines(out.resolve("l4.jsonl")).size() >= 1, log);
        assertTrue(log.contains("L7 records 3"), log);
        int l4 = Files.readAllLines(out.resolve("l4.jsonl")).size();
        assertEquals(3, posted.stream().filter(l -> l.startsWith("bpf_net_l7_log,")).count(), posted.toString());
        assertEquals(l4, posted.stream().filter(l -> l.startsWith("bpf_net_l4_log,")).count(), posted.toString());
        assertEquals(3, posted.stream().filter(l -> l.startsWith("netsieve_exchange_path,")).count());
        assertEquals(3 + l4 + 3, posted.size(), "nothing else: " + posted);
        assertTrue(log.contains("posted " + posted.size() + " of " + posted.size() + " lines"), log);
    }
}
