package io.netsieve.topology;

import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.nic.NicKind;
import io.netsieve.core.testing.Lab;
import io.netsieve.l7.L7Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieve#start()} capturing live inside the lab's namespaces (pod-a's eth0, node1's uplink eth0, pod-c's
 * eth0) while the lab's clients run: pod-a's HTTP requests to pod-c (the lab script's client list: {@code /},
 * {@code /chunked}, {@code /error} …) come out as L7 records on the three NICs and as paths over them in order,
 * with no packet dropped by the kernel or by us; stopping flushes everything.
 */
class NetSieveLiveLabTest {

    private static Nic nic(String host, String pod, String name, NicKind kind, String... addresses) throws Exception {
        Nic.Builder b = Nic.builder().host(host).nicName(name).kind(kind);
        if (pod != null) {
            b.podName(pod).k8sNamespace("lab");
        }
        List<InetAddress> a = new ArrayList<>();
        for (String s : addresses) {
            a.add(InetAddress.getByName(s));
        }
        return b.localAddresses(a).build();
    }

    @Test
    void liveCaptureOnThreeNicsFollowsPodAsRequests(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        String prefix = Lab.up(state);
        try {
            List<L7Log> records = Collections.synchronizedList(new ArrayList<>());
            List<ExchangePath> paths = Collections.synchronizedList(new ArrayList<>());
            NetSieve sieve = NetSieve.builder()
                    .live(List.of(
                            new LiveInterface("eth0", prefix + "-pod-a",
                                    nic("node1", "pod-a", "eth0", NicKind.VIRTUAL, "198.18.1.10", "fd00:198:18:1::10")),
                            new LiveInterface("eth0", prefix + "-node1",
                                    nic("node1", null, "eth0", NicKind.PHYSICAL, "198.18.0.1")),
                            new LiveInterface("eth0", prefix + "-pod-c",
                                    nic("node2", "pod-c", "eth0", NicKind.VIRTUAL, "198.18.2.10", "fd00:198:18:2::10"))))
                    .filter("tcp port 8080")
                    .onL7Log((log, n) -> records.add(log))
                    .onExchangePath(paths::add)
                    .build();
            NetSieve.LiveRun run = sieve.start();
            Lab.traffic(state, tmp.resolve("captures"));
            Thread.sleep(300);
            List<CaptureStats> stats = run.captureStats();
            assertTrue(run.progress().values().stream().mapToLong(CapturePointStats::packets).sum() > 0,
                    "progress while running");
            RunSummary summary = run.stop();
            assertTrue(summary.complete(), summary.errors().toString());
            for (CaptureStats s : stats) {
                assertEquals(0, s.kernelDropped(), s.toString());
                assertEquals(0, s.queueDropped(), s.toString());
            }
            for (CapturePointStats s : summary.capturePoints().values()) {
                assertTrue(s.packets() > 0);
                assertEquals(s.packets(), s.decoded() + s.truncated() + s.malformed() + s.unsupported(),
                        "the kernel filtered; nothing is filtered again");
            }
            // the lab's clients: pod-a asks for / over IPv4 and over IPv6, the others once
            for (String path : List.of("/", "/chunked", "/error", "/missing")) {
                List<ExchangePath> found = paths.stream().filter(p -> p.hops().get(0).log().http() != null
                        && p.hops().get(0).log().http().path().equals(path)
                        && p.hops().get(0).nic().podName().equals("pod-a")).toList();
                assertEquals(path.equals("/") ? 2 : 1, found.size(), path + " from pod-a: " + found.size() + " paths");
                for (ExchangePath p : found) {
                    assertEquals(List.of("node1/pod-a/eth0", "node1/eth0", "node2/pod-c/eth0"),
                            p.hops().stream().map(h -> h.nic().label()).toList(), path);
                    assertEquals(List.of("c", "c-nd", "s"), p.hops().stream().map(h -> h.role().label()).toList());
                    assertTrue(p.requestLatencyNanos().stream().allMatch(l -> l > 0 && l < 1_000_000_000L),
                            p.requestLatencyNanos().toString());
                }
            }
            assertTrue(records.stream().allMatch(r -> r.serverPort() == 8080), "only what the filter kept");
            System.out.println("[live lab] " + records.size() + " L7 records, " + paths.size() + " paths; "
                    + summary.capturePoints().values());
        } finally {
            Lab.down(state);
        }
    }
}
