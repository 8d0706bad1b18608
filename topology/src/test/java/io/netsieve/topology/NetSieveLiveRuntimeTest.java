package io.netsieve.topology;

import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.testing.Netns;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.Transport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live runtime of {@link NetSieve} on real traffic between network namespaces: idle sweeps emit the records of
 * an idle connection, its unanswered request and its path without any new packet once the (injected) clock has
 * moved past the timeouts; a pipeline thread that cannot keep up drops new frames at its bounded queue and every
 * frame is either processed or counted as dropped by us (and reported to the listener); several interfaces are
 * sharded over a bounded set of pipeline threads.
 */
class NetSieveLiveRuntimeTest {


    /** Namespaces {@code a} and {@code b} joined by a veth pair: {namespace a, namespace b, interface a, interface b}. */
    private static String[] pair(Netns lab, String tag, String addressA, String addressB) throws Exception {
        String a = lab.add("a");
        String b = lab.add("b");
        String sfx = lab.prefix().substring(lab.prefix().length() - 4);
        lab.veth(a, tag + "a" + sfx, addressA, b, tag + "b" + sfx, addressB);
        return new String[] {a, b, tag + "a" + sfx, tag + "b" + sfx};
    }

    @Test
    void idleSweepsEmitTimedOutFlowsRequestsAndPathsWithoutPackets() throws Exception {
        Prerequisites.requireCommand("python3");
        try (Netns lab = Netns.create("idle")) {
            String[] p = pair(lab, "i", "198.18.252.1/30", "198.18.252.2/30");
            String c = p[0];
            String s = p[1];
            String ic = p[2];
            AtomicReference<Duration> skip = new AtomicReference<>(Duration.ZERO);
            InstantSource clock = () -> Instant.now().plus(skip.get());
            List<L4Log> l4 = Collections.synchronizedList(new ArrayList<>());
            List<L7Log> l7 = Collections.synchronizedList(new ArrayList<>());
            List<ExchangePath> paths = Collections.synchronizedList(new ArrayList<>());
            List<String> ends = Collections.synchronizedList(new ArrayList<>());
            NetSieve sieve = NetSieve.builder()
                    .live(List.of(new LiveInterface(ic, c, LiveLab.nic(ic, "198.18.252.1"))))
                    .clock(clock)
                    .onL4Log((log, n) -> l4.add(log))
                    .onL7Log((log, n) -> l7.add(log))
                    .onExchangePath(paths::add)
                    .listener(new NetSieveListener() {
                        @Override
                        public void flowEnd(Nic n, Transport t, StreamInfo flow, long ts) {
                            ends.add(t + " " + flow.serverPort());
                        }
                    })
                    .build();
            NetSieve.LiveRun run = sieve.start();
            try {
                lab.start(s, "python3", "-c", "import socket,time\n"
                        + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                        + "s.bind(('198.18.252.2', 8080)); s.listen(1); c,_=s.accept(); c.recv(1000); time.sleep(120)\n");
                LiveLab.await(10_000, () -> {
                    try {
                        return lab.exec(s, "ss", "-ltn").contains("198.18.252.2:8080");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "the server listening"); // one connection, not a refused one first
                lab.start(c, "python3", "-c", "import socket,time\n"
                        + "c=socket.create_connection(('198.18.252.2', 8080))\n"
                        + "c.sendall(b'GET /idle HTTP/1.1\\r\\nHost: lab\\r\\n\\r\\n'); time.sleep(120)\n");
                // handshake, request, its ACK
                LiveLab.await(10_000, () -> run.metrics().processed() >= 5, "the request's packets");
                Thread.sleep(3 * NetSieve.SWEEP_MILLIS);
                assertTrue(l4.stream().noneMatch(r -> r.serverPort() == 8080), "the connection is young: no record");
                assertTrue(l7.isEmpty(), "the request is young: no record");
                assertEquals(1, run.metrics().flowsActive(), run.metrics().toString());
                long packets = run.metrics().packets();

                skip.set(Duration.ofMinutes(6)); // past the TCP idle timeout (5 min), response timeout, lateness
                LiveLab.await(5_000, () -> l4.stream().anyMatch(r -> r.serverPort() == 8080 && r.lastChunk())
                        && l7.stream().anyMatch(r -> r.status() == L7Status.NO_RESPONSE)
                        && !paths.isEmpty() && ends.contains("TCP 8080"), "records of the idle connection");
                assertEquals(packets, run.metrics().packets(), "no packet moved time: the clock did");
                L7Log request = l7.stream().filter(r -> r.status() == L7Status.NO_RESPONSE).findFirst().orElseThrow();
                assertEquals("/idle", request.http().path());
                assertEquals(8080, request.serverPort());
                assertEquals(request, paths.get(0).hops().get(0).log());
                L4Log last = l4.stream().filter(r -> r.serverPort() == 8080 && r.lastChunk()).findFirst().orElseThrow();
                assertEquals("S1", last.connState(), "established, still open when it timed out");
                NetSieveMetrics m = run.metrics();
                assertEquals(0, m.flowsActive(), m.toString());
                assertEquals(1, m.flowsExpired(), m.toString());
                assertEquals(Map.of("http", 1L), m.exchangesByProtocol());
                assertEquals(1, m.paths());
            } finally {
                RunSummary summary = run.stop();
                assertTrue(summary.complete(), summary.errors().toString());
            }
        }
    }

    @Test
    void aSlowPipelineDropsNewFramesAtItsQueueAndCountsThem() throws Exception {
        Prerequisites.requireCommand("python3");
        try (Netns lab = Netns.create("qdrop")) {
            String[] p = pair(lab, "q", "198.18.252.5/30", "198.18.252.6/30");
            String x = p[0];
            String y = p[1];
            String qy = p[3];
            CountDownLatch release = new CountDownLatch(1);
            AtomicLong dropEvents = new AtomicLong();
            Map<String, String> dropThreads = new ConcurrentHashMap<>();
            NetSieve sieve = NetSieve.builder()
                    .live(List.of(new LiveInterface(qy, y, LiveLab.nic(qy, "198.18.252.6"))))
                    .liveQueue(65_536, 16)
                    .listener(new NetSieveListener() {
                        @Override
                        public void flowStart(Nic n, Transport t, StreamInfo flow) {
                            try {
                                release.await(20, TimeUnit.SECONDS); // the pipeline thread stalls on the first flow
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }

                        @Override
                        public void drop(CapturePoint point, long droppedByKernel, long droppedByUs) {
                            dropEvents.addAndGet(droppedByUs);
                            dropThreads.put(Thread.currentThread().getName(), point.nic().nicName());
                        }
                    })
                    .build();
            NetSieve.LiveRun run = sieve.start();
            RunSummary summary;
            List<CaptureStats> stats;
            try {
                lab.exec(x, "python3", "-c", "import socket,time\n"
                        + "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "for i in range(60):\n"
                        + "    s.sendto(b'datagram %d' % i, ('198.18.252.6', 9)); time.sleep(0.005)\n");
                LiveLab.await(5_000, () -> {
                    try {
                        return run.captureStats().get(0).queueDropped() > 0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "queue drops");
                release.countDown();
                LiveLab.await(5_000, () -> dropEvents.get() > 0, "a drop event at a sweep");
                assertTrue(dropThreads.containsKey("netsieve-pipeline-0"), dropThreads.toString());
            } finally {
                release.countDown();
                summary = run.stop();
                stats = run.captureStats();
            }
            CaptureStats s = stats.get(0);
            NetSieveMetrics m = summary.metrics();
            assertTrue(s.delivered() >= 60, s.toString());
            assertTrue(m.droppedByUs() >= s.delivered() - 16 - 30, "the ring held 16 frames: " + m + " " + s);
            assertEquals(s.queueDropped(), m.droppedByUs());
            assertEquals(s.queueDropped(), m.capturePoints().get(0).droppedByUs());
            assertEquals(s.delivered(), m.packets() + m.droppedByUs(), "every frame processed or dropped by us");
            assertEquals(m.droppedByUs(), dropEvents.get(), "every drop reported");
            assertEquals(s.kernelDropped(), m.droppedByKernel());
        }
    }

    @Test
    void interfacesAreShardedOverTheThreads() throws Exception {
        Prerequisites.requireCommand("python3");
        try (Netns lab = Netns.create("shard")) {
            String hub = lab.add("hub");
            String sfx = lab.prefix().substring(lab.prefix().length() - 4);
            List<LiveInterface> interfaces = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String leaf = lab.add("l" + i);
                lab.veth(hub, "h" + i + sfx, "198.18.253." + (4 * i + 1) + "/30",
                        leaf, "l" + i + sfx, "198.18.253." + (4 * i + 2) + "/30");
                interfaces.add(new LiveInterface("l" + i + sfx, leaf, LiveLab.nic("l" + i + sfx, "198.18.253." + (4 * i + 2))));
            }
            Map<Integer, String> threadOfPoint = new ConcurrentHashMap<>();
            Map<Integer, AtomicLong> datagrams = new ConcurrentHashMap<>();
            NetSieve sieve = NetSieve.builder().live(interfaces).threads(2).filter("udp")
                    .onPayload((n, flow, t, d, data, o, l, seq, ts) -> {
                        threadOfPoint.merge(flow.capturePointId(), Thread.currentThread().getName(),
                                (a, b) -> a.equals(b) ? a : a + "," + b);
                        datagrams.computeIfAbsent(flow.capturePointId(), k -> new AtomicLong()).incrementAndGet();
                    }).build();
            NetSieve.LiveRun run = sieve.start();
            RunSummary summary;
            try {
                for (int i = 0; i < 3; i++) {
                    lab.exec(hub, "python3", "-c", "import socket\n"
                            + "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                            + "for k in range(" + (5 + i) + "): s.sendto(b'x', ('198.18.253." + (4 * i + 2) + "', 9))\n");
                }
                LiveLab.await(5_000, () -> datagrams.values().stream().mapToLong(AtomicLong::get).sum() == 5 + 6 + 7,
                        "every datagram");
                NetSieveMetrics running = run.metrics(); // from this thread while the pipeline threads run
                assertEquals(5 + 6 + 7, running.packets(), running.toString());
                assertEquals(List.of(5L, 6L, 7L), running.capturePoints().stream()
                        .map(c -> c.stats().packets()).toList());
            } finally {
                summary = run.stop();
            }
            assertEquals(Map.of(0, "netsieve-pipeline-0", 1, "netsieve-pipeline-1", 2, "netsieve-pipeline-0"),
                    threadOfPoint, "interface i on thread i % 2");
            for (int i = 0; i < 3; i++) {
                assertEquals(5 + i, datagrams.get(i).get(), "capture point " + i);
            }
            List<CaptureStats> stats = run.captureStats();
            NetSieveMetrics m = summary.metrics();
            for (int i = 0; i < 3; i++) {
                // the kernel filter lets the UDP datagrams through, not the port-unreachable ICMP answers
                assertEquals(5 + i, stats.get(i).delivered(), "interface order: " + stats);
                assertEquals(5 + i, m.capturePoints().get(i).stats().packets());
                CapturePointStats c = summary.capturePoints().get(m.capturePoints().get(i).point());
                assertEquals("live", c.format());
                assertEquals(List.of("EN10MB"), c.linkTypes());
                assertEquals(5 + i, c.decode().count(io.netsieve.core.packet.Layer.UDP), c.decode().toString());
                assertEquals((5 + i) * (14 + 20 + 8 + 1), c.wireBytes(), "Ethernet, IPv4, UDP and one byte each");
                assertTrue(c.firstNanos() > 0 && c.lastNanos() >= c.firstNanos(), c.toString());
                // every interface has its own trackers, also 0 and 2, which share pipeline thread 0
                assertEquals(5 + i, c.l4().udpPackets(), c.l4().toString());
                assertEquals(1, c.l4().flowsCreated(), c.l4().toString());
                assertTrue(c.l7() != null);
            }
        }
    }
}
