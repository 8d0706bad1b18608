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
 * A second argument picks what each flow sees instead of one SYN:
 * <ul>
 *   <li>{@code handshake}: SYN, SYN-ACK, ACK (an established connection that then stays idle, its first chunk
 *       still open);</li>
 *   <li>{@code recorded}: the handshake, then the clock advanced past the chunk idle timeout (30 s), so the first
 *       record is written and the connection stays idle until its TCP idle timeout (300 s);</li>
 *   <li>{@code data}: the handshake, a 100-byte request, a 200-byte response and its ACK (a connection that
 *       exchanged data, then idle, its first chunk open);</li>
 *   <li>{@code data-recorded}: as {@code data}, then the clock advanced past the chunk idle timeout.</li>
 * </ul>
 * A third argument sets a stream handler factory, as an L7 pipeline does: {@code streams}, one that declines every
 * connection (the tracker asks it on the first packet, then keeps the flow compact as without a factory);
 * {@code accepting}, one that gives every connection a handler that does nothing (the connection, its reassembly
 * state and the handler are kept whole: the L4 share of what an L7 pipeline, whose factory accepts every TCP
 * connection, holds per flow, the L7 handler's own state not included).
 * Also printed: the empty tracker's own heap (its flow table, allocated up front for {@code maxFlows} = N), which the
 * per-flow figure leaves out.
 */
public final class FlowMemoryProbe {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String mode = args.length > 1 ? args[1] : "syn";
        if (!java.util.List.of("syn", "handshake", "recorded", "data", "data-recorded").contains(mode)) {
            throw new IllegalArgumentException("mode: syn, handshake, recorded, data or data-recorded: " + mode);
        }
        boolean data = mode.startsWith("data");
        boolean handshake = !mode.equals("syn");
        long empty = used();
        String factory = args.length > 2 ? args[2] : "";
        if (!java.util.List.of("", "streams", "accepting").contains(factory)) {
            throw new IllegalArgumentException("stream handler factory: streams or accepting: " + factory);
        }
        boolean streams = !factory.isEmpty();
        L4Tracker.Builder builder = L4Tracker.builder().config(L4Config.builder().maxFlows(Math.max(n, 1)).build())
                .listener(log -> { });
        if (factory.equals("streams")) {
            builder.streams(info -> null);
        } else if (streams) {
            builder.streams(info -> (direction, bytes, offset, length, seq, ts) -> { });
        }
        L4Tracker tracker = builder.build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView v = new PacketView();
        byte[] frame = new byte[54];
        ByteBuffer b = ByteBuffer.wrap(frame);
        long before = used();
        long t = 0;
        for (int i = 0; i < n; i++) {
            t = 1_000_000_000L + 6L * i;
            packet(tracker, decoder, d, v, b, frame, i, true, i, 0, 0x02, 0, t); // SYN
            if (handshake) {
                packet(tracker, decoder, d, v, b, frame, i, false, 7 * i, i + 1, 0x12, 0, t + 1); // SYN-ACK
                packet(tracker, decoder, d, v, b, frame, i, true, i + 1, 7 * i + 1, 0x10, 0, t + 2); // ACK
            }
            if (data) {
                packet(tracker, decoder, d, v, b, frame, i, true, i + 1, 7 * i + 1, 0x18, 100, t + 3); // request
                packet(tracker, decoder, d, v, b, frame, i, false, 7 * i + 1, i + 101, 0x18, 200, t + 4); // response
                packet(tracker, decoder, d, v, b, frame, i, true, i + 101, 7 * i + 201, 0x10, 0, t + 5); // ACK
            }
        }
        if (mode.endsWith("recorded")) {
            tracker.advanceTime(t + 31_000_000_000L);
        }
        long after = used();
        System.out.printf("%d idle TCP flows (%s%s): %d active, %d records, %.0f bytes of heap per flow "
                        + "(max heap %d MB); the empty tracker (flow table for %d flows): %.1f MB%n", n, mode,
                streams ? ", stream handler factory " + factory : "",
                tracker.stats().flowsActive(), tracker.stats().records(), (after - before) / (double) n,
                Runtime.getRuntime().maxMemory() >> 20, n, (before - empty) / 1e6);
    }

    /** One Ethernet/IPv4/TCP frame of flow {@code i} (198.18.x.y:i <-> 198.19.0.1:80), client to server or back. */
    private static void packet(L4Tracker tracker, PacketDecoder decoder, DecodedPacket d, PacketView v, ByteBuffer b,
                               byte[] frame, int i, boolean fromClient, int seq, int ack, int flags, int payload,
                               long time) {
        int client = 0xc6120000 | (i >>> 16);
        int server = 0xc6130001;
        b.clear();
        b.put(fromClient ? new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1} : new byte[] {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2})
                .putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(fromClient ? client : server)
                .putInt(fromClient ? server : client);
        b.putShort((short) (fromClient ? i : 80)).putShort((short) (fromClient ? 80 : i)).putInt(seq).putInt(ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        // the payload bytes are not in the frame (a snap length of 54): the tracker counts the IP length
        v.wrap(frame, 0, 54, 54 + payload, time, LinkType.ETHERNET, 0);
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
