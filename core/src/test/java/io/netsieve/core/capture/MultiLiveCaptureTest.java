package io.netsieve.core.capture;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Netns;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two interfaces in two namespaces captured at once: every echo request of each ping arrives once, stamped with
 * its interface's capture-point id, in time order; counters add up; close ends the consumer.
 */
class MultiLiveCaptureTest {

    @Test
    void capturesSeveralNamespacesIntoOneTimeOrderedStream() throws Exception {
        try (Netns lab = Netns.create("multi")) {
            String hub = lab.add("hub");
            String a = lab.add("a");
            String b = lab.add("b");
            String sfx = lab.prefix().substring(lab.prefix().length() - 4);
            lab.veth(hub, "ma" + sfx, "198.18.251.1/30", a, "pa" + sfx, "198.18.251.2/30");
            lab.veth(hub, "mb" + sfx, "198.18.251.5/30", b, "pb" + sfx, "198.18.251.6/30");
            MultiLiveCapture capture = MultiLiveCapture.open(List.of(
                    LiveCaptureConfig.builder("pa" + sfx).netns(a).capturePointId(1).build(),
                    LiveCaptureConfig.builder("pb" + sfx).netns(b).capturePointId(2).build()));
            int[] echoRequests = new int[3];
            long[] last = {Long.MIN_VALUE};
            boolean[] ordered = {true};
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread consumer = new Thread(() -> {
                PacketView view = new PacketView();
                PacketDecoder decoder = new PacketDecoder();
                DecodedPacket d = new DecodedPacket();
                try {
                    while (capture.next(view)) {
                        decoder.decode(view, d);
                        if (d.has(Layer.ICMP) && d.icmp().type() == 8) {
                            echoRequests[view.capturePointId()]++;
                        }
                        ordered[0] &= view.timestampNanos() >= last[0];
                        last[0] = view.timestampNanos();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            consumer.start();
            lab.exec(hub, "ping", "-c", "10", "-i", "0.02", "-W", "1", "198.18.251.2");
            lab.exec(hub, "ping", "-c", "15", "-i", "0.02", "-W", "1", "198.18.251.6");
            Thread.sleep(300);
            List<CaptureStats> stats = capture.stats();
            capture.close();
            consumer.join(3_000);
            assertFalse(consumer.isAlive());
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(10, echoRequests[1]);
            assertEquals(15, echoRequests[2]);
            assertTrue(ordered[0], "time order across interfaces");
            assertEquals(2, stats.size());
            for (CaptureStats s : stats) {
                assertEquals(0, s.queueDropped());
                assertEquals(0, s.kernelDropped());
                assertTrue(s.delivered() >= 20, s.toString());
            }
        }
    }

    /** Namespaces x and y joined by a veth pair; returns y's interface name. */
    private static String pair(Netns lab, String tag, String addressX, String addressY) throws Exception {
        String x = lab.add("x");
        String y = lab.add("y");
        String sfx = lab.prefix().substring(lab.prefix().length() - 4);
        lab.veth(x, tag + "x" + sfx, addressX, y, tag + "y" + sfx, addressY);
        return tag + "y" + sfx;
    }

    @Test
    void fullRingDropsAndCounts() throws Exception {
        try (Netns lab = Netns.create("ring")) {
            String ry = pair(lab, "r", "198.18.251.9/30", "198.18.251.10/30");
            String x = lab.prefix() + "-x";
            String y = lab.prefix() + "-y";
            // A ring of 16 frames that nobody consumes: the 17th frame onwards must be dropped and counted.
            MultiLiveCapture capture = MultiLiveCapture.open(List.of(
                    LiveCaptureConfig.builder(ry).netns(y).build()), 65_536, 16);
            lab.exec(x, "ping", "-c", "20", "-i", "0.01", "-W", "1", "198.18.251.10");
            Thread.sleep(300);
            CaptureStats s = capture.stats().get(0);
            capture.close();
            assertTrue(s.delivered() >= 40, s.toString());
            assertEquals(s.delivered() - 16, s.queueDropped(), s.toString());
        }
    }

    @Test
    void pollReturnsIdleOnAQuietLinkThenThePacketThenTheEnd() throws Exception {
        try (Netns lab = Netns.create("poll")) {
            String py = pair(lab, "p", "198.18.251.13/30", "198.18.251.14/30");
            String x = lab.prefix() + "-x";
            String y = lab.prefix() + "-y";
            MultiLiveCapture capture = MultiLiveCapture.open(List.of(
                    LiveCaptureConfig.builder(py).netns(y).capturePointId(7).build()));
            PacketView view = new PacketView();
            long t0 = System.nanoTime();
            assertEquals(MultiLiveCapture.Poll.IDLE, capture.poll(view, 200_000_000L), "nothing sent yet");
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= 190_000_000L && waited < 1_000_000_000L, "waited " + waited + " ns");
            assertEquals(MultiLiveCapture.Poll.IDLE, capture.poll(view, 0), "a zero timeout does not block");
            lab.exec(x, "ping", "-c", "1", "-W", "1", "198.18.251.14");
            int echoRequests = 0;
            MultiLiveCapture.Poll p;
            PacketDecoder decoder = new PacketDecoder();
            DecodedPacket d = new DecodedPacket();
            while ((p = capture.poll(view, 300_000_000L)) == MultiLiveCapture.Poll.PACKET) {
                assertEquals(7, view.capturePointId());
                decoder.decode(view, d);
                if (d.has(Layer.ICMP) && d.icmp().type() == 8) {
                    echoRequests++;
                }
            }
            assertEquals(MultiLiveCapture.Poll.IDLE, p, "quiet again after the ping");
            assertEquals(1, echoRequests);
            capture.close();
            assertEquals(MultiLiveCapture.Poll.END, capture.poll(view, 1_000_000_000L));
            assertFalse(capture.next(view));
        }
    }
}
