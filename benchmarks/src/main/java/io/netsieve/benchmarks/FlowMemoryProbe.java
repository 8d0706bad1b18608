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
 */
public final class FlowMemoryProbe {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        L4Tracker tracker = L4Tracker.builder().config(L4Config.builder().maxFlows(Math.max(n, 1)).build())
                .listener(log -> { }).build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView v = new PacketView();
        byte[] frame = new byte[54];
        ByteBuffer b = ByteBuffer.wrap(frame);
        long before = used();
        for (int i = 0; i < n; i++) {
            b.clear();
            b.put(new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
            b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1).putShort((short) 0)
                    .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0xc6120000 | (i >>> 16))
                    .putInt(0xc6130001);
            b.putShort((short) i).putShort((short) 80).putInt(i).putInt(0).put((byte) 0x50).put((byte) 0x02)
                    .putShort((short) 65535).putShort((short) 0).putShort((short) 0);
            v.wrap(frame, 0, 54, 54, 1_000_000_000L + i, LinkType.ETHERNET, 0);
            decoder.decode(v, d);
            tracker.onPacket(d);
        }
        long after = used();
        System.out.printf("%d idle TCP flows: %d active, %.0f bytes of heap per flow (max heap %d MB)%n", n,
                tracker.stats().flowsActive(), (after - before) / (double) n, Runtime.getRuntime().maxMemory() >> 20);
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
