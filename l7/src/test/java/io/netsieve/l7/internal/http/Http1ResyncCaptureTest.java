package io.netsieve.l7.internal.http;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l7.Detection;
import io.netsieve.l7.HandlerTee;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.L7Registry;
import io.netsieve.l7.L7Stats;
import io.netsieve.l7.L7Tracker;
import io.netsieve.l7.Transport;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Captures with gaps (every 7th, every 50th TCP data frame dropped, as a capture that lost packets; on the small
 * captures also those shifted by 1 to 6 frames, so that the gaps fall elsewhere) through two L7
 * trackers fed the same L4 calls: the default one ({@link Http1Parser} resynchronising with {@link MessageStarts})
 * and one whose HTTP/1 parser resynchronises with {@link ReferenceResyncScan}, the scan it replaced. Every record (all
 * fields, in order) and every counter (gaps, lost bytes, statuses) must be equal. On the corpus HTTP captures, the
 * demo captures, and the first packets of the lab's bulk-download capture and of the benchmark capture when they are
 * in the temporary folder.
 */
class Http1ResyncCaptureTest {
    private static final List<String> CORPUS = List.of("ipv4_tcp_http_xml.pcap", "ipv4_tcp_http_xml_tso.pcap",
            "accecn_handshake.pcap", "print-flags.pcap");
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo");
    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
    /** {@code lab/bench-capture.sh /tmp/bulk-600000.pcap 600000 bulk}: 1 MiB and 8 MiB downloads. */
    private static final Path BULK = TMP.resolve("bulk-600000.pcap");
    /** {@code lab/bench-capture.sh}'s default: nginx + wrk keep-alive (see {@code Http1DifferentialTest}). */
    private static final Path BENCH = TMP.resolve("netsieve-bench-600000.pcap");
    private static final int[] EVERY = {7, 50};

    /** What the reference scan saw over a run: it must have had work to do for the comparison to mean anything. */
    private static final class Scans {
        long calls;
        long startsAfterLostBytes;
        long bytesScanned;
    }

    @Test
    void corpusAndDemoCapturesWithGaps() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String f : CORPUS) {
            files.add(Prerequisites.tcpdumpCorpus().resolve(f));
        }
        try (var s = Files.list(DEMO)) {
            s.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(files::add);
        }
        Scans scans = new Scans();
        long records = 0;
        for (Path f : files) {
            for (int every : EVERY) {
                for (int phase = 0; phase < 7; phase++) {
                    records += compare(f, every, phase, Integer.MAX_VALUE, scans);
                }
            }
        }
        System.out.println("[http1 resync] corpus and demo: " + files.size() + " captures, " + records
                + " records equal; reference scans " + scans.calls + ", " + scans.startsAfterLostBytes
                + " found a start after skipping bytes, " + scans.bytesScanned + " bytes scanned");
        assertTrue(scans.startsAfterLostBytes > 0, "no resync found a start after lost bytes");
    }

    @Test
    void labCapturesWithGaps() throws Exception {
        boolean any = false;
        for (Path f : List.of(BULK, BENCH)) {
            if (!Files.isRegularFile(f)) {
                System.out.println("[http1 resync] SKIPPED " + f + ": not present (lab/bench-capture.sh makes it)");
                continue;
            }
            any = true;
            Scans scans = new Scans();
            long records = 0;
            for (int every : EVERY) {
                records += compare(f, every, 0, 150_000, scans);
            }
            System.out.println("[http1 resync] " + f + " (first 150000 packets): " + records
                    + " records equal; reference scans " + scans.calls + ", " + scans.startsAfterLostBytes
                    + " found a start after skipping bytes, " + scans.bytesScanned + " bytes scanned");
            assertTrue(scans.calls > 0, f.toString());
        }
        Prerequisites.require(any, "neither " + BULK + " nor " + BENCH + " is present");
    }

    /**
     * The first {@code maxPackets} of {@code file} without the TCP data frames whose number n (from 1) is
     * {@code phase} modulo {@code every}, through both trackers; asserts they emitted the same. Returns the number of
     * HTTP records.
     */
    private static long compare(Path file, int every, int phase, int maxPackets, Scans scans) throws Exception {
        List<L7Log> want = new ArrayList<>();
        List<L7Log> got = new ArrayList<>();
        L7Tracker reference = L7Tracker.builder().registry(referenceRegistry(scans)).listener(want::add).build();
        L7Tracker tracker = L7Tracker.builder().listener(got::add).build();
        StreamHandlerFactory streams = info -> tee(StreamHandler.class, reference.streams().open(info),
                tracker.streams().open(info));
        DatagramHandlerFactory datagrams = info -> tee(DatagramHandler.class, reference.datagrams().open(info),
                tracker.datagrams().open(info));
        L4Tracker l4 = L4Tracker.builder().listener(log -> { }).streams(streams).datagrams(datagrams).build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        long dataFrames = -phase;
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            for (int n = 0; n < maxPackets && reader.next(view); n++) {
                decoder.decode(view, d);
                if (d.has(Layer.TCP) && d.tcp().payloadLength() > 0 && ++dataFrames % every == 0) {
                    continue; // not captured
                }
                l4.onPacket(d);
            }
        }
        l4.flush();
        String what = file.getFileName() + " without data frames n = " + phase + " mod " + every;
        assertEquals(0, l4.streamStats().handlerFailures(), what);
        for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
            assertEquals(want.get(i), got.get(i), what + ": record " + i);
        }
        assertEquals(want.size(), got.size(), what + ": records");
        L7Stats stats = tracker.stats();
        assertEquals(reference.stats(), stats, what + ": counters");
        assertEquals(0, stats.parserFailures(), what);
        return want.stream().filter(l -> l.http() != null).count();
    }

    /** The default protocols, HTTP/1 with the reference scan (counted into {@code scans}). */
    private static L7Registry referenceRegistry(Scans scans) {
        Http1Parser.StartFinder finder = (ByteBuf b, int from, int to, int direction) -> {
            int at = ReferenceResyncScan.find(b, from, to, direction);
            scans.calls++;
            scans.bytesScanned += (at < 0 ? to : at) - from;
            scans.startsAfterLostBytes += at > from ? 1 : 0;
            return at;
        };
        L7Protocol http1 = new L7Protocol() {
            @Override
            public String name() {
                return Http1Protocol.INSTANCE.name();
            }

            @Override
            public boolean supports(Transport transport) {
                return Http1Protocol.INSTANCE.supports(transport);
            }

            @Override
            public int[] portHints() {
                return Http1Protocol.INSTANCE.portHints();
            }

            @Override
            public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
                return Http1Protocol.INSTANCE.detect(transport, direction, data, offset, length);
            }

            @Override
            public L7Parser newParser(L7Context context) {
                return new Http1Parser(context, finder);
            }
        };
        return L7Registry.builder().add(http1).add(L7Registry.http2()).add(L7Registry.dns()).add(L7Registry.redis())
                .build();
    }

    /** A handler that makes every call on both {@code x} and {@code y}, each with its own view of a buffer. */
    @SuppressWarnings("unchecked")
    private static <T> T tee(Class<T> type, T x, T y) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("equals") ? proxy == args[0]
                        : m.getName().equals("hashCode") ? System.identityHashCode(proxy) : "tee";
            }
            return HandlerTee.invokeBoth(m, x, y, args);
        });
    }
}
