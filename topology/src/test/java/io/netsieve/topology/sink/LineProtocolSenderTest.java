package io.netsieve.topology.sink;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LineProtocolSender} against a real HTTP server on loopback: batches, retries on 500/429 until a 204, the
 * exact lines arriving once and in order, gzip, no retry of a 400, a server that never recovers or never answers
 * ending in counted drops within the close timeout, and both drop policies of a full queue.
 */
class LineProtocolSenderTest {

    private static List<String> lines(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("m,host=h" + (i % 3) + " n=" + i + "i,s=\"é ü " + i + "\" " + (1_700_000_000_000_000_000L + i));
        }
        return out;
    }

    private static void assertBalanced(LineProtocolSender.Stats s) {
        assertEquals(s.offered(), s.sent() + s.queued() + s.inFlight() + s.dropped(), s.toString());
    }

    @Test
    void retriesOn500And429ThenEveryLineArrivesOnceInOrder() throws IOException {
        try (LoopbackWriteServer server = new LoopbackWriteServer(204, 500, 500, 429, 503)) {
            List<String> sent = lines(250);
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).maxBatchLines(100)
                    .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).maxAttempts(5).build();
            sent.forEach(line -> assertTrue(sender.offer(line)));
            sender.close();
            assertEquals(sent, server.accepted());
            LineProtocolSender.Stats s = sender.stats();
            assertEquals(250, s.sent(), s.toString());
            assertEquals(0, s.dropped(), s.toString());
            assertEquals(3, s.batches(), "250 lines in batches of at most 100");
            assertEquals(4, s.retries(), "the four failures were retried");
            assertEquals(7, s.requests());
            assertEquals(List.of(500, 500, 429, 503, 204, 204, 204), server.codes());
            assertBalanced(s);
        }
    }

    @Test
    void aBatchIsPostedWhenItsDelayPassesAndByteBoundsSplitIt() throws Exception {
        try (LoopbackWriteServer server = new LoopbackWriteServer(204)) {
            List<String> sent = lines(10);
            int lineBytes = sent.get(0).getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url())
                    .maxBatchBytes(3L * lineBytes).maxDelay(Duration.ofMillis(50)).build();
            sender.offer(sent.get(0));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.accepted().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(List.of(sent.get(0)), server.accepted(), "posted alone after its delay, before close");
            sent.subList(1, 10).forEach(sender::offer);
            sender.close();
            assertEquals(sent, server.accepted());
            assertEquals(4, sender.stats().batches(), "1, then 9 lines in batches of at most 3 lines' bytes");
        }
    }

    @Test
    void gzipBodiesArriveTheSame() throws IOException {
        try (LoopbackWriteServer server = new LoopbackWriteServer(204)) {
            List<String> sent = lines(40);
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).gzip(true).build();
            sent.forEach(sender::offer);
            sender.close();
            assertEquals(sent, server.accepted());
            assertTrue(server.encodings().stream().allMatch("gzip"::equals), server.encodings().toString());
        }
    }

    @Test
    void a400IsNotRetriedAndCounted() throws IOException {
        try (LoopbackWriteServer server = new LoopbackWriteServer(400)) {
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).build();
            lines(5).forEach(sender::offer);
            sender.close();
            LineProtocolSender.Stats s = sender.stats();
            assertEquals(1, server.requests());
            assertEquals(5, s.droppedRejected(), s.toString());
            assertEquals(0, s.retries());
            assertBalanced(s);
        }
    }

    @Test
    void aServerThatNeverRecoversEndsInCountedDropsWithoutHanging() throws IOException {
        try (LoopbackWriteServer server = new LoopbackWriteServer(503)) {
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).maxBatchLines(10)
                    .maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(40)).build();
            lines(30).forEach(sender::offer);
            long start = System.nanoTime();
            sender.close();
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "close returned");
            LineProtocolSender.Stats s = sender.stats();
            assertEquals(0, s.sent());
            assertEquals(30, s.droppedGaveUp(), s.toString());
            assertEquals(9, server.requests(), "3 batches, 3 attempts each");
            assertEquals(6, s.retries());
            assertTrue(server.accepted().isEmpty());
            assertFalse(sender.offer("m n=1i 1"), "closed");
            assertEquals(1, sender.stats().droppedAtClose());
            assertBalanced(sender.stats());
        }
    }

    @Test
    void aServerThatNeverAnswersIsLeftAtTheCloseTimeout() throws IOException {
        CountDownLatch never = new CountDownLatch(1);
        try (LoopbackWriteServer server = new LoopbackWriteServer(never, 204)) {
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).maxBatchLines(5)
                    .requestTimeout(Duration.ofSeconds(60)).closeTimeout(Duration.ofMillis(300)).build();
            lines(12).forEach(sender::offer);
            long start = System.nanoTime();
            sender.close();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 250 && tookMs < 2_600, "close took " + tookMs + " ms");
            LineProtocolSender.Stats s = sender.stats();
            assertEquals(0, s.sent());
            assertEquals(12, s.droppedAtClose(), s.toString());
            assertEquals(0, s.queued() + s.inFlight());
            never.countDown();
        }
    }

    @Test
    void nothingListeningIsRetriedThenDropped() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: connections are refused
        }
        LineProtocolSender sender = LineProtocolSender.builder()
                .url(URI.create("http://127.0.0.1:" + port + "/v1/write/logging")).maxAttempts(2)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build();
        lines(3).forEach(sender::offer);
        sender.close();
        LineProtocolSender.Stats s = sender.stats();
        assertEquals(3, s.droppedGaveUp(), s.toString());
        assertEquals(2, s.requests());
    }

    @Test
    void aFullQueueDropsTheOldestOrTheNewest() throws IOException {
        List<String> sent = lines(8);
        for (LineProtocolSender.DropPolicy policy : LineProtocolSender.DropPolicy.values()) {
            try (LoopbackWriteServer server = new LoopbackWriteServer(204)) {
                // nothing is posted before close: the batch waits an hour for more lines
                LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).queueCapacity(5)
                        .dropPolicy(policy).maxDelay(Duration.ofHours(1)).build();
                List<Boolean> taken = new ArrayList<>();
                sent.forEach(line -> taken.add(sender.offer(line)));
                assertEquals(3, sender.stats().droppedQueueFull(), policy.name());
                assertEquals(5, sender.stats().queued());
                sender.close();
                if (policy == LineProtocolSender.DropPolicy.DROP_OLDEST) {
                    assertEquals(sent.subList(3, 8), server.accepted());
                    assertTrue(taken.stream().allMatch(b -> b));
                } else {
                    assertEquals(sent.subList(0, 5), server.accepted());
                    assertEquals(List.of(true, true, true, true, true, false, false, false), taken);
                }
                assertBalanced(sender.stats());
            }
        }
    }

    @Test
    void theQueuesByteBoundCountsToo() throws IOException {
        try (LoopbackWriteServer server = new LoopbackWriteServer(204)) {
            LineProtocolSender sender = LineProtocolSender.builder().url(server.url()).queueMaxBytes(100)
                    .dropPolicy(LineProtocolSender.DropPolicy.DROP_NEWEST).maxDelay(Duration.ofHours(1)).build();
            assertTrue(sender.offer("m n=" + "1".repeat(40) + "i 1")); // 49 bytes with its newline
            assertTrue(sender.offer("m n=" + "2".repeat(40) + "i 2"));
            assertFalse(sender.offer("m n=3i 3"), "the third does not fit in 100 bytes");
            assertFalse(sender.offer("m s=\"" + "x".repeat(200) + "\" 4"), "longer than the queue");
            assertFalse(sender.offer("m n=1i 5\nm n=2i 6"), "a line with a newline");
            sender.close();
            assertEquals(2, server.accepted().size());
            LineProtocolSender.Stats s = sender.stats();
            assertEquals(2, s.droppedQueueFull());
            assertEquals(1, s.droppedRejected());
            assertBalanced(s);
        }
    }

    @Test
    void theBuilderValidatesAndRefusesASecondCall() {
        assertThrows(IllegalArgumentException.class,
                () -> LineProtocolSender.builder().url(URI.create("ftp://198.18.0.1/x")));
        assertThrows(IllegalArgumentException.class, () -> LineProtocolSender.builder().maxBatchLines(0));
        assertThrows(IllegalArgumentException.class,
                () -> LineProtocolSender.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> LineProtocolSender.builder().gzip(true).gzip(false));
        assertThrows(IllegalStateException.class,
                () -> LineProtocolSender.builder().header("X-A", "1").header("x-a", "2"));
        assertThrows(IllegalStateException.class, () -> LineProtocolSender.builder().build(), "no url");
    }
}
