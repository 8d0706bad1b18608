package io.netsieve.benchmarks;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import java.nio.ByteBuffer;

/**
 * Heap per idle TCP flow: opens N connections with one SYN each (distinct 5-tuples), then measures the heap in use
 * after a full GC against the empty tracker. Not a JMH benchmark (a memory figure): run
 * {@code java -Xmx1g -cp benchmarks/target/benchmarks.jar io.netsieve.benchmarks.FlowMemoryProbe 1000000}.
 * A second argument {@code handshake} opens each connection with a full handshake instead (SYN, SYN-ACK, ACK: an
 * established connection that then stays idle, its first chunk still open).
 */
public final class FlowMemoryProbe {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        boolean handshake = args.length > 1 && args[1].equals("handshake");
        L4Tracker tracker = L4Tracker.builder().config(L4Config.builder().maxFlows(Math.max(n, 1)).build())
                .listener(log -> { }).build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView v = new PacketView();
        byte[] frame = new byte[54];
        ByteBuffer b = ByteBuffer.wrap(frame);
        long before = used();
        for (int i = 0; i < n; i++) {
            long t = 1_000_000_000L + 3L * i;
            packet(tracker, decoder, d, v, b, frame, i, true, i, 0, 0x02, t); // SYN
            if (handshake) {
                packet(tracker, decoder, d, v, b, frame, i, false, 7 * i, i + 1, 0x12, t + 1); // SYN-ACK
                packet(tracker, decoder, d, v, b, frame, i, true, i + 1, 7 * i + 1, 0x10, t + 2); // ACK
            }
        }
        long after = used();
        System.out.printf("%d idle TCP flows (%s): %d active, %.0f bytes of heap per flow (max heap %d MB)%n", n,
                handshake ? "SYN, SYN-ACK, ACK" : "one SYN", tracker.stats().flowsActive(),
                (after - before) / (double) n, Runtime.getRuntime().maxMemory() >> 20);
    }

    /** One Ethernet/IPv4/TCP frame of flow {@code i} (198.18.x.y:i <-> 198.19.0.1:80), client to server or back. */
    private static void packet(L4Tracker tracker, PacketDecoder decoder, DecodedPacket d, PacketView v, ByteBuffer b,
                               byte[] frame, int i, boolean fromClient, int seq, int ack, int flags, long time) {
        int client = 0xc6120000 | (i >>> 16);
        int server = 0xc6130001;
        b.clear();
        b.put(fromClient ? new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1} : new byte[] {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2})
                .putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(fromClient ? client : server)
                .putInt(fromClient ? server : client);
        b.putShort((short) (fromClient ? i : 80)).putShort((short) (fromClient ? 80 : i)).putInt(seq).putInt(ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        v.wrap(frame, 0, 54, 54, time, LinkType.ETHERNET, 0);
        decoder.decode(v, d);
        tracker.onPacket(d);
    }

    private static long used() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
