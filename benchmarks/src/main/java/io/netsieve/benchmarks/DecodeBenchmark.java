package io.netsieve.benchmarks;

import io.netsieve.core.packet.DecodeStats;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.factory.PacketFactories;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decodes every layer of the benchmark capture held in memory (no I/O): the score is packets per second and,
 * with {@code -prof gc}, {@code gc.alloc.rate.norm} is the allocation per packet. Baseline column: pcap4j's packet
 * factory decoding the same frames from byte arrays (what a pcap4j user gets).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@OperationsPerInvocation(BenchCapture.PACKETS)
public class DecodeBenchmark {
    byte[] frames;
    int[] offsets;
    int[] lengths;
    int[] wireLengths;
    long[] timestamps;
    int linkType;
    final PacketView view = new PacketView();
    final PacketDecoder decoder = new PacketDecoder();
    final DecodedPacket decoded = new DecodedPacket();
    final DecodeStats stats = new DecodeStats();
    List<byte[]> pcap4jFrames;

    /**
     * Frames cycled through: the whole capture (600000, about 430 MB, so most header reads miss every cache), or a
     * window of the first frames repeated until 600000 decodes are done (what a decoder sees right after the
     * capture source copied a batch in: headers hot in cache).
     */
    @Param({"600000", "16384"})
    public int window;

    @Setup(Level.Trial)
    public void load() throws Exception {
        BenchFrames loaded = BenchFrames.load(BenchCapture.PACKETS);
        frames = loaded.frames;
        offsets = loaded.offsets;
        lengths = loaded.lengths;
        wireLengths = loaded.wireLengths;
        timestamps = loaded.timestamps;
        linkType = loaded.linkType;
        int n = loaded.count;
        if (Boolean.getBoolean("netsieve.bench.pcap4j")) {
            pcap4jFrames = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] f = new byte[lengths[i]];
                System.arraycopy(frames, offsets[i], f, 0, f.length);
                pcap4jFrames.add(f);
            }
        }
    }

    /** netsieve: every layer of every frame, into one reused DecodedPacket. */
    @Benchmark
    public long netsieveDecode() {
        long sum = 0;
        int w = window;
        for (int n = 0, i = 0; n < BenchCapture.PACKETS; n++, i = i + 1 == w ? 0 : i + 1) {
            view.wrap(frames, offsets[i], lengths[i], wireLengths[i], timestamps[i], linkType, 0);
            decoder.decode(view, decoded);
            sum += decoded.layers() + decoded.srcPort();
        }
        return sum;
    }

    /** netsieve decode plus the per-packet statistics the pipeline keeps. */
    @Benchmark
    public long netsieveDecodeAndCount() {
        int w = window;
        for (int n = 0, i = 0; n < BenchCapture.PACKETS; n++, i = i + 1 == w ? 0 : i + 1) {
            view.wrap(frames, offsets[i], lengths[i], wireLengths[i], timestamps[i], linkType, 0);
            decoder.decode(view, decoded);
            stats.record(decoded);
        }
        return stats.packets();
    }

    /** Baseline: pcap4j's packet factory on the same frames (enable with -Dnetsieve.bench.pcap4j=true). */
    @Benchmark
    public long pcap4jPacketFactory() {
        if (pcap4jFrames == null) {
            throw new IllegalStateException("run with -jvmArgsAppend -Dnetsieve.bench.pcap4j=true");
        }
        long sum = 0;
        for (byte[] f : pcap4jFrames) {
            Packet p = PacketFactories.getFactory(Packet.class, DataLinkType.class)
                    .newInstance(f, 0, f.length, DataLinkType.EN10MB);
            sum += p.length();
        }
        return sum;
    }
}
