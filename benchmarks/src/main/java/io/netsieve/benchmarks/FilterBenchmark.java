package io.netsieve.benchmarks;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.BpfAuxData;
import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfInterpreter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.BpfProgram;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.LinkType;
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
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Runs a compiled pcap-filter expression over the first {@value #FRAMES} frames of the benchmark capture, held in
 * memory in one heap buffer (cache-warm, no I/O, no decoding): the score is nanoseconds per packet, for the
 * {@link BpfInterpreter} and for {@link BpfJit}. The C baseline (libpcap's {@code pcap_offline_filter} on the same
 * frames and expressions) is {@code lab/bench-pcap-filter.sh}; see docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@OperationsPerInvocation(FilterBenchmark.FRAMES)
public class FilterBenchmark {
    static final int FRAMES = 16_384;

    /**
     * The expressions measured, by short name (the same as lab/bench-pcap-filter.c). {@code floor} is no expression
     * but the two-instruction program {@code ld #pktlen; ret a}, the cost of the loop, the call and a result that
     * differs per packet (the empty expression, {@code ret #262144}, is a constant that HotSpot folds out of the
     * loop once the filter is inlined, so it measures nothing).
     */
    @Param({"floor", "port80", "hostAndTcp", "synOrFin", "ip6Udp53", "or20"})
    public String filter;

    @Param({"interpreter", "jit"})
    public String engine;

    ByteBuffer buffer;
    /** The array behind {@link #buffer} (array offset 0). */
    byte[] array;
    int[] offsets;
    int[] lengths;
    int[] wireLengths;
    BpfFilter compiled;

    /** The expression behind a short name. */
    static String expression(String name) {
        switch (name) {
            case "port80": return "tcp port 80";
            case "hostAndTcp": return "host 198.18.200.1 and tcp";
            case "synOrFin": return "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0";
            case "ip6Udp53": return "ip6 and udp port 53";
            case "or20": return or20();
            default: throw new IllegalArgumentException("unknown filter " + name);
        }
    }

    /** 20 primitives: {@code tcp port 1 or … or tcp port 19 or host 198.18.200.2}. */
    static String or20() {
        StringJoiner j = new StringJoiner(" or ");
        for (int port = 1; port <= 19; port++) {
            j.add("tcp port " + port);
        }
        j.add("host 198.18.200.2");
        return j.toString();
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream(16 << 20);
        offsets = new int[FRAMES];
        lengths = new int[FRAMES];
        wireLengths = new int[FRAMES];
        int n = 0;
        try (CaptureFileReader reader = CaptureFiles.open(BenchCapture.path())) {
            PacketView v = new PacketView();
            while (n < FRAMES && reader.next(v)) {
                if (v.linkType() != LinkType.ETHERNET) {
                    throw new IllegalStateException("the benchmark capture must be Ethernet, not "
                            + LinkType.name(v.linkType()));
                }
                byte[] bytes = v.copyBytes();
                offsets[n] = all.size();
                lengths[n] = bytes.length;
                wireLengths[n] = v.wireLength();
                all.writeBytes(bytes);
                n++;
            }
        }
        if (n != FRAMES) {
            throw new IllegalStateException("capture has " + n + " packets, need " + FRAMES);
        }
        array = all.toByteArray();
        buffer = ByteBuffer.wrap(array);

        BpfProgram program = filter.equals("floor")
                ? BpfProgram.of(BpfInstruction.stmt(Bpf.LD | Bpf.W | Bpf.LEN, 0),
                        BpfInstruction.stmt(Bpf.RET | Bpf.A, 0))
                : FilterCompiler.builder().linkType(LinkType.ETHERNET).build().compile(expression(filter));
        BpfFilter interpreter = BpfInterpreter.of(program);
        switch (engine) {
            case "interpreter":
                compiled = interpreter;
                break;
            case "jit":
                compiled = BpfJit.compile(program);
                if (compiled instanceof BpfInterpreter) {
                    System.err.println("[FilterBenchmark] BpfJit fell back to the interpreter for " + filter);
                }
                break;
            default:
                throw new IllegalArgumentException("unknown engine " + engine);
        }
        // Both engines must agree; the match count is also printed by the C harness, for a cross-check.
        long matches = 0;
        for (int i = 0; i < FRAMES; i++) {
            int r = compiled.apply(buffer, offsets[i], lengths[i], wireLengths[i], null);
            int expected = interpreter.apply(buffer, offsets[i], lengths[i], wireLengths[i], null);
            int viaArray = compiled.apply(array, offsets[i], lengths[i], wireLengths[i], null);
            if (r != expected || viaArray != expected) {
                throw new IllegalStateException(engine + " returns " + r + " (array entry " + viaArray + ") for frame "
                        + i + ", interpreter " + expected + " (" + filter + ")");
            }
            matches += r != 0 ? 1 : 0;
        }
        System.err.println("[FilterBenchmark] " + filter + " (" + program.length() + " instructions): " + matches
                + " of " + FRAMES + " frames match");
    }

    /**
     * The filter over every frame through the {@code ByteBuffer} entry point; the score divided by {@value #FRAMES}
     * is the time per packet.
     */
    @Benchmark
    public void filter(Blackhole bh) {
        BpfFilter f = compiled;
        ByteBuffer buf = buffer;
        int[] off = offsets;
        int[] len = lengths;
        int[] wire = wireLengths;
        long sum = 0;
        for (int i = 0; i < FRAMES; i++) {
            sum += f.apply(buf, off[i], len[i], wire[i], null);
        }
        bh.consume(sum);
    }

    /** The same through the {@code byte[]} entry point: {@link BpfFilter#apply(byte[], int, int, int, BpfAuxData)}. */
    @Benchmark
    public void filterArray(Blackhole bh) {
        BpfFilter f = compiled;
        byte[] a = array;
        int[] off = offsets;
        int[] len = lengths;
        int[] wire = wireLengths;
        long sum = 0;
        for (int i = 0; i < FRAMES; i++) {
            sum += f.apply(a, off[i], len[i], wire[i], null);
        }
        bh.consume(sum);
    }
}
