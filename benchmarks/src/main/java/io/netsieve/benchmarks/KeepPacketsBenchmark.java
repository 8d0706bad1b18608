package io.netsieve.benchmarks;

import io.netsieve.l4.L4Config;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.PacketRetention;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What keeping the packets for export costs: the whole {@code NetSieve} pipeline on the bulk capture (as
 * {@code ReadBenchmark.netsieveBuilderRun}) without and with {@code keepPackets} at its defaults (64 MiB, so the
 * store wraps several times over the file and evicts as it goes: the steady state). Score: packets per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@OperationsPerInvocation(BenchCapture.PACKETS)
public class KeepPacketsBenchmark {
    NetSieve plain;
    NetSieve keeping;

    @Setup
    public void setUp() throws Exception {
        Path capture = BenchCapture.path();
        Files.readAllBytes(capture); // page-cache it
        L4Config lent = L4Config.builder().lendPacketSeries(true).build();
        plain = NetSieve.builder().files(List.of(capture)).l4Config(lent).build();
        keeping = NetSieve.builder().files(List.of(capture)).l4Config(lent)
                .keepPackets(PacketRetention.defaults()).build();
    }

    @Benchmark
    public long builderRun() {
        return plain.run().packets();
    }

    @Benchmark
    public long builderRunKeepingPackets() {
        return keeping.run().packets();
    }
}
