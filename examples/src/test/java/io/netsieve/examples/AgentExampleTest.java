package io.netsieve.examples;

import com.sun.net.httpserver.HttpServer;
import io.netsieve.core.testing.Netns;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent example live: two namespaces joined by a veth pair, python's HTTP server in one, curl in the other; the
 * example captures the client's veth for a few seconds and posts its records to an HTTP endpoint on loopback (the
 * JDK's server, answering 204 like a DataKit). Every request curl made arrives as a {@code bpf_net_l7_log} line,
 * its connection as {@code bpf_net_l4_log} lines, and the example's own count of lines sent equals what arrived.
 */
class AgentExampleTest {

    @Test
    void capturesLiveAndPostsEveryExchangeAsLineProtocol() throws Exception {
        Prerequisites.requireCommand("python3");
        Prerequisites.requireCommand("curl");
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/v1/write/logging", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.addAll(body.lines().filter(l -> !l.isEmpty()).toList());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        endpoint.start();
        try (Netns lab = Netns.create("agent")) {
            String client = lab.add("c");
            String server = lab.add("s");
            String sfx = lab.prefix().substring(lab.prefix().length() - 4);
            lab.veth(client, "ac" + sfx, "198.18.251.1/30", server, "as" + sfx, "198.18.251.2/30");
            lab.start(server, "python3", "-m", "http.server", "--bind", "198.18.251.2", "8080");
            String url = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/v1/write/logging";

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            PrintStream saved = System.out;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Thread agent = new Thread(() -> {
                try {
                    AgentExample.main(new String[] {url, "4", "ac" + sfx + "@" + client});
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            List<String> paths = List.of("/agent-1", "/agent-2", "/agent-3");
            try {
                agent.start();
                // the server may need a moment to listen; curl retries connection refusals within its bound
                Thread.sleep(1_000);
                for (String path : paths) {
                    lab.exec(client, "curl", "-s", "-o", "/dev/null", "--retry", "5", "--retry-connrefused",
                            "--retry-delay", "0", "-m", "5", "http://198.18.251.2:8080" + path);
                }
                agent.join(30_000);
            } finally {
                System.setOut(saved);
            }
            assertTrue(!agent.isAlive(), "the example stops at the end of its duration");
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            List<String> l7 = received.stream().filter(l -> l.startsWith("bpf_net_l7_log,")).toList();
            for (String path : paths) {
                assertEquals(1, l7.stream().filter(l -> l.contains(path)).count(), path + " in " + l7);
            }
            assertTrue(received.stream().anyMatch(l -> l.startsWith("bpf_net_l4_log,") && l.contains("8080")),
                    "the connections' L4 records: " + received);
            String summary = out.toString(StandardCharsets.UTF_8).strip();
            assertTrue(summary.endsWith(received.size() + " lines sent, 0 dropped"), summary + " vs "
                    + received.size() + " received");
        } finally {
            endpoint.stop(0);
        }
    }
}
