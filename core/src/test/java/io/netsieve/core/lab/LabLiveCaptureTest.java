package io.netsieve.core.lab;

import io.netsieve.core.capture.CaptureStats;
import io.netsieve.core.capture.LiveCaptureConfig;
import io.netsieve.core.capture.MultiLiveCapture;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Lab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's own live capture on all 16 NICs of the lab at once (each in its namespace), running while the
 * lab's tcpdumps record the same traffic: on every NIC, tcpdump's packets appear in ours, byte for byte, in order.
 */
class LabLiveCaptureTest {

    @Test
    void everyNicCapturesWhatTcpdumpCaptures(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        String prefix = Lab.up(state);
        try {
            // The NICs, in the manifest's order: (namespace suffix, interface).
            String[][] nics = {
                    {"pod-a", "eth0"}, {"pod-b", "eth0"}, {"pod-c", "eth0"}, {"pod-d", "eth0"},
                    {"node1", "veth-a"}, {"node1", "veth-b"}, {"node1", "br0"}, {"node1", "eth0"}, {"node1", "eth1"},
                    {"node2", "veth-c"}, {"node2", "veth-d"}, {"node2", "br0"}, {"node2", "eth0"}, {"ext", "eth0"},
                    {"node1", "vxlan0"}, {"node2", "vxlan0"}};
            List<LiveCaptureConfig> configs = new ArrayList<>();
            for (int i = 0; i < nics.length; i++) {
                configs.add(LiveCaptureConfig.builder(nics[i][1]).netns(prefix + "-" + nics[i][0])
                        .capturePointId(i).build());
            }
            List<List<byte[]>> ours = new ArrayList<>();
            for (int i = 0; i < nics.length; i++) {
                ours.add(java.util.Collections.synchronizedList(new ArrayList<>()));
            }
            MultiLiveCapture capture = MultiLiveCapture.open(configs);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread consumer = new Thread(() -> {
                PacketView view = new PacketView();
                try {
                    while (capture.next(view)) {
                        ours.get(view.capturePointId()).add(view.copyBytes());
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            consumer.start();
            Lab lab = Lab.traffic(state, tmp.resolve("captures"));
            CaptureSet set = CaptureManifest.read(lab.manifest());
            assertEquals(nics.length, set.size());
            List<List<byte[]>> recorded = new ArrayList<>();
            for (CapturePoint point : set.points()) {
                List<byte[]> theirs = new ArrayList<>();
                try (CaptureFileReader reader = CaptureFiles.open(point.file())) {
                    PacketView view = new PacketView();
                    while (reader.next(view)) {
                        theirs.add(view.copyBytes());
                    }
                }
                recorded.add(theirs);
            }
            // The last frames may still sit in our capture's kernel buffer (handed over at its timeout, later on a
            // loaded machine): wait until every NIC has at least tcpdump's count, at most 10 s, then stop.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && !caughtUp(ours, recorded)) {
                Thread.sleep(50);
            }
            List<CaptureStats> stats = capture.stats();
            capture.close();
            consumer.join(5_000);
            assertFalse(consumer.isAlive());
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (CapturePoint point : set.points()) {
                List<byte[]> theirs = recorded.get(point.id());
                List<byte[]> mine = ours.get(point.id());
                String where = point.file().getFileName().toString();
                assertTrue(!theirs.isEmpty(), where);
                // Every frame tcpdump captured must be in ours (as many times). Not in the same order: on a veth the
                // kernel hands a frame to each capture socket from the CPU that sends or receives it, so two sockets
                // can see frames sent and received at the same moment in different orders. Ours started earlier
                // and stopped later, so it may have a few more.
                java.util.Map<String, Integer> count = new java.util.HashMap<>();
                for (byte[] f : mine) {
                    count.merge(java.util.HexFormat.of().formatHex(f), 1, Integer::sum);
                }
                List<Integer> missing = new ArrayList<>();
                for (int i = 0; i < theirs.size(); i++) {
                    String k = java.util.HexFormat.of().formatHex(theirs.get(i));
                    Integer c = count.get(k);
                    if (c == null || c == 0) {
                        missing.add(i);
                    } else {
                        count.put(k, c - 1);
                    }
                }
                assertTrue(missing.isEmpty(), where + ": " + missing.size() + " of tcpdump's " + theirs.size()
                        + " frames are not in our " + mine.size() + " (first missing: #" + (missing.isEmpty() ? -1
                        : missing.get(0)) + ")");
                CaptureStats s = stats.get(point.id());
                assertEquals(0, s.queueDropped(), where);
                assertEquals(0, s.kernelDropped(), where);
            }
        } finally {
            Lab.down(state);
        }
    }

    private static boolean caughtUp(List<List<byte[]>> ours, List<List<byte[]>> recorded) {
        for (int i = 0; i < recorded.size(); i++) {
            if (ours.get(i).size() < recorded.get(i).size()) {
                return false;
            }
        }
        return true;
    }
}
