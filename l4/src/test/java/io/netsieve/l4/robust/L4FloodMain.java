package io.netsieve.l4.robust;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Stats;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamStats;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Run in its own JVM with a small fixed heap by {@code L4FloodTest}: a SYN flood of random 5-tuples, then TCP
 * garbage (random flags, seq, ack, window, payload) on a small set of tuples, through the tracker with stream
 * reassembly on. Prints the counters; any exception ends the JVM with a non-zero status.
 */
public final class L4FloodMain {
    public static void main(String[] args) {
        int syns = Integer.parseInt(args[0]);
        int garbage = Integer.parseInt(args[1]);
        SplittableRandom r = new SplittableRandom(42);
        long[] delivered = new long[1];
        L4Tracker tracker = L4Tracker.builder().config(L4Config.defaults()).listener(log -> { })
                .streams(info -> new StreamHandler() {
                    @Override
                    public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
                        delivered[0] += length;
                    }
                }).build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView v = new PacketView();
        byte[] frame = new byte[14 + 20 + 20 + 1400];
        ByteBuffer b = ByteBuffer.wrap(frame);
        long time = 1_000_000_000L;
        for (int i = 0; i < syns; i++) {
            int len = build(b, r.nextInt(), r.nextInt(), r.nextInt(65536), r.nextInt(65536), r.nextInt(), 0, 0x02,
                    0, r);
            v.wrap(frame, 0, len, len, time += 1000, LinkType.ETHERNET, 0);
            decoder.decode(v, d);
            tracker.onPacket(d);
        }
        int[] hosts = new int[64];
        for (int i = 0; i < hosts.length; i++) {
            hosts[i] = 0xc6120000 | i; // 198.18.0.x
        }
        for (int i = 0; i < garbage; i++) {
            int len = build(b, hosts[r.nextInt(hosts.length)], hosts[r.nextInt(hosts.length)], 1000 + r.nextInt(8),
                    80 + r.nextInt(4), r.nextInt(), r.nextInt(), r.nextInt(256), r.nextInt(1400), r);
            v.wrap(frame, 0, len, len, time += 1000 + r.nextInt(100_000), LinkType.ETHERNET, 0);
            decoder.decode(v, d);
            tracker.onPacket(d);
        }
        tracker.flush();
        L4Stats s = tracker.stats();
        StreamStats ss = tracker.streamStats();
        Runtime rt = Runtime.getRuntime();
        System.out.println("flows created " + s.flowsCreated() + " evicted " + s.flowsEvicted() + " expired "
                + s.flowsExpired() + " records " + s.records() + " delivered " + delivered[0] + " gaps " + ss.gaps()
                + " overflows " + ss.bufferOverflows() + " heap used " + (rt.totalMemory() - rt.freeMemory()) / 1_000_000
                + " MB of max " + rt.maxMemory() / 1_000_000 + " MB");
    }

    private static int build(ByteBuffer b, int src, int dst, int sport, int dport, int seq, int ack, int flags,
                             int payload, SplittableRandom r) {
        b.clear();
        b.put(new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(src).putInt(dst);
        b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack).put((byte) 0x50)
                .put((byte) flags).putShort((short) r.nextInt(65536)).putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) r.nextInt(256));
        }
        return b.position();
    }
}
