package io.netsieve.topology.sink;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A line-protocol write endpoint on loopback (the JDK's HTTP server): answers the first requests with the scripted
 * status codes, then with {@code thenCode}; keeps the lines of the bodies it accepted (2xx), un-gzipped when the
 * request says so, and every request's status and encoding.
 */
final class LoopbackWriteServer implements AutoCloseable {
    private final HttpServer server;
    private final int[] script;
    private final int thenCode;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> accepted = new ArrayList<>();
    private final List<Integer> codes = new ArrayList<>();
    private final List<String> encodings = new ArrayList<>();
    /** While not counted down, requests wait (to hold the sender); null to answer at once. */
    private final CountDownLatch hold;

    LoopbackWriteServer(int thenCode, int... script) throws IOException {
        this(null, thenCode, script);
    }

    LoopbackWriteServer(CountDownLatch hold, int thenCode, int... script) throws IOException {
        this.script = script.clone();
        this.thenCode = thenCode;
        this.hold = hold;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/write/logging", exchange -> {
            try (exchange) {
                byte[] raw = exchange.getRequestBody().readAllBytes();
                if (hold != null) {
                    hold.await(60, TimeUnit.SECONDS);
                }
                int n = requests.getAndIncrement();
                int code = n < this.script.length ? this.script[n] : this.thenCode;
                String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
                synchronized (this) {
                    codes.add(code);
                    encodings.add(String.valueOf(encoding));
                    if (code >= 200 && code < 300) {
                        String body = new String("gzip".equals(encoding) ? gunzip(raw) : raw, StandardCharsets.UTF_8);
                        if (!body.endsWith("\n")) {
                            throw new IOException("a body must end with a newline: " + body);
                        }
                        accepted.addAll(Arrays.asList(body.substring(0, body.length() - 1).split("\n", -1)));
                    }
                }
                exchange.sendResponseHeaders(code, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    private static byte[] gunzip(byte[] raw) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        }
    }

    URI url() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
                + server.getAddress().getPort() + "/v1/write/logging");
    }

    int requests() {
        return requests.get();
    }

    synchronized List<String> accepted() {
        return List.copyOf(accepted);
    }

    synchronized List<Integer> codes() {
        return List.copyOf(codes);
    }

    synchronized List<String> encodings() {
        return List.copyOf(encodings);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
