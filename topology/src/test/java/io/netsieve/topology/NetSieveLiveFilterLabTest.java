package io.netsieve.topology;

import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.capture.LiveCaptureException;
import io.netsieve.core.testing.ExternalCommand;
import io.netsieve.core.testing.Netns;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.topology.metrics.NetSieveMeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a live filter runs ({@link NetSieve.Builder#liveFilterPlacement}), on real traffic on a veth pair between two
 * namespaces the test makes (198.18.254.0/30, IPv6 off: the only traffic is the test's). Three runs capture the same
 * interface at the same time with the same filter — in the kernel uncounted, in the kernel counting its rejects, and
 * in user space — while tcpdump captures it without a filter. The oracle is libpcap's own compiler:
 * {@code tcpdump -r} with the filter on that unfiltered capture gives the packets the filter accepts, without it every packet that
 * crossed. User space and the counting kernel count every packet of the interface and exactly the rejected ones as
 * filtered; the uncounted kernel run reads only the accepted ones and says that what it rejected is not counted (no
 * false 0, no Micrometer counter).
 */
class NetSieveLiveFilterLabTest {
    private static final String SERVER = "198.18.254.2";
    private static final String FILTER = "tcp port 8080";
    private static final int REQUESTS = 5;
    private static final int DATAGRAMS = 40;
    private static final int PINGS = 5;


    /** Packets of {@code file} that {@code expression} accepts, by libpcap's compiler ({@code tcpdump -r}). */
    private static long tcpdumpCount(Path file, String expression) throws Exception {
        String out = expression == null
                ? ExternalCommand.run(30, "tcpdump", "-r", file.toString(), "-n", "-q")
                : ExternalCommand.run(30, "tcpdump", "-r", file.toString(), "-n", "-q", expression);
        return out.lines().filter(l -> !l.isBlank()).count();
    }

    private static double counter(SimpleMeterRegistry r, String outcome) {
        return r.get("netsieve.packets").tag("outcome", outcome).functionCounter().count();
    }

    @Test
    void userSpaceCountsWhatTheFilterRejectsAndTheKernelSaysItDoesNot(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("python3");
        Prerequisites.requireCommand("curl");
        Prerequisites.requireCommand("ping");
        Prerequisites.requireCommand("tcpdump");
        try (Netns lab = Netns.create("lfp")) { // tears the namespaces down, also on failure
            String client = lab.add("c");
            String server = lab.add("s");
            String sfx = lab.prefix().substring(lab.prefix().length() - 4);
            String serverIf = "fps" + sfx;
            lab.veth(client, "fpc" + sfx, "198.18.254.1/30", server, serverIf, SERVER + "/30");
            lab.start(server, "python3", "-m", "http.server", "8080", "--bind", SERVER, "--directory", tmp.toString());
            LiveLab.await(10_000, () -> {
                try {
                    return lab.exec(server, "ss", "-ltn").contains(SERVER + ":8080");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "the HTTP server listening");

            Path pcap = tmp.resolve("all.pcap");
            Process tcpdump = lab.tcpdump(server, serverIf, pcap); // no filter: every packet that crosses
            LiveInterface li = new LiveInterface(serverIf, server, LiveLab.nic(serverIf, SERVER));
            NetSieve user = NetSieve.builder().live(List.of(li)).filter(FILTER)
                    .liveFilterPlacement(FilterPlacement.USER).build();
            NetSieve kernel = NetSieve.builder().live(List.of(li)).filter(FILTER).build(); // the default: KERNEL
            NetSieve counted = NetSieve.builder().live(List.of(li)).filter(FILTER)
                    .liveFilterPlacement(FilterPlacement.KERNEL_COUNTED).build();
            NetSieve.LiveRun userRun = user.start();
            NetSieve.LiveRun kernelRun = kernel.start();
            NetSieve.LiveRun countedRun = counted.start();
            SimpleMeterRegistry userMeters = new SimpleMeterRegistry();
            SimpleMeterRegistry kernelMeters = new SimpleMeterRegistry();
            SimpleMeterRegistry countedMeters = new SimpleMeterRegistry();
            RunSummary userSummary;
            RunSummary kernelSummary;
            RunSummary countedSummary;
            List<CaptureStats> userCapture;
            List<CaptureStats> kernelCapture;
            List<CaptureStats> countedCapture;
            try {
                new NetSieveMeterBinder(userRun::metrics).bindTo(userMeters);
                new NetSieveMeterBinder(kernelRun::metrics).bindTo(kernelMeters);
                new NetSieveMeterBinder(countedRun::metrics).bindTo(countedMeters);
                // accepted: HTTP on 8080; rejected: a refused connection to 8081, UDP to a closed port (and the
                // kernel's port-unreachable answers), pings, ARP. Every loop bounded in count and time.
                for (int i = 0; i < REQUESTS; i++) {
                    lab.exec(client, "curl", "-s", "-o", "/dev/null", "--max-time", "5",
                            "http://" + SERVER + ":8080/");
                }
                lab.exec(client, "sh", "-c", "curl -s -o /dev/null --max-time 2 http://" + SERVER + ":8081/; true");
                lab.exec(client, "python3", "-c", "import socket, time\n"
                        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "for i in range(" + DATAGRAMS + "):\n"
                        + "    s.sendto(b'not for the filter %d' % i, ('" + SERVER + "', 9999)); time.sleep(0.002)\n");
                lab.exec(client, "ping", "-n", "-c", String.valueOf(PINGS), "-i", "0.05", "-W", "1", SERVER);
                LiveLab.await(10_000, () -> userRun.metrics().exchanges() == REQUESTS
                        && kernelRun.metrics().exchanges() == REQUESTS
                        && countedRun.metrics().exchanges() == REQUESTS, "the exchanges on the three runs");
                Thread.sleep(500); // anything late would show up now

                // while running: the user run counts filtered; the kernel run says it cannot
                NetSieveMetrics running = userRun.metrics();
                assertTrue(running.filteredCounted(), running.toString());
                assertTrue(running.filtered() >= DATAGRAMS + 2 * PINGS, running.toString());
                assertFalse(kernelRun.metrics().filteredCounted(), kernelRun.metrics().toString());
                LiveLab.await(2_000, () -> countedRun.metrics().filtered() >= DATAGRAMS + 2 * PINGS, "a sweep's count");
                assertTrue(countedRun.metrics().filteredCounted(), countedRun.metrics().toString());
            } finally {
                userSummary = userRun.stop();
                kernelSummary = kernelRun.stop();
                countedSummary = countedRun.stop();
                userCapture = userRun.captureStats();
                kernelCapture = kernelRun.captureStats();
                countedCapture = countedRun.captureStats();
                Thread.sleep(200);
                lab.stop(tcpdump);
            }
            assertTrue(userSummary.complete(), userSummary.errors().toString());
            assertTrue(kernelSummary.complete(), kernelSummary.errors().toString());
            assertTrue(countedSummary.complete(), countedSummary.errors().toString());

            long all = tcpdumpCount(pcap, null);
            long accepted = tcpdumpCount(pcap, FILTER);
            long rejected = all - accepted;
            NetSieveMetrics u = userSummary.metrics();
            NetSieveMetrics k = kernelSummary.metrics();
            CapturePointStats us = u.capturePoints().get(0).stats();
            CapturePointStats ks = k.capturePoints().get(0).stats();
            CaptureStats uc = userCapture.get(0);
            CaptureStats kc = kernelCapture.get(0);
            NetSieveMetrics n = countedSummary.metrics();
            CapturePointStats ns = n.capturePoints().get(0).stats();
            CaptureStats nc = countedCapture.get(0);
            System.out.println("[live filter] tcpdump saw " + all + " packets, '" + FILTER + "' accepts " + accepted
                    + " (libpcap); user space: packets " + u.packets() + ", filtered " + u.filtered() + ", processed "
                    + u.processed() + " (libpcap received " + uc.received() + "); kernel: packets " + k.packets()
                    + ", filtered not counted (libpcap received " + kc.received() + "); kernel counting: packets "
                    + n.packets() + ", filtered " + n.filtered() + " (libpcap received " + nc.received()
                    + ", the counting socket " + nc.filterRejected() + ")");
            assertTrue(accepted >= REQUESTS * 6L, "handshake, request, response, close per request: " + accepted);
            assertTrue(rejected >= DATAGRAMS + 2 * PINGS + 2, "UDP, pings, the refused SYN and its RST: " + rejected);

            // user space: every packet of the interface read, exactly the rejected ones filtered
            assertTrue(u.filteredCounted());
            assertTrue(us.filteredCounted());
            assertEquals(all, u.packets(), "every packet that crossed the interface");
            assertEquals(rejected, u.filtered(), "the packets the filter rejects, as libpcap's compiler says");
            assertEquals(accepted, us.analysed());
            assertEquals(u.packets(), u.processed() + u.filtered() + u.truncated() + u.malformed() + u.unsupported(),
                    "every packet in exactly one outcome");
            assertEquals(uc.delivered(), u.packets() + u.droppedByUs(), "every frame delivered went somewhere");
            assertEquals(0, uc.kernelDropped(), uc.toString());
            assertEquals(uc.received(), uc.delivered(), "no kernel filter: libpcap received every packet");
            assertEquals(u.filtered(), counter(userMeters, "filtered"));
            assertEquals(u.processed(), counter(userMeters, "processed"));

            // kernel: only the accepted packets read, the rejected ones not counted — and said so
            assertFalse(k.filteredCounted());
            assertFalse(ks.filteredCounted());
            assertEquals(0, k.filtered());
            assertEquals(accepted, k.packets(), "the packets the kernel filter let through");
            assertEquals(k.packets(), k.processed() + k.truncated() + k.malformed() + k.unsupported());
            assertEquals(kc.received(), kc.delivered(), "libpcap counts only what passed the kernel filter");
            assertEquals(-1, kc.filterRejected(), "nothing counts the kernel filter's rejects");
            assertEquals(kc.delivered(), k.packets() + k.droppedByUs());
            assertNull(Search.in(kernelMeters).name("netsieve.packets").tag("outcome", "filtered").functionCounter(),
                    "no filtered counter when the kernel rejects packets uncounted");
            assertEquals(k.processed(), counter(kernelMeters, "processed"));

            // kernel counting its rejects: the kernel's count is exactly what the filter rejected, and the run counts
            // every packet as user space does
            assertEquals(-1, uc.filterRejected());
            assertEquals(rejected, nc.filterRejected(), "the counting socket: " + nc);
            assertEquals(accepted, nc.received(), nc.toString());
            assertEquals(all, nc.received() + nc.filterRejected(), "passed + rejected = every packet");
            assertTrue(n.filteredCounted());
            assertTrue(ns.filteredCounted());
            assertEquals(rejected, n.filtered());
            assertEquals(all, n.packets());
            assertEquals(accepted, ns.analysed());
            assertEquals(n.packets(), n.processed() + n.filtered() + n.truncated() + n.malformed() + n.unsupported());
            assertEquals(nc.delivered(), ns.analysed() + n.droppedByUs());
            assertEquals(n.filtered(), counter(countedMeters, "filtered"));

            // the same traffic through any of them: the same records
            assertEquals(us.decoded(), ks.decoded());
            assertEquals(us.decoded(), ns.decoded());
            assertEquals(REQUESTS, u.exchanges());
            assertEquals(REQUESTS, k.exchanges());
            assertEquals(REQUESTS, n.exchanges());
            assertEquals(us.l4Records(), ks.l4Records());
            assertEquals(us.l4Records(), ns.l4Records());
        }
    }

    @Test
    void aFilterTheKernelRefusesRunsInUserSpace() throws Exception {
        Prerequisites.requireCommand("python3");
        Prerequisites.requireCommand("ping");
        try (Netns lab = Netns.create("lfk")) {
            String a = lab.add("a");
            String b = lab.add("b");
            String sfx = lab.prefix().substring(lab.prefix().length() - 4);
            lab.veth(a, "fka" + sfx, "198.18.254.5/30", b, "fkb" + sfx, "198.18.254.6/30");
            // protochain walks the IPv6 header chain with a backward jump: the kernel's checker refuses it
            LiveInterface li = new LiveInterface("fkb" + sfx, b, LiveLab.nic("fkb" + sfx, "198.18.254.6"));
            LiveCaptureException refused = assertThrows(LiveCaptureException.class,
                    () -> NetSieve.builder().live(List.of(li)).filter("protochain 17").build().start());
            assertTrue(refused.getMessage().contains("kernel would refuse"), refused.getMessage());
            NetSieve.LiveRun run = NetSieve.builder().live(List.of(li)).filter("protochain 17")
                    .liveFilterPlacement(FilterPlacement.USER).build().start();
            RunSummary summary;
            try {
                lab.exec(a, "python3", "-c", "import socket\n"
                        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "for i in range(7): s.sendto(b'x', ('198.18.254.6', 9))\n");
                lab.exec(a, "ping", "-n", "-c", "2", "-i", "0.05", "-W", "1", "198.18.254.6");
                LiveLab.await(5_000, () -> run.metrics().processed() >= 7 && run.metrics().filtered() >= 4,
                        "the datagrams and the pings");
            } finally {
                summary = run.stop();
            }
            NetSieveMetrics m = summary.metrics();
            assertTrue(m.filteredCounted());
            assertEquals(7, m.capturePoints().get(0).stats().decode().count(io.netsieve.core.packet.Layer.UDP),
                    m.toString());
            assertEquals(m.packets(), m.processed() + m.filtered() + m.truncated() + m.malformed() + m.unsupported());
        }
    }

    @Test
    void thePlacementIsSetOnceAndForLiveRunsOnly() throws Exception {
        LiveInterface li = new LiveInterface("eth0", null, LiveLab.nic("eth0", "198.18.254.9"));
        assertThrows(IllegalStateException.class, () -> NetSieve.builder().live(List.of(li))
                .liveFilterPlacement(FilterPlacement.USER).liveFilterPlacement(FilterPlacement.KERNEL));
        assertThrows(NullPointerException.class, () -> NetSieve.builder().liveFilterPlacement(null));
        IllegalStateException offline = assertThrows(IllegalStateException.class, () -> NetSieve.builder()
                .files(List.of(Path.of("../examples/src/main/resources/demo/pod-a-eth0.pcap")))
                .liveFilterPlacement(FilterPlacement.USER).build());
        assertTrue(offline.getMessage().contains("live"), offline.getMessage());
        // offline, filtered is always counted
        NetSieveMetrics m = NetSieve.builder()
                .files(List.of(Path.of("../examples/src/main/resources/demo/pod-a-eth0.pcap"))).filter("udp")
                .build().run().metrics();
        assertTrue(m.filteredCounted());
        assertTrue(m.filtered() > 0, m.toString());
        assertTrue(m.capturePoints().get(0).stats().filteredCounted());
    }
}
