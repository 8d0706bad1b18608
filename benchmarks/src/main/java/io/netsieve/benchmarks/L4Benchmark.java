package io.netsieve.benchmarks;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decode + flow table + TCP state and analysis + packet series (records emitted to a listener that drops them)
 * over the benchmark capture held in memory: the L4 hot path. Throughput in packets per second; with
 * {@code -prof gc}, the allocation per packet (records and their series are allocated once per 256 packets).
 *
 * <p>{@link #decodeAndTrack} builds a fresh tracker per pass, so its figures include the flow table (allocated up
 * front: about 8 MB for the default 65 536 flows, 42 B per packet of this pass); {@link #decodeAndTrackReused} feeds
 * one tracker for the whole trial, the capture replayed with its time shifted after each pass (the capture's
 * connections are opened, run and closed again each pass: the steady state of a long-running pipeline).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@OperationsPerInvocation(L4Benchmark.PACKETS)
public class L4Benchmark {
    static final int PACKETS = 200_000;
    BenchFrames f;
    final PacketView view = new PacketView();
    final PacketDecoder decoder = new PacketDecoder();
    final DecodedPacket decoded = new DecodedPacket();
    long records;
    long timeShift;
    long span;
    L4Tracker reused;

    @Setup(Level.Trial)
    public void load() throws Exception {
        f = BenchFrames.load(PACKETS);
        span = f.timestamps[f.count - 1] - f.timestamps[0] + 60_000_000_000L;
        reused = L4Tracker.builder().config(L4Config.defaults()).listener(log -> records++).build();
    }

    /** One pass over the frames through a fresh tracker (the capture's connections are opened and closed). */
    @Benchmark
    public long decodeAndTrack() {
        L4Tracker tracker = L4Tracker.builder().config(L4Config.defaults()).listener(log -> records++).build();
        f.track(tracker, view, decoder, decoded, 0L);
        return records;
    }

    /** The same frames decoded only (no tracker): the decoder's share of the two benchmarks above. */
    @Benchmark
    public int decodeOnly() {
        int tcp = 0;
        for (int i = 0; i < f.count; i++) {
            f.wrap(view, i, 0L);
            decoder.decode(view, decoded);
            tcp += decoded.tcp().flags();
        }
        return tcp;
    }

    /** One pass over the frames through the trial's tracker (time shifted by one capture span plus a minute). */
    @Benchmark
    public long decodeAndTrackReused() {
        L4Tracker tracker = reused;
        long shift = timeShift;
        f.track(tracker, view, decoder, decoded, shift);
        timeShift = shift + span;
        return records;
    }
}
