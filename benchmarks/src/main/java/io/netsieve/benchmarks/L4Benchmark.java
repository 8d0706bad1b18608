package io.netsieve.benchmarks;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.L4LogViewListener;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.PacketSeries;
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
    /** Snap length of the headers-only variant: Ethernet + IPv4/IPv6 + TCP with options fit. */
    static final int SNAPLEN = 128;
    BenchFrames f;
    final PacketView view = new PacketView();
    final PacketDecoder decoder = new PacketDecoder();
    final DecodedPacket decoded = new DecodedPacket();
    long records;
    long timeShift;
    long span;
    L4Tracker reused;
    L4Tracker reusedLending;
    long lendingTimeShift;
    KnownFlowFrames known;
    KnownFlowFrames.Run knownOwning;
    KnownFlowFrames.Run knownLending;
    long flaggedRows;
    KnownFlowFrames.Run knownHeadersLending;
    KnownFlowFrames.Run knownLentRecords;
    KnownFlowFrames.Run knownLentRecordsNoPrefetch;
    KnownFlowFrames.Run knownLentRecordsFrames;
    long txBytes;

    @Setup(Level.Trial)
    public void load() throws Exception {
        f = BenchFrames.load(PACKETS);
        span = f.timestamps[f.count - 1] - f.timestamps[0] + 60_000_000_000L;
        reused = L4Tracker.builder().config(L4Config.defaults()).listener(log -> records++).build();
        reusedLending = L4Tracker.builder().config(L4Config.builder().lendPacketSeries(true).build())
                .listener(log -> records += log.packets().size() > 0 ? 1 : 0).build();
        known = KnownFlowFrames.from(f, KnownFlowFrames.PACKETS);
        knownOwning = known.new Run(L4Tracker.builder().config(L4Config.defaults()).listener(log -> records++)
                .build());
        knownLending = known.new Run(L4Tracker.builder().config(L4Config.builder().lendPacketSeries(true).build())
                .listener(log -> {
                    countFlagged(log.packets());
                    records++;
                }).build());
        // JMH forks a JVM per benchmark, so the runs on `known` do not meet (its first pass picks the flows up)
        L4LogViewListener numbersOnly = view -> {
            // what an L4-only consumer of numbers does: counters and the packet series, no text field
            countFlagged(view.packets());
            txBytes += view.txBytes() + view.rxBytes();
            records++;
        };
        knownLentRecords = known.new Run(L4Tracker.builder().viewListener(numbersOnly).build());
        knownLentRecordsNoPrefetch = known.new Run(L4Tracker.builder().viewListener(numbersOnly).build(), false);
        knownLentRecordsFrames = known.new Run(L4Tracker.builder().viewListener(numbersOnly).build(), true, true);
        knownHeadersLending = KnownFlowFrames.from(f.headersOnly(SNAPLEN), KnownFlowFrames.PACKETS)
                .new Run(L4Tracker.builder().config(L4Config.builder().lendPacketSeries(true).build())
                        .listener(log -> records++).build());
        // check that passes continue the same connections: no flow created and (almost) no analysis flag after
        // the first pass
        for (int pass = 0; pass < 3; pass++) {
            long created = knownLending.tracker().stats().flowsCreated();
            flaggedRows = 0;
            knownLending.pass(view, decoder, decoded);
            if (pass > 0) {
                System.out.printf("[known flows] %d packets per pass, pass %d: %d flows created, %d rows flagged%n",
                        known.count(), pass, knownLending.tracker().stats().flowsCreated() - created, flaggedRows);
            }
        }
    }

    /** Reads every row's analysis flags (what a consumer of the series does), counting the flagged rows. */
    private void countFlagged(PacketSeries s) {
        for (int i = 0; i < s.size(); i++) {
            flaggedRows += s.analysis(i) != 0 ? 1 : 0;
        }
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

    /**
     * As {@link #decodeAndTrackReused}, the tracker lending its records' packet series
     * ({@code L4Config.lendPacketSeries}): rows are reused, so what is left per packet is the connections the pass
     * opens and the records themselves.
     */
    @Benchmark
    public long decodeAndTrackReusedLending() {
        long shift = lendingTimeShift;
        f.track(reusedLending, view, decoder, decoded, shift);
        lendingTimeShift = shift + span;
        return records;
    }

    /**
     * Steady state of known flows ({@link KnownFlowFrames}: the capture's data segments, each pass continuing the
     * same connections), records owning their packet series.
     */
    @Benchmark
    @OperationsPerInvocation(KnownFlowFrames.PACKETS)
    public long knownFlows() {
        knownOwning.pass(view, decoder, decoded);
        return records;
    }

    /**
     * As {@link #knownFlowsLending} on the frames cut to {@link #SNAPLEN} bytes, as a headers-only capture holds them
     * (what L4 logs need; 23 MB instead of 126 MB, streamed by the prefetcher): the tracker's cost with the frames'
     * cache misses mostly gone.
     */
    @Benchmark
    @OperationsPerInvocation(KnownFlowFrames.PACKETS)
    public long knownFlowsLendingHeadersOnly() {
        knownHeadersLending.pass(view, decoder, decoded);
        return records;
    }

    /** The same, the tracker lending its records' packet series: what is left per packet is the records. */
    @Benchmark
    @OperationsPerInvocation(KnownFlowFrames.PACKETS)
    public long knownFlowsLending() {
        knownLending.pass(view, decoder, decoded);
        return records;
    }

    /**
     * The same with lent records: an {@code L4LogViewListener} reads each record's numbers and packet series from the
     * lent {@code L4LogView} (no record object, no text formatted, rows and block tables pooled).
     */
    @Benchmark
    @OperationsPerInvocation(KnownFlowFrames.PACKETS)
    public long knownFlowsLentRecords() {
        knownLentRecords.pass(view, decoder, decoded);
        return records;
    }

    /**
     * {@link #knownFlowsLentRecords} without touching the frames' header lines ahead ({@code HeaderPrefetch}): every
     * frame's first cache lines then miss when it is decoded (the frames, 126 MB, are far larger than the caches).
     */
    @Benchmark
    @OperationsPerInvocation(KnownFlowFrames.PACKETS)
    public long knownFlowsLentRecordsNoPrefetch() {
        knownLentRecordsNoPrefetch.pass(view, decoder, decoded);
        return records;
    }

    /**
     * {@link #knownFlowsLentRecords} with the frames handed to {@code L4Tracker.onFrame} instead of decoded first:
     * the tracker reads the flow key and the segment fields straight from these frames (untagged Ethernet, IPv4,
     * TCP with timestamps), what an L4-only consumer that holds frames does.
     */
    @Benchmark
    @OperationsPerInvocation(KnownFlowFrames.PACKETS)
    public long knownFlowsLentRecordsFrames() {
        knownLentRecordsFrames.pass(view, decoder, decoded);
        return records;
    }
}
