package io.netsieve.benchmarks;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4Tracker;
import io.netsieve.topology.NetSieve;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.Packet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the whole page-cached benchmark capture; the score is packets per second. netsieve's reader against
 * pcap4j's offline reading of the same file, through its raw-bytes API and through its packet factory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@OperationsPerInvocation(BenchCapture.PACKETS)
public class ReadBenchmark {
    Path capture;

    NetSieve sieve;

    @Setup
    public void setUp() throws Exception {
        capture = BenchCapture.path();
        Files.readAllBytes(capture); // page-cache it
        sieve = NetSieve.builder().files(List.of(capture))
                .l4Config(L4Config.builder().lendPacketSeries(true).build()).build();
    }

    @Benchmark
    public long netsieveRead() throws Exception {
        long bytes = 0;
        PacketView view = new PacketView();
        try (CaptureFileReader reader = CaptureFiles.open(capture)) {
            while (reader.next(view)) {
                bytes += view.captureLength() + view.u8(12);
            }
        }
        return bytes;
    }

    /** Read and decode every layer: the front of the pipeline on a page-cached file. */
    @Benchmark
    public long netsieveReadAndDecode() throws Exception {
        long sum = 0;
        PacketView view = new PacketView();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(capture)) {
            while (reader.next(view)) {
                decoder.decode(view, decoded);
                sum += decoded.layers() + decoded.srcPort();
            }
        }
        return sum;
    }

    /**
     * The L4 pipeline as it runs on a capture file: read, decode every layer, track (flow table, TCP state and
     * analysis, packet series; records lent, as {@code L4Config.lendPacketSeries}), a fresh tracker per pass.
     */
    @Benchmark
    public long netsieveReadDecodeTrack() throws Exception {
        long[] records = new long[1];
        L4Tracker tracker = L4Tracker.builder().config(L4Config.builder().lendPacketSeries(true).build())
                .listener(log -> records[0] += log.packets().size()).build();
        PacketView view = new PacketView();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(capture)) {
            while (reader.next(view)) {
                DecodeOutcome outcome = decoder.decode(view, decoded);
                if (outcome == DecodeOutcome.DECODED || outcome == DecodeOutcome.TRUNCATED) {
                    tracker.onPacket(decoded);
                }
            }
        }
        tracker.flush();
        return records[0];
    }

    /**
     * The same file through the whole {@code NetSieve} pipeline on one thread (filter none, decode, per-capture-point
     * counters, L4 with lent series, L7, correlation): what the builder's run adds to
     * {@link #netsieveReadDecodeTrack}, L7 included.
     */
    @Benchmark
    public long netsieveBuilderRun() {
        return sieve.run().packets();
    }

    @Benchmark
    public long pcap4jRaw() throws Exception {
        long bytes = 0;
        try (PcapHandle handle = Pcaps.openOffline(capture.toString())) {
            byte[] raw;
            while ((raw = handle.getNextRawPacket()) != null) {
                bytes += raw.length + (raw[12] & 0xFF);
            }
        }
        return bytes;
    }

    @Benchmark
    public void pcap4jPacketFactory(Blackhole bh) throws Exception {
        try (PcapHandle handle = Pcaps.openOffline(capture.toString())) {
            Packet packet;
            while ((packet = handle.getNextPacket()) != null) {
                bh.consume(packet.getPayload());
            }
        }
    }
}
