package io.netsieve.benchmarks;

import io.netsieve.core.bpf.BpfProgram;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.packet.LinkType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Compile time of a long expression, optimised: {@code host 198.18.0.1 or host 198.18.0.2 or … } with
 * {@link #hosts} distinct addresses from the benchmarking range 198.18.0.0/15 (1000 ends at
 * {@code 198.18.3.232}). One compile per iteration (it takes seconds): the score is
 * ms per compile; with {@code -prof gc}, {@code gc.alloc.rate.norm} is the allocation per compile. The libpcap
 * figure for the same expression comes from {@code lab/bench-pcap-filter.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class FilterCompileBenchmark {
    @Param({"100", "1000"})
    public int hosts;

    String expression;
    FilterCompiler compiler;

    static String hostsExpression(int hosts) {
        StringJoiner j = new StringJoiner(" or ");
        for (int i = 1; i <= hosts; i++) {
            j.add("host 198." + (18 + (i >> 16)) + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
        }
        return j.toString();
    }

    @Setup
    public void setUp() {
        expression = hostsExpression(hosts);
        compiler = FilterCompiler.builder().linkType(LinkType.ETHERNET).build();
    }

    @Benchmark
    public BpfProgram compile() {
        return compiler.compile(expression);
    }
}
