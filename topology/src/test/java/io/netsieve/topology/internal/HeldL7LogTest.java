package io.netsieve.topology.internal;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.DemoReplay;
import io.netsieve.topology.NetSieve;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the correlator holds of a record gives back an equal record: on the demo set and every corpus capture. */
class HeldL7LogTest {

    @Test
    void demoRecordsComeBackEqual() throws IOException {
        List<L7Log> logs = new ArrayList<>();
        for (DemoReplay.Observed o : DemoReplay.l7Records(CaptureManifest.read(DemoReplay.DEMO))) {
            logs.add(o.log());
        }
        assertTrue(logs.size() > 100, "demo records: " + logs.size());
        assertRoundTrip(logs);
        // HTTP, DNS and Redis records are all there
        assertTrue(logs.stream().anyMatch(l -> l.http() != null));
        assertTrue(logs.stream().anyMatch(l -> l.dns() != null));
        assertTrue(logs.stream().anyMatch(l -> l.l7Proto().equals("redis")));
    }

    @Test
    void corpusRecordsComeBackEqual() throws IOException {
        Path corpus = Prerequisites.tcpdumpCorpus();
        List<Path> files;
        try (Stream<Path> s = Files.list(corpus)) {
            files = s.filter(p -> p.toString().matches(".*\\.(pcap|pcapng|cap)$")).sorted().toList();
        }
        List<L7Log> logs = new ArrayList<>();
        for (Path f : files) {
            NetSieve.builder().files(List.of(f)).onL7Log((log, nic) -> logs.add(log)).build().run();
        }
        assertTrue(logs.size() > 50, "corpus records: " + logs.size());
        assertRoundTrip(logs);
    }

    @Test
    void edgeValuesComeBackEqual() throws IOException {
        List<DemoReplay.Observed> demo = DemoReplay.l7Records(CaptureManifest.read(DemoReplay.DEMO));
        L7Log l = demo.stream().map(DemoReplay.Observed::log).filter(x -> x.http() != null).findFirst().orElseThrow();
        // a parser's own trace id that looks like seqs but is not theirs, extreme numbers, no request seq
        L7Log odd = new L7Log(Long.MIN_VALUE + 1, Integer.MAX_VALUE, l.l4Proto(), l.l7Proto(), l.clientIp(), 65535,
                l.serverIp(), 0, l.innerTraceId(), "1_2", -1, Long.MAX_VALUE, 0, -1, Long.MIN_VALUE, 4294967295L,
                1, 2, 3, 4, 5, 6, -1, Integer.MIN_VALUE, 7, -1, 8, -1, l.status(), l.http(), null, null);
        assertRoundTrip(List.of(odd));
    }

    private static void assertRoundTrip(List<L7Log> logs) {
        HeldL7Log.Strings strings = new HeldL7Log.Strings();
        List<HeldL7Log> all = new ArrayList<>();
        for (L7Log log : logs) {
            HeldL7Log held = HeldL7Log.of(log, strings);
            assertEquals(log, held.toL7Log());
            assertEquals(log.timestampNanos(), held.timestampNanos());
            all.add(held);
        }
        // still equal once all are held (records share reference arrays: none changed by a later one)
        for (int i = 0; i < logs.size(); i++) {
            assertEquals(logs.get(i), all.get(i).toL7Log());
        }
        // the same record held again shares its references with the first
        HeldL7Log again = HeldL7Log.of(logs.get(logs.size() - 1), strings);
        assertTrue(again.refs() == all.get(all.size() - 1).refs(), "shared references");
    }

    /**
     * The string cache gives back an equal string every time (the first instance while it is kept), stays correct when
     * far more distinct strings pass through than it has slots, and shares a working set again afterwards.
     */
    @Test
    void stringsShareEqualOnesAndAlwaysGiveAnEqualString() {
        HeldL7Log.Strings strings = new HeldL7Log.Strings();
        assertEquals(null, strings.share(null));
        assertEquals("", strings.share(""));
        String first = new String("198.18.0.1");
        assertTrue(strings.share(first) == first);
        assertTrue(strings.share(new String("198.18.0.1")) == first, "shared");
        java.util.Random r = new java.util.Random(1);
        List<String> hot = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            hot.add(strings.share("hot" + i));
        }
        for (int i = 0; i < 100_000; i++) {
            String s = r.nextInt(4) == 0 ? "hot" + r.nextInt(200) : "cold" + r.nextInt(50_000);
            String shared = strings.share(new String(s));
            assertEquals(s, shared);
        }
        // the working set is shared again once seen: the second lookup gives the first's instance
        int shared = 0;
        for (int i = 0; i < hot.size(); i++) {
            String again = strings.share(new String("hot" + i));
            if (strings.share(new String("hot" + i)) == again) {
                shared++;
            }
        }
        assertTrue(shared >= 190, "shared again: " + shared);
    }

    /** The check of an {@code l7_traceid} against the seqs agrees with comparing the text the seqs make. */
    @Test
    void traceIdFromSeqsCheckAgreesWithTheText() {
        java.util.Random r = new java.util.Random(5);
        long[] seqs = {0, 1, 9, 10, 99, 4294967295L, -1, -2, Long.MIN_VALUE, 999_999_999_999_999_999L,
                1_000_000_000_000_000_000L, Long.MAX_VALUE};
        List<String> ids = new ArrayList<>(List.of("0_0", "1_0", "0_1", "00_0", "0_00", "01_1", "1_01", "_1", "1_",
                "_", "", "1__1", "1_1_", "a_1", "1_a", "-1_0", "0_-1", "1 _1", "9223372036854775807_0",
                "999999999999999999_0", "1000000000000000000_0", "0_1000000000000000000"));
        for (int i = 0; i < 20_000; i++) {
            long a = r.nextInt(3) == 0 ? seqs[r.nextInt(seqs.length)] : r.nextInt(1 << 20);
            long b = r.nextInt(3) == 0 ? seqs[r.nextInt(seqs.length)] : r.nextInt(1 << 20);
            String exact = HeldL7Log.fromSeqs(a, b);
            String id = switch (r.nextInt(5)) {
                case 0 -> exact;
                case 1 -> HeldL7Log.fromSeqs(a + r.nextInt(3) - 1, b);
                case 2 -> HeldL7Log.fromSeqs(a, b + r.nextInt(3) - 1);
                case 3 -> ids.get(r.nextInt(ids.size()));
                default -> "0" + exact;
            };
            assertEquals(id.equals(exact), HeldL7Log.isFromSeqs(id, a, b), id + " vs " + a + ", " + b);
        }
    }
}
