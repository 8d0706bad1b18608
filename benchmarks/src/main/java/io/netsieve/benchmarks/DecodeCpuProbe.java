package io.netsieve.benchmarks;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The loops of {@link L4Benchmark} ({@code decodeOnly}, {@code decodeAndTrack}) and of {@link DecodeBenchmark}'s
 * cache-hot window (16 384 frames), timed in thread CPU time rather than wall-clock time: on a shared machine the
 * JMH scores swing with what else runs, while the CPU time the thread itself used is distorted far less (cache and
 * memory-bandwidth sharing still count). Prints the minimum and median nanoseconds per packet over the passes
 * (after as many warm-up passes).
 *
 * <pre>java -Xmx6g -cp benchmarks/target/benchmarks.jar io.netsieve.benchmarks.DecodeCpuProbe [passes]</pre>
 */
public final class DecodeCpuProbe {
    private static final int PACKETS = 200_000;
    private static final int HOT_WINDOW = 16_384;
    private static long records;

    private DecodeCpuProbe() {
    }

    public static void main(String[] args) throws Exception {
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        BenchFrames f = BenchFrames.load(PACKETS);
        PacketView view = new PacketView();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] only = new double[passes];
        double[] track = new double[passes];
        double[] hot = new double[passes];
        long sink = 0;
        for (int round = 0; round < 2; round++) { // the first round warms up
            for (int r = 0; r < passes; r++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < f.count; i++) {
                    f.wrap(view, i, 0L);
                    decoder.decode(view, decoded);
                    sink += decoded.tcp().flags();
                }
                long t1 = mx.getCurrentThreadCpuTime();
                L4Tracker tracker = L4Tracker.builder().config(L4Config.defaults()).listener(log -> records++).build();
                f.track(tracker, view, decoder, decoded, 0L);
                long t2 = mx.getCurrentThreadCpuTime();
                for (int n = 0, i = 0; n < PACKETS; n++, i = i + 1 == HOT_WINDOW ? 0 : i + 1) {
                    f.wrap(view, i, 0L);
                    decoder.decode(view, decoded);
                    sink += decoded.layers() + decoded.srcPort();
                }
                long t3 = mx.getCurrentThreadCpuTime();
                only[r] = (t1 - t0) / (double) PACKETS;
                track[r] = (t2 - t1) / (double) PACKETS;
                hot[r] = (t3 - t2) / (double) PACKETS;
            }
        }
        Arrays.sort(only);
        Arrays.sort(track);
        Arrays.sort(hot);
        System.out.printf("ns/packet (thread CPU, min / median of %d passes): decodeOnly %.1f / %.1f, "
                        + "decodeAndTrack %.1f / %.1f, decode 16384-frame window %.1f / %.1f (checksum %d)%n",
                passes, only[0], only[passes / 2], track[0], track[passes / 2], hot[0], hot[passes / 2],
                sink + records);
    }
}
