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
 * The library's own live capture on all 14 NICs of the lab at once (each in its namespace), running while the
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
                    {"node2", "veth-c"}, {"node2", "veth-d"}, {"node2", "br0"}, {"node2", "eth0"}, {"ext", "eth0"}};
            List<LiveCaptureConfig> configs = new ArrayList<>();
            for (int i = 0; i < nics.length; i++) {
                configs.add(LiveCaptureConfig.builder(nics[i][1]).netns(prefix + "-" + nics[i][0])
                        .capturePointId(i).build());
            }
            List<List<byte[]>> ours = new ArrayList<>();
            for (int i = 0; i < nics.length; i++) {
                ours.add(new ArrayList<>());
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
            Thread.sleep(300);
            List<CaptureStats> stats = capture.stats();
            capture.close();
            consumer.join(5_000);
            assertFalse(consumer.isAlive());
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            CaptureSet set = CaptureManifest.read(lab.manifest());
            assertEquals(nics.length, set.size());
            for (CapturePoint point : set.points()) {
                List<byte[]> theirs = new ArrayList<>();
                try (CaptureFileReader reader = CaptureFiles.open(point.file())) {
                    PacketView view = new PacketView();
                    while (reader.next(view)) {
                        theirs.add(view.copyBytes());
                    }
                }
                List<byte[]> mine = ours.get(point.id());
                String where = point.file().getFileName().toString();
                assertTrue(!theirs.isEmpty(), where);
                // tcpdump started a little later or earlier than we did: find where its first packet is in ours.
                // Identical frames repeat (neighbour solicitations, retransmitted SYNs), so every candidate start
                // is tried and the capture must match tcpdump's from one of them on.
                int matchedAt = -1;
                for (int start = 0; start + theirs.size() <= mine.size() && matchedAt < 0; start++) {
                    boolean all = true;
                    for (int i = 0; i < theirs.size() && all; i++) {
                        all = Arrays.equals(theirs.get(i), mine.get(start + i));
                    }
                    if (all) {
                        matchedAt = start;
                    }
                }
                if (matchedAt < 0) {
                    StringBuilder diag = new StringBuilder();
                    for (int i = 0; i < Math.min(theirs.size(), mine.size()); i++) {
                        if (!Arrays.equals(theirs.get(i), mine.get(i))) {
                            diag.append("\n  #").append(i).append(" tcpdump ").append(theirs.get(i).length)
                                    .append(" B ").append(java.util.HexFormat.of().formatHex(theirs.get(i), 0,
                                            Math.min(64, theirs.get(i).length)))
                                    .append("\n  #").append(i).append(" ours    ").append(mine.get(i).length)
                                    .append(" B ").append(java.util.HexFormat.of().formatHex(mine.get(i), 0,
                                            Math.min(64, mine.get(i).length)));
                            if (diag.length() > 2000) {
                                break;
                            }
                        }
                    }
                    throw new AssertionError(where + ": tcpdump's " + theirs.size() + " packets are not a run of our "
                            + mine.size() + diag);
                }
                CaptureStats s = stats.get(point.id());
                assertEquals(0, s.queueDropped(), where);
                assertEquals(0, s.kernelDropped(), where);
            }
        } finally {
            Lab.down(state);
        }
    }
}
