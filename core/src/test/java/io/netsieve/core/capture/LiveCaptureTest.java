package io.netsieve.core.capture;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Netns;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live capture in network namespaces made by the test (a veth pair, 198.18.250.0/30, IPv6 off so nothing talks
 * unless the test makes it): the same packets as tcpdump on the same NIC, close on an idle NIC, errors.
 */
class LiveCaptureTest {
    private static Netns lab;
    private static String server;
    private static String client;
    private static String serverIf;

    @BeforeAll
    static void setUp() throws Exception {
        lab = Netns.create("live");
        server = lab.add("srv");
        client = lab.add("cli");
        String suffix = lab.prefix().substring(lab.prefix().length() - 4);
        serverIf = "lvs" + suffix;
        lab.veth(server, serverIf, "198.18.250.1/30", client, "lvc" + suffix, "198.18.250.2/30");
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    private static LiveCaptureConfig.Builder config() {
        return LiveCaptureConfig.builder(serverIf).netns(server);
    }

    @Test
    void capturesExactlyWhatTcpdumpCaptures(@TempDir Path tmp) throws Exception {
        Path tcpdumpFile = tmp.resolve("tcpdump.pcap");
        Process tcpdump = lab.tcpdump(server, serverIf, tcpdumpFile);
        List<byte[]> ours = new ArrayList<>();
        List<Long> ourTimes = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (LiveCapture capture = LiveCapture.open(config().capturePointId(7).build())) {
            assertEquals(LinkType.ETHERNET, capture.linkType());
            Thread reader = new Thread(() -> {
                PacketView view = new PacketView();
                try {
                    while (capture.next(view)) {
                        assertEquals(7, view.capturePointId());
                        ours.add(view.copyBytes());
                        ourTimes.add(view.timestampNanos());
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            Process http = lab.start(server, "python3", "-m", "http.server", "8080", "--bind", "198.18.250.1");
            lab.exec(client, "ping", "-c", "20", "-i", "0.05", "-W", "1", "198.18.250.1");
            lab.exec(client, "curl", "-s", "-o", "/dev/null", "--retry", "20", "--retry-connrefused",
                    "--retry-delay", "1", "-m", "20", "http://198.18.250.1:8080/");
            lab.stop(http);
            Thread.sleep(500); // let the last packets reach both captures
            CaptureStats stats = capture.stats();
            capture.close();
            reader.join(5_000);
            assertFalse(reader.isAlive());
            assertEquals(ours.size(), stats.delivered());
            assertEquals(0, stats.kernelDropped());
        }
        lab.stop(tcpdump);
        if (failure.get() != null) {
            throw new AssertionError("reader failed", failure.get());
        }
        List<byte[]> theirs = new ArrayList<>();
        List<Long> theirTimes = new ArrayList<>();
        try (CaptureFileReader reader = CaptureFiles.open(tcpdumpFile)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                theirs.add(view.copyBytes());
                theirTimes.add(view.timestampNanos());
            }
        }
        assertTrue(theirs.size() >= 40 + 6, "ping and an HTTP exchange: " + theirs.size() + " packets");
        assertEquals(theirs.size(), ours.size(), "packets");
        for (int i = 0; i < theirs.size(); i++) {
            assertArrayEquals(theirs.get(i), ours.get(i), "packet " + i);
            // each capture socket stamps packets itself: equal up to scheduling noise
            long diff = Math.abs(theirTimes.get(i) - ourTimes.get(i));
            assertTrue(diff < 5_000_000L, "timestamp of packet " + i + " differs by " + diff + " ns");
        }
    }

    @Test
    void closingAnIdleCaptureReturnsWithinASecond() throws Exception {
        LiveCapture capture = LiveCapture.open(config().timeout(Duration.ofSeconds(60)).build());
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            started.countDown();
            try {
                result.set(capture.next(new PacketView()));
            } catch (Throwable t) {
                result.set(t);
            }
        });
        reader.start();
        started.await();
        Thread.sleep(300); // the reader is now waiting on the idle interface
        long t0 = System.nanoTime();
        capture.close();
        reader.join(1_000);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertFalse(reader.isAlive(), "reader still blocked after close");
        assertTrue(elapsedMs < 1_000, "close took " + elapsedMs + " ms");
        assertEquals(Boolean.FALSE, result.get());
        assertFalse(capture.next(new PacketView()), "a closed capture delivers nothing");
        capture.close(); // idempotent
    }

    @Test
    void missingInterfaceAndNamespaceAreNamed() {
        LiveCaptureException e = assertThrows(LiveCaptureException.class,
                () -> LiveCapture.open(LiveCaptureConfig.builder("nosuchif0").netns(server).build()));
        assertTrue(e.getMessage().contains("nosuchif0"), e.getMessage());
        assertEquals("nosuchif0", e.interfaceName());
        LiveCaptureException ns = assertThrows(LiveCaptureException.class,
                () -> LiveCapture.open(LiveCaptureConfig.builder("eth0").netns("ns-does-not-exist-42").build()));
        assertTrue(ns.getMessage().contains("ns-does-not-exist-42"), ns.getMessage());
    }

    @Test
    void configValidatesAndRefusesASecondCall() {
        LiveCaptureConfig.Builder b = LiveCaptureConfig.builder("eth0").snaplen(1500);
        assertThrows(IllegalStateException.class, () -> b.snaplen(2000));
        assertThrows(IllegalArgumentException.class, () -> LiveCaptureConfig.builder("eth0").snaplen(10));
        assertThrows(IllegalArgumentException.class, () -> LiveCaptureConfig.builder(" "));
        assertThrows(IllegalArgumentException.class, () -> LiveCaptureConfig.builder("x").netns("a/b"));
        LiveCaptureConfig c = LiveCaptureConfig.builder("eth0").build();
        assertEquals(262_144, c.snaplen());
        assertEquals(100, c.timeoutMillis());
        assertTrue(c.immediateMode());
        assertFalse(c.promiscuous());
        assertEquals(4 << 20, c.bufferSize());
        assertTrue(Arrays.asList(c.describe()).get(0).contains("eth0"));
    }

    static {
        // Fail fast in CI when a tool the lab needs is missing.
        if (Prerequisites.inCi()) {
            Prerequisites.requireCommand("tcpdump");
        }
    }
}
