package io.netsieve.topology.internal;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring on its own, against a plain model (a map from connection to the frames offered for it): the demo set's
 * frames offered forty times over, each time as other capture points (so every connection is new), through a ring of
 * 200 connections whose slots are reused several times: every connection still kept holds exactly its frames, the
 * evicted ones remembered say so, the older ones are forgotten, and the tuple table finds the right connection for
 * every frame throughout (a stale mapping would send frames to the wrong connection).
 */
class PacketRingTest {

    @Test
    void slotsReusedManyTimesKeepEveryLiveConnectionExact() throws Exception {
        List<CapturePoint> points = CaptureManifest.read(Path.of("../examples/src/main/resources/demo/captures.tsv"))
                .points();
        int max = 200;
        PacketRing ring = new PacketRing(64L << 20, 1L << 20, max);
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView view = new PacketView();
        long[] key = new long[6];
        // the model: connection (capture point, id) -> the frames offered for it, in order
        Map<String, List<String>> model = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (int round = 0; round < 40; round++) {
            for (CapturePoint p : points) {
                int cp = round * 100 + p.id();
                Map<String, String> idOfKey = new HashMap<>();
                try (CaptureFileReader r = CaptureFiles.open(p.file(), cp)) {
                    while (r.next(view)) {
                        decoder.decode(view, d);
                        if (!PacketRing.key(d, cp, key)) {
                            continue;
                        }
                        String k = Arrays.toString(key);
                        String started = null;
                        if (!idOfKey.containsKey(k)) { // one connection per tuple and capture point here
                            started = "c" + order.size();
                            idOfKey.put(k, started);
                            order.add(cp + "/" + started);
                        }
                        ring.offer(view, key, started);
                        model.computeIfAbsent(cp + "/" + idOfKey.get(k), x -> new ArrayList<>())
                                .add(view.timestampNanos() + ":" + Arrays.toString(view.copyBytes()));
                    }
                }
            }
        }
        assertTrue(order.size() > 3 * (max + PacketRing.REMEMBERED_EVICTIONS), "connections: " + order.size());
        long[] c = ring.counters();
        assertEquals(order.size(), c[5], "connections started");
        assertEquals(max, c[6], "connections kept");
        assertEquals(order.size() - max, c[8], "evicted for a slot");
        int live = 0;
        int evicted = 0;
        for (int i = 0; i < order.size(); i++) {
            String[] id = order.get(i).split("/");
            PacketRing.Lookup l = ring.lookup(Integer.parseInt(id[0]), id[1], Long.MIN_VALUE, Long.MAX_VALUE);
            if (i >= order.size() - max) {
                List<String> frames = l.frames().stream()
                        .map(f -> f.timestampNanos() + ":" + Arrays.toString(f.data())).toList();
                assertEquals(model.get(order.get(i)), frames, order.get(i));
                live++;
            } else if (i >= order.size() - max - PacketRing.REMEMBERED_EVICTIONS) {
                assertEquals(PacketRing.EVICTED_CONNECTIONS, l.state(), order.get(i));
                evicted++;
            } else {
                assertNull(l, "forgotten: " + order.get(i));
            }
        }
        assertEquals(max, live);
        assertEquals(PacketRing.REMEMBERED_EVICTIONS, evicted);
    }

    /**
     * Offering frames allocates nothing once the ring has wrapped (its chunks allocated and reused): the demo set's
     * frames, copied once into one array, offered round after round through a 64 KiB ring, measured with the JVM's
     * per-thread allocation counter.
     */
    @Test
    void offeringAFrameAllocatesNothingOnceTheRingHasWrapped() throws Exception {
        List<CapturePoint> points = CaptureManifest.read(Path.of("../examples/src/main/resources/demo/captures.tsv"))
                .points();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView view = new PacketView();
        List<long[]> keys = new ArrayList<>();
        List<long[]> frames = new ArrayList<>(); // offset, length, wire length, timestamp, link type
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (CapturePoint p : points) {
            try (CaptureFileReader r = CaptureFiles.open(p.file(), p.id())) {
                while (r.next(view)) {
                    decoder.decode(view, d);
                    long[] key = new long[6];
                    if (PacketRing.key(d, p.id(), key)) {
                        keys.add(key);
                        frames.add(new long[] {all.size(), view.captureLength(), view.wireLength(),
                                view.timestampNanos(), view.linkType()});
                        all.write(view.copyBytes());
                    }
                }
            }
        }
        byte[] bytes = all.toByteArray();
        // each round starts every connection anew (as L4 would on a new capture): ids made before measuring
        String[][] started = new String[30][keys.size()];
        for (int round = 0; round < 30; round++) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < keys.size(); i++) {
                if (seen.add(Arrays.toString(keys.get(i)))) {
                    started[round][i] = round + "-" + i;
                }
            }
        }
        PacketRing ring = new PacketRing(PacketRing.CHUNK, 16_384, 10_000);
        // through reflection: the test runs in the topology module, which does not read jdk.management
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        java.lang.reflect.Method allocatedBytes = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes");
        long before = 0;
        long offered = 0;
        long keptBefore = 0;
        for (int round = 0; round < 30; round++) {
            if (round == 20) { // warmed up, wrapped many times
                keptBefore = ring.counters()[1];
                before = (long) allocatedBytes.invoke(threads);
            }
            for (int i = 0; i < keys.size(); i++) {
                long[] f = frames.get(i);
                view.wrap(bytes, (int) f[0], (int) f[1], (int) f[2], f[3], (int) f[4], 0);
                ring.offer(view, keys.get(i), started[round][i]);
                offered += round >= 20 ? 1 : 0;
            }
        }
        long allocated = (long) allocatedBytes.invoke(threads) - before;
        assertTrue(bytes.length > PacketRing.CHUNK, "the ring wraps every round: " + bytes.length);
        long[] c = ring.counters();
        assertTrue(c[1] - keptBefore > offered / 2 && c[7] > 1000, "frames copied while measured, connections "
                + "evicted for room: " + (c[1] - keptBefore) + " of " + offered + ", " + Arrays.toString(c));
        assertTrue(offered > 10_000, "frames: " + offered);
        assertTrue(allocated < 1024, allocated + " bytes allocated for " + offered + " frames");
    }
}
