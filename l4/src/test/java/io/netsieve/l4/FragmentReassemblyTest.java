package io.netsieve.l4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.io.PcapWriter;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.internal.FragmentReassembler;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPv4/IPv6 fragment reassembly: the datagrams rebuilt from the corpus captures that hold fragments (afs.pcap: AFS
 * over UDP from a real stack; ah-ipip-ping.pcap: an AH-protected IP-in-IP ping) and from a generated capture with
 * interleaved, out-of-order IPv4 and IPv6 fragments are compared with tshark's reassembly (frame that completes
 * each datagram, reassembled length) and the resulting UDP flows with tshark's UDP conversations; the edge cases
 * (duplicates, overlaps, RFC 5722, timeouts, bounds, oversize, snap length, VLAN, VXLAN, atomic fragments, mutated
 * bytes) are checked against the counters.
 */
class FragmentReassemblyTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final int SRC4 = 0xC0A80001;
    private static final int DST4 = 0xC0A80002;
    private static final byte[] SRC6 = addr6(0x20010db8_00000000L, 1);
    private static final byte[] DST6 = addr6(0x20010db8_00000000L, 2);

    // ---- corpus, tshark as the oracle ------------------------------------------------------------------------

    @Test
    void corpusDatagramsMatchTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Prerequisites.tcpdumpCorpus(), Prerequisites.libpcapCorpus().resolve("filter"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                        .forEach(files::add);
            }
        }
        int withFragments = 0;
        int datagrams = 0;
        for (Path file : files) {
            if (fragmentFrames(file) == 0) {
                continue;
            }
            withFragments++;
            List<String> ours = ourDatagrams(file);
            List<String> theirs = tsharkDatagrams(file);
            assertEquals(theirs, ours, file.getFileName() + ": (frame completing the datagram : reassembled length)");
            datagrams += ours.size();
            System.out.println("[fragments] " + file.getFileName() + ": " + fragmentFrames(file) + " fragments, "
                    + ours.size() + " datagrams, as tshark");
        }
        assertTrue(withFragments >= 3, "corpus files with fragments: " + withFragments);
        assertTrue(datagrams >= 51, "datagrams reassembled from the corpus: " + datagrams);
    }

    @Test
    void afsUdpFlowsMatchTsharkConversations() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve("afs.pcap");
        Map<String, Integer> theirs = tsharkUdpFlows(file);
        Map<String, long[]> ours = new HashMap<>();
        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().config(L4Config.builder().udpIdleTimeout(Duration.ofDays(3650))
                .chunkIdle(Duration.ofDays(3650)).chunkMaxSpan(Duration.ofDays(3650)).build()).listener(logs::add)
                .build();
        feed(tracker, file);
        tracker.flush();
        for (L4Log log : logs) {
            if (log.l4Proto().equals("udp")) {
                long[] c = ours.computeIfAbsent(log.innerTraceId(), k -> new long[2]);
                c[0] += log.txPackets() + log.rxPackets();
                c[1] += log.txBytes() + log.rxBytes();
            }
        }
        assertEquals(theirs, histogram(ours), "afs.pcap: UDP flows (packets, payload bytes) -> flows");
        FragmentStats f = tracker.fragmentStats();
        assertEquals(200, f.fragments());
        assertEquals(51, f.datagrams(), "47 of 4 fragments, 4 of 3");
        assertEquals(200, f.reassembled());
        assertBalanced(f);
        long big = ours.values().stream().filter(c -> c[1] >= 50 * 5692L).count();
        assertTrue(big >= 1, "the flow carrying the 50 reassembled 5700-byte datagrams");
        System.out.println("[fragments] afs.pcap UDP flows as tshark: " + theirs + "; " + f);
    }

    @Test
    void generatedCaptureMatchesTshark(@TempDir Path dir) throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = dir.resolve("fragments.pcap");
        Random random = new Random(42);
        List<byte[]> frames = new ArrayList<>();
        List<List<byte[]>> pendingDatagrams = new ArrayList<>();
        int singles = 0;
        int atomics = 0;
        for (int i = 0; i < 120; i++) {
            boolean v6 = i % 3 == 0;
            int size = 200 + random.nextInt(9000);
            byte[] udp = udp(10_000 + i % 7, 53 + i % 2, payload(size, i));
            int chunk = 8 * (20 + random.nextInt(180));
            List<byte[]> fr = new ArrayList<>();
            for (int off = 0; off < udp.length; off += chunk) {
                int len = Math.min(chunk, udp.length - off);
                boolean more = off + len < udp.length;
                fr.add(v6 ? ipv6Fragment(0x1000 + i, 17, off, more, udp, off, len, i % 2 == 0)
                        : ipv4Fragment(0x1000 + i, 17, off, more, udp, off, len, 0));
            }
            if (fr.size() == 1) {
                singles++; // not fragmented (IPv4), an atomic fragment (IPv6)
                atomics += v6 ? 1 : 0;
            }
            if (fr.size() > 1 && random.nextBoolean()) {
                Collections.shuffle(fr, random);
            }
            pendingDatagrams.add(fr);
            // interleave: emit a few fragments of the datagrams in flight
            while (pendingDatagrams.size() > 3 || (i == 119 && !pendingDatagrams.isEmpty())) {
                List<byte[]> pick = pendingDatagrams.get(random.nextInt(pendingDatagrams.size()));
                frames.add(pick.remove(0));
                if (pick.isEmpty()) {
                    pendingDatagrams.remove(pick);
                }
            }
        }
        int tcpFrames = 0;
        for (int k = 0; k < 12; k++) {
            List<byte[]> conn = tcpConnection(k, k % 3 == 2, 1 + random.nextInt(4), random);
            frames.addAll(conn);
            tcpFrames += conn.size();
        }
        try (PcapWriter w = PcapWriter.create(file, LinkType.ETHERNET, 262_144, true)) {
            PacketView v = new PacketView();
            for (int i = 0; i < frames.size(); i++) {
                byte[] f = frames.get(i);
                w.write(v.wrap(f, 0, f.length, f.length, T0 + i * 1_000_000L, LinkType.ETHERNET, 0));
            }
        }
        if (System.getProperty("netsieve.keepFragments") != null) {
            Files.copy(file, Path.of(System.getProperty("netsieve.keepFragments")),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> theirs = tsharkDatagrams(file);
        List<String> ours = ourDatagrams(file);
        assertTrue(theirs.size() > 120 - singles, "tshark reassembled the UDP datagrams and the TCP segments");
        assertEquals(theirs, ours, "(frame completing the datagram : reassembled length)");
        Map<String, Integer> theirFlows = tsharkUdpFlows(file);
        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().config(L4Config.defaults()).listener(logs::add).build();
        feed(tracker, file);
        tracker.flush();
        Map<String, long[]> ourFlows = new HashMap<>();
        Map<String, long[]> ourConnections = new HashMap<>();
        for (L4Log log : logs) {
            long[] c = (log.l4Proto().equals("tcp") ? ourConnections : ourFlows)
                    .computeIfAbsent(log.innerTraceId(), k -> new long[2]);
            c[0] += log.txPackets() + log.rxPackets();
            c[1] += log.txBytes() + log.rxBytes();
        }
        assertEquals(theirFlows, histogram(ourFlows), "UDP flows (packets, payload bytes) -> flows");
        Map<String, Integer> theirConnections = tsharkTcpConnections(file);
        assertEquals(12, theirConnections.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(theirConnections, histogram(ourConnections), "TCP connections (packets, payload bytes)");
        FragmentStats f = tracker.fragmentStats();
        assertEquals(theirs.size(), f.datagrams());
        assertEquals(f.fragments(), f.reassembled());
        assertEquals(atomics, f.atomic());
        assertBalanced(f);
        L4Stats s = tracker.stats();
        assertEquals(120, s.udpPackets(), "one UDP packet per datagram");
        assertEquals(frames.size(), s.tcpPackets() + s.udpPackets() + s.ignoredPackets());
        assertEquals(f.fragments() - f.datagrams(), s.ignoredPackets(), "the fragments that did not complete one");
        System.out.println("[fragments] generated: " + frames.size() + " frames (" + tcpFrames + " TCP), "
                + theirs.size() + " fragmented datagrams (IPv4 and IPv6, UDP interleaved, half shuffled; TCP segments "
                + "shuffled) as tshark; UDP flows " + theirFlows.size() + " and TCP connections "
                + theirConnections + " as tshark; " + f);
    }

    // ---- edge cases: counters --------------------------------------------------------------------------------

    @Test
    void inOrderOutOfOrderAndDuplicates() {
        byte[] udp = udp(1111, 2222, payload(3000, 1));
        Harness h = new Harness(L4Config.defaults());
        List<byte[]> fr = split4(7, udp, 1480);
        assertEquals(3, fr.size());
        assertNull(h.feed(fr.get(2), 0));
        assertNull(h.feed(fr.get(0), 1));
        assertNull(h.feed(fr.get(0), 2), "duplicate");
        DecodedPacket d = h.feed(fr.get(1), 3);
        assertNotNull(d);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(Layer.UDP, d.transport());
        assertEquals(3008, d.udp().length());
        assertEquals(3000, d.udp().payloadLength());
        assertEquals(3000, d.udp().capturedPayloadLength());
        assertTrue(!d.ip().isFragment());
        assertEquals(20 + 3008, d.ip().totalLength());
        assertEquals(14 + 20 + 3008, d.packet().wireLength());
        assertEquals(T0 + 3_000_000L, d.packet().timestampNanos(), "timestamp of the last fragment");
        assertEquals(0, ipv4Checksum(d.packet(), 14), "header checksum recomputed");
        byte[] got = new byte[3008];
        d.packet().copyTo(d.udp().headerOffset(), got, 0, 3008);
        assertTrue(Arrays.equals(udp, got), "payload bytes");
        assertNull(h.feed(fr.get(1), 4), "a late duplicate starts a new datagram");
        h.tracker.flush();
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(5, f.fragments());
        assertEquals(3, f.reassembled());
        assertEquals(1, f.datagrams());
        assertEquals(1, f.duplicates());
        assertEquals(1, f.flushed());
        assertBalanced(f);
        assertEquals(1, h.tracker.stats().udpPackets());
        assertEquals(4, h.tracker.stats().ignoredPackets());
        assertEquals(1, h.logs.size());
        assertEquals(3000, h.logs.get(0).txBytes() + h.logs.get(0).rxBytes());
    }

    @Test
    void ipv4PartialOverlapDropsTheDatagramAndItsLaterFragments() {
        byte[] udp = udp(1111, 2222, payload(3000, 2));
        Harness h = new Harness(L4Config.defaults());
        assertNull(h.feed(ipv4Fragment(9, 17, 0, true, udp, 0, 1480, 0), 0));
        assertNull(h.feed(ipv4Fragment(9, 17, 1472, true, udp, 1472, 800, 0), 1), "overlaps [1472, 1480)");
        assertNull(h.feed(ipv4Fragment(9, 17, 1480, true, udp, 1480, 1480, 0), 2), "tombstone");
        assertNull(h.feed(ipv4Fragment(9, 17, 2960, false, udp, 2960, 48, 0), 3), "tombstone");
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(4, f.overlaps());
        assertEquals(0, f.datagrams());
        assertEquals(0, f.bytesBuffered(), "a tombstone holds no bytes");
        assertEquals(1, f.datagramsInFlight());
        assertBalanced(f);
        h.feed(ipv4Fragment(10, 17, 0, false, udp, 0, 8, 0), 31_000, false); // any packet 31 s later
        f = h.tracker.fragmentStats();
        assertEquals(0, f.datagramsInFlight(), "the tombstone timed out");
        assertEquals(0, f.timedOut(), "tombstones are not counted twice");
    }

    @Test
    void ipv6OverlapIsDroppedPerRfc5722() {
        byte[] udp = udp(1111, 2222, payload(2000, 3));
        Harness h = new Harness(L4Config.defaults());
        assertNull(h.feed(ipv6Fragment(77, 17, 0, true, udp, 0, 1232, false), 0));
        assertNull(h.feed(ipv6Fragment(77, 17, 1224, false, udp, 1224, 784, false), 1), "overlaps [1224, 1232)");
        assertNull(h.feed(ipv6Fragment(77, 17, 1232, false, udp, 1232, 776, false), 2),
                "the fitting fragment is dropped too");
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(3, f.overlaps());
        assertEquals(0, f.datagrams());
        assertBalanced(f);
        // a fragment wholly inside what was received is a duplicate, not an overlap
        Harness g = new Harness(L4Config.defaults());
        assertNull(g.feed(ipv6Fragment(78, 17, 0, true, udp, 0, 1232, false), 0));
        assertNull(g.feed(ipv6Fragment(78, 17, 8, true, udp, 8, 64, false), 1));
        assertNotNull(g.feed(ipv6Fragment(78, 17, 1232, false, udp, 1232, 776, false), 2));
        assertEquals(1, g.tracker.fragmentStats().duplicates());
        assertEquals(1, g.tracker.fragmentStats().datagrams());
    }

    @Test
    void ipv6HeadersAreRebuilt() {
        byte[] udp = udp(5353, 5353, payload(4000, 4));
        Harness h = new Harness(L4Config.defaults());
        List<byte[]> fr = new ArrayList<>();
        for (int off = 0; off < udp.length; off += 1448) {
            int len = Math.min(1448, udp.length - off);
            fr.add(ipv6Fragment(0xABCDEF01L, 17, off, off + len < udp.length, udp, off, len, true));
        }
        DecodedPacket d = null;
        for (int i = fr.size() - 1; i >= 0; i--) {
            d = h.feed(fr.get(i), i);
        }
        assertNotNull(d);
        assertEquals(DecodeOutcome.DECODED, d.outcome());
        assertEquals(6, d.ip().version());
        assertEquals(17, d.ip().protocol());
        assertEquals(1, d.ip().extensionCount(), "destination options kept, fragment header removed");
        assertEquals(60, d.ip().extensionType(0));
        assertEquals(40 + 8 + 4008, d.ip().totalLength());
        assertEquals(4000, d.udp().payloadLength());
        assertTrue(!d.ip().isFragment());
        assertEquals(4008, h.reassembler().lastPayloadLength());
        assertBalanced(h.tracker.fragmentStats());
    }

    @Test
    void atomicFragmentPassesThrough() {
        byte[] udp = udp(1, 2, payload(100, 5));
        Harness h = new Harness(L4Config.defaults());
        DecodedPacket d = h.feed(ipv6Fragment(5, 17, 0, false, udp, 0, udp.length, false), 0);
        assertNotNull(d);
        assertEquals(Layer.UDP, d.transport());
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(1, f.atomic());
        assertEquals(0, f.fragments());
        assertEquals(1, h.tracker.stats().udpPackets());
    }

    @Test
    void timeoutByPacketTime() {
        byte[] udp = udp(1111, 2222, payload(3000, 6));
        Harness h = new Harness(L4Config.builder().fragmentTimeout(Duration.ofSeconds(5)).build());
        List<byte[]> fr = split4(11, udp, 1480);
        h.feed(fr.get(0), 0);
        h.feed(fr.get(1), 4_999);
        assertEquals(2, h.tracker.fragmentStats().pending());
        assertNull(h.feed(fr.get(2), 5_000), "the datagram timed out 5 s after its first fragment");
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(2, f.timedOut());
        assertEquals(1, f.pending(), "the last fragment starts a new datagram");
        h.tracker.advanceTime(T0 + 20_000_000_000L);
        f = h.tracker.fragmentStats();
        assertEquals(3, f.timedOut());
        assertEquals(0, f.datagramsInFlight());
        assertBalanced(f);
        // the default is 30 s
        assertEquals(30_000_000_000L, L4Config.defaults().fragmentTimeoutNanos());
        assertEquals(1024, L4Config.defaults().fragmentMaxDatagrams());
        assertEquals(4L << 20, L4Config.defaults().fragmentMaxBytes());
    }

    @Test
    void datagramBoundEvictsTheOldest() {
        Harness h = new Harness(L4Config.builder().fragmentMaxDatagrams(2).build());
        byte[] udp = udp(1111, 2222, payload(2000, 7));
        List<byte[]> a = split4(1, udp, 1480);
        List<byte[]> b = split4(2, udp, 1480);
        List<byte[]> c = split4(3, udp, 1480);
        h.feed(a.get(0), 0);
        h.feed(b.get(0), 1);
        h.feed(c.get(0), 2); // evicts a
        assertNull(h.feed(a.get(1), 3), "a was evicted: its last fragment starts over (and evicts b)");
        assertNotNull(h.feed(c.get(1), 4));
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(2, f.evicted());
        assertEquals(1, f.datagrams());
        assertEquals(1, f.pending());
        assertBalanced(f);
    }

    @Test
    void byteBoundEvictsTheOldest() {
        Harness h = new Harness(L4Config.builder().fragmentMaxBytes(8000).build());
        byte[] udp = udp(1111, 2222, payload(8000, 8));
        List<byte[]> a = split4(1, udp, 1480);
        List<byte[]> b = split4(2, udp, 1480);
        for (int i = 0; i < 3; i++) {
            h.feed(a.get(i), i); // a payload array of 5920 bytes (doubling) + headers + run lists
        }
        assertEquals(5920 + 34 + 64, h.tracker.fragmentStats().bytesBuffered());
        h.feed(b.get(0), 10); // 1480 + 34 + 64 more: fits
        assertEquals(0, h.tracker.fragmentStats().evicted());
        h.feed(b.get(1), 11); // b grows to 2960: no room, a (the oldest) goes
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(3, f.evicted());
        assertEquals(2, f.pending());
        assertEquals(2960 + 34 + 64, f.bytesBuffered());
        // a datagram larger than the bound alone is given up
        for (int i = 2; i < b.size(); i++) {
            h.feed(b.get(i), 11 + i);
        }
        f = h.tracker.fragmentStats();
        assertEquals(0, f.datagrams());
        assertTrue(f.bytesBuffered() <= 8000);
        assertBalanced(f);
    }

    @Test
    void boundsHoldUnderFloodsOfIncompleteDatagrams() {
        // Defaults (1024 datagrams, 4 MiB): 4000 datagrams that never complete, interleaved, each sending 8-byte
        // fragments with 8-byte holes spread over up to 64 KiB (the costliest shape: big payload arrays, long run
        // lists), then the same with small datagrams that only fill the datagram bound.
        L4Config c = L4Config.defaults();
        FragmentReassembler r = new FragmentReassembler(c.fragmentMaxDatagrams(), c.fragmentMaxBytes(),
                c.fragmentTimeoutNanos());
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PacketView v = new PacketView();
        byte[] data = payload(65_536, 1);
        long maxBytes = 0;
        int maxFlight = 0;
        long frames = 0;
        long started = System.nanoTime();
        Random random = new Random(3);
        for (int round = 0; round < 40; round++) {
            for (int k = 0; k < 100; k++) {
                int id = round * 100 + k;
                boolean big = id < 2000;
                int step = big ? 16 * (1 + random.nextInt(255)) : 16;
                int count = big ? 64 : 2;
                for (int i = 0; i < count; i++) {
                    int off = Math.min(65_000, i * step);
                    byte[] f = (id & 1) == 0 ? ipv4Fragment(id & 0xFFFF, 17, off & ~7, true, data, 0, 8, 0)
                            : ipv6Fragment(id, 17, off & ~7, true, data, 0, 8, false);
                    v.wrap(f, 0, f.length, f.length, T0 + frames * 1000, LinkType.ETHERNET, 0);
                    decoder.decode(v, d);
                    r.expire(v.timestampNanos());
                    assertNull(r.onFragment(d));
                    frames++;
                    maxBytes = Math.max(maxBytes, r.bytesBuffered());
                    maxFlight = Math.max(maxFlight, r.inFlight());
                }
            }
        }
        long nanos = System.nanoTime() - started;
        assertTrue(maxBytes <= c.fragmentMaxBytes(), "bytes held " + maxBytes);
        assertTrue(maxFlight <= c.fragmentMaxDatagrams(), "datagrams " + maxFlight);
        assertEquals(c.fragmentMaxDatagrams(), maxFlight, "the small datagrams fill the datagram bound");
        assertTrue(r.evicted() > 0);
        assertEquals(r.fragments(), r.reassembledFragments() + r.duplicates() + r.overlaps() + r.timedOut()
                + r.evicted() + r.oversize() + r.malformed() + r.flushed() + r.pending());
        System.out.println("[fragments] flood: " + frames + " fragments of 4000 incomplete datagrams; at most "
                + maxBytes + " bytes held (bound " + c.fragmentMaxBytes() + "), " + maxFlight
                + " datagrams (bound " + c.fragmentMaxDatagrams() + "); " + r.evicted() + " evicted; "
                + (frames * 1_000_000_000L / Math.max(1, nanos)) + " fragments/s with decoding");
    }

    @Test
    void oversizeAndMalformed() {
        Harness h = new Harness(L4Config.defaults());
        byte[] big = payload(65_600, 9);
        assertNull(h.feed(ipv4Fragment(1, 17, 0, true, big, 0, 1480, 0), 0));
        assertNull(h.feed(ipv4Fragment(1, 17, 65_520, false, big, 0, 64, 0), 1),
                "20 + 65520 + 64 > 65535: dropped with the datagram");
        FragmentStats f = h.tracker.fragmentStats();
        assertEquals(2, f.oversize());
        assertEquals(0, f.datagramsInFlight());
        assertNull(h.feed(ipv6Fragment(2, 17, 65_528, false, big, 0, 16, false), 2), "IPv6 payload past 65535");
        assertEquals(3, h.tracker.fragmentStats().oversize());
        // a non-last fragment whose length is not a multiple of 8
        assertNull(h.feed(ipv4Fragment(3, 17, 0, true, big, 0, 1001, 0), 3));
        assertNull(h.feed(ipv6Fragment(4, 17, 0, true, big, 0, 1001, false), 4));
        // a second last fragment with another end
        assertNull(h.feed(ipv4Fragment(5, 17, 1480, false, big, 0, 100, 0), 5));
        assertNull(h.feed(ipv4Fragment(5, 17, 1480, false, big, 0, 200, 0), 6));
        f = h.tracker.fragmentStats();
        assertEquals(4, f.malformed());
        assertBalanced(f);
    }

    @Test
    void snapLengthCutFragmentsStillGiveTheFlow() {
        byte[] udp = udp(1111, 2222, payload(4000, 10));
        Harness h = new Harness(L4Config.defaults());
        List<byte[]> fr = split4(21, udp, 1480);
        DecodedPacket d = null;
        for (int i = 0; i < fr.size(); i++) {
            d = h.feed(fr.get(i), i, 96);
        }
        assertNotNull(d);
        assertEquals(DecodeOutcome.DECODED, d.outcome(), "the UDP header was captured");
        assertEquals(4000, d.udp().payloadLength());
        assertEquals(96 - 14 - 20 - 8, d.udp().capturedPayloadLength(), "captured bytes stop at the first cut");
        assertEquals(14 + 20 + 4008, d.packet().wireLength());
        h.tracker.flush();
        assertEquals(4000, h.logs.get(0).txBytes() + h.logs.get(0).rxBytes());
    }

    @Test
    void vlansKeepDatagramsApart() {
        byte[] udp1 = udp(1111, 2222, payload(2000, 11));
        byte[] udp2 = udp(1111, 2222, payload(2000, 12));
        Harness h = new Harness(L4Config.defaults());
        List<byte[]> a = split4(5, udp1, 1480, 100);
        List<byte[]> b = split4(5, udp2, 1480, 200);
        h.feed(a.get(0), 0);
        h.feed(b.get(0), 1);
        DecodedPacket da = h.feed(a.get(1), 2);
        assertNotNull(da);
        assertEquals(100, da.link().vlanId(0));
        assertEquals(2000, da.udp().payloadLength());
        DecodedPacket db = h.feed(b.get(1), 3);
        assertNotNull(db);
        assertEquals(200, db.link().vlanId(0));
        byte[] got = new byte[2008];
        db.packet().copyTo(db.udp().headerOffset(), got, 0, 2008);
        assertTrue(Arrays.equals(udp2, got));
        assertEquals(2, h.tracker.fragmentStats().datagrams());
        assertEquals(0, h.tracker.fragmentStats().overlaps());
    }

    @Test
    void vxlanInnerFragmentsAreReassembledInTheirSegment() {
        byte[] udp = udp(4000, 5000, payload(2500, 13));
        Harness h = new Harness(L4Config.defaults());
        List<byte[]> inner = split4(31, udp, 1400);
        DecodedPacket d = null;
        for (int i = 0; i < inner.size(); i++) {
            d = h.feed(vxlan(inner.get(i), 4242), i);
        }
        assertNotNull(d);
        assertEquals(DecodeOutcome.DECODED, d.outcome(), d.toString());
        assertEquals(4242, d.tunnel().vni());
        assertEquals(Layer.UDP, d.transport());
        assertEquals(2500, d.udp().payloadLength());
        assertEquals(0, ipv4Checksum(d.packet(), 14), "outer checksum recomputed");
        h.tracker.flush();
        assertEquals(1, h.logs.size());
        assertEquals(4242, h.logs.get(0).vni());
        assertEquals(2500, h.logs.get(0).txBytes() + h.logs.get(0).rxBytes());
    }

    @Test
    void mutatedFragmentsNeverThrowAndEveryFragmentIsCounted() {
        Random random = new Random(7);
        Harness h = new Harness(L4Config.builder().fragmentMaxDatagrams(16).fragmentMaxBytes(64 * 1024).build());
        int fed = 0;
        for (int round = 0; round < 1500; round++) {
            byte[] udp = udp(1000 + round % 5, 2000, payload(100 + random.nextInt(5000), round));
            List<byte[]> fr = round % 2 == 0 ? split4(round % 50, udp, 8 * (1 + random.nextInt(200)))
                    : split6(round % 50, udp, 8 * (1 + random.nextInt(200)));
            for (byte[] f : fr) {
                int flips = random.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int at = 14 + random.nextInt(Math.min(f.length - 14, 64));
                    f[at] = (byte) random.nextInt(256);
                }
                int cut = random.nextInt(10) == 0 ? random.nextInt(f.length + 1) : f.length;
                h.feed(f, round, cut);
                fed++;
            }
        }
        h.tracker.flush();
        FragmentStats f = h.tracker.fragmentStats();
        assertBalanced(f);
        L4Stats s = h.tracker.stats();
        assertEquals(fed, s.tcpPackets() + s.udpPackets() + s.ignoredPackets());
        assertEquals(0, f.pending());
        assertEquals(0, f.bytesBuffered());
        System.out.println("[fragments] mutated: " + fed + " frames, " + f);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static void assertBalanced(FragmentStats f) {
        assertEquals(f.fragments(), f.reassembled() + f.duplicates() + f.overlaps() + f.timedOut() + f.evicted()
                + f.oversize() + f.malformed() + f.flushed() + f.pending(), "every fragment in one counter: " + f);
    }

    /** A tracker plus the reassembler under it, fed frames built here. */
    private static final class Harness {
        final List<L4Log> logs = new ArrayList<>();
        final L4Tracker tracker;
        final FragmentReassembler direct;
        final PacketDecoder decoder = new PacketDecoder();
        final DecodedPacket decoded = new DecodedPacket();
        final PacketView view = new PacketView();

        Harness(L4Config config) {
            tracker = L4Tracker.builder().config(config).listener(logs::add).build();
            direct = new FragmentReassembler(config.fragmentMaxDatagrams(), config.fragmentMaxBytes(),
                    config.fragmentTimeoutNanos());
        }

        FragmentReassembler reassembler() {
            return direct;
        }

        DecodedPacket feed(byte[] frame, long millis) {
            return feed(frame, millis, frame.length);
        }

        DecodedPacket feed(byte[] frame, long millis, boolean unused) {
            return feed(frame, millis, frame.length);
        }

        /**
         * Feeds the tracker, and the same frame to a reassembler of the same configuration whose result is
         * returned (the tracker's own datagram is internal).
         */
        DecodedPacket feed(byte[] frame, long millis, int snap) {
            long ts = T0 + millis * 1_000_000L;
            view.wrap(frame, 0, snap, frame.length, ts, LinkType.ETHERNET, 3);
            decoder.decode(view, decoded);
            tracker.onPacket(decoded);
            view.wrap(frame, 0, snap, frame.length, ts, LinkType.ETHERNET, 3);
            decoder.decode(view, decoded);
            if (direct.inFlight() != 0) {
                direct.expire(ts);
            }
            if (!FragmentReassembler.isFragment(decoded)) {
                return null;
            }
            DecodedPacket d = direct.onFragment(decoded);
            return d;
        }
    }

    private static void feed(L4Tracker tracker, Path file) throws Exception {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        try (CaptureFileReader r = CaptureFiles.open(file)) {
            PacketView v = new PacketView();
            while (r.next(v)) {
                decoder.decode(v, d);
                tracker.onPacket(d);
            }
        } catch (CaptureFileException e) {
            // damaged file: what was read
        }
    }

    private static int fragmentFrames(Path file) throws Exception {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        int n = 0;
        try (CaptureFileReader r = CaptureFiles.open(file)) {
            PacketView v = new PacketView();
            while (r.next(v)) {
                decoder.decode(v, d);
                if (FragmentReassembler.isFragment(d)) {
                    n++;
                }
            }
        } catch (CaptureFileException e) {
            // damaged file: what was read
        }
        return n;
    }

    /** "frame:length" for each datagram our reassembler completes, in order. */
    private static List<String> ourDatagrams(Path file) throws Exception {
        L4Config c = L4Config.defaults();
        FragmentReassembler r = new FragmentReassembler(c.fragmentMaxDatagrams(), c.fragmentMaxBytes(),
                c.fragmentTimeoutNanos());
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        List<String> out = new ArrayList<>();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView v = new PacketView();
            int frame = 0;
            while (reader.next(v)) {
                frame++;
                decoder.decode(v, d);
                r.expire(v.timestampNanos());
                if (FragmentReassembler.isFragment(d)) {
                    DecodedPacket whole = r.onFragment(d);
                    if (whole != null && whole != d) {
                        out.add(frame + ":" + r.lastPayloadLength());
                    }
                }
            }
        } catch (CaptureFileException e) {
            // damaged file: what was read
        }
        r.flush();
        assertEquals(r.fragments(), r.reassembledFragments() + r.duplicates() + r.overlaps() + r.timedOut()
                + r.evicted() + r.oversize() + r.malformed() + r.flushed() + r.pending());
        return out;
    }

    /** "frame:length" for each datagram tshark reassembles (ip.defragment / ipv6.defragment on). */
    private static List<String> tsharkDatagrams(Path file) throws Exception {
        Tshark.Result t = Tshark.fields(file, List.of("frame.number", "ip.reassembled.length",
                "ipv6.reassembled.length"), "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE");
        List<String> out = new ArrayList<>();
        for (String[] row : t.rows()) {
            String len = row.length > 1 && !row[1].isEmpty() ? row[1] : row.length > 2 ? row[2] : "";
            if (!len.isEmpty()) {
                out.add(row[0] + ":" + len.split(",")[0]);
            }
        }
        return out;
    }

    /** tshark's UDP conversations as a histogram "packets p / payload bytes B" -> conversations. */
    private static Map<String, Integer> tsharkUdpFlows(Path file) throws Exception {
        Tshark.Result t = Tshark.fields(file, List.of("udp.stream", "udp.length"), "-o", "ip.defragment:TRUE",
                "-o", "ipv6.defragment:TRUE", "-Y", "udp and not icmp and not icmpv6");
        Map<String, long[]> flows = new HashMap<>();
        for (String[] row : t.rows()) {
            if (row[0].isEmpty() || row[0].contains(",")) {
                continue;
            }
            long[] c = flows.computeIfAbsent(row[0], k -> new long[2]);
            c[0]++;
            c[1] += Long.parseLong(row[1].split(",")[0]) - 8;
        }
        return histogram(flows);
    }

    /** tshark's TCP conversations as a histogram "packets p / payload bytes B" -> connections. */
    private static Map<String, Integer> tsharkTcpConnections(Path file) throws Exception {
        Tshark.Result t = Tshark.fields(file, List.of("tcp.stream", "tcp.len"), "-o", "ip.defragment:TRUE",
                "-o", "ipv6.defragment:TRUE", "-Y", "tcp");
        Map<String, long[]> flows = new HashMap<>();
        for (String[] row : t.rows()) {
            long[] c = flows.computeIfAbsent(row[0], k -> new long[2]);
            c[0]++;
            c[1] += Long.parseLong(row[1]);
        }
        return histogram(flows);
    }

    private static Map<String, Integer> histogram(Map<String, long[]> flows) {
        Map<String, Integer> h = new TreeMap<>();
        for (long[] c : flows.values()) {
            h.merge(c[0] + "p/" + c[1] + "B", 1, Integer::sum);
        }
        return h;
    }

    // ---- frame builders --------------------------------------------------------------------------------------

    private static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] udp(int sport, int dport, byte[] payload) {
        byte[] u = new byte[8 + payload.length];
        put16(u, 0, sport);
        put16(u, 2, dport);
        put16(u, 4, Math.min(0xFFFF, u.length));
        System.arraycopy(payload, 0, u, 8, payload.length);
        return u;
    }

    private static byte[] tcp(int sport, int dport, long seq, long ack, int flags, byte[] payload) {
        byte[] t = new byte[20 + payload.length];
        put16(t, 0, sport);
        put16(t, 2, dport);
        put32(t, 4, (int) seq);
        put32(t, 8, (int) ack);
        put16(t, 12, (5 << 12) | flags);
        put16(t, 14, 65535);
        System.arraycopy(payload, 0, t, 20, payload.length);
        return t;
    }

    /**
     * One TCP connection (handshake, {@code segments} data segments each way, FIN exchange) over IPv4 or IPv6; the
     * data segments larger than 1400 bytes are fragmented, their fragments in random order.
     */
    private static List<byte[]> tcpConnection(int k, boolean v6, int segments, Random random) {
        List<byte[]> out = new ArrayList<>();
        int cport = 40_000 + k;
        long cseq = 1000L * k;
        long sseq = 7_000_000L + k;
        int[] id = {0x4000 + 64 * k};
        java.util.function.BiConsumer<Boolean, byte[]> send = (fromServer, seg) -> {
            int chunk = 1400;
            List<byte[]> fr = new ArrayList<>();
            if (seg.length <= chunk) {
                fr.add(v6 ? ipv6Fragment(fromServer, 0, 6, -1, false, seg, 0, seg.length, false)
                        : ipv4Fragment(fromServer, id[0]++, 6, 0, false, seg, 0, seg.length, 0));
            } else {
                int ident = id[0]++;
                for (int off = 0; off < seg.length; off += chunk) {
                    int len = Math.min(chunk, seg.length - off);
                    boolean more = off + len < seg.length;
                    fr.add(v6 ? ipv6Fragment(fromServer, ident, 6, off, more, seg, off, len, k % 2 == 0)
                            : ipv4Fragment(fromServer, ident, 6, off, more, seg, off, len, 0));
                }
                Collections.shuffle(fr, random);
            }
            out.addAll(fr);
        };
        send.accept(false, tcp(cport, 80, cseq, 0, 0x02, new byte[0]));
        send.accept(true, tcp(80, cport, sseq, cseq + 1, 0x12, new byte[0]));
        cseq++;
        sseq++;
        send.accept(false, tcp(cport, 80, cseq, sseq, 0x10, new byte[0]));
        for (int i = 0; i < segments; i++) {
            byte[] req = payload(500 + random.nextInt(6000), k * 100 + i);
            send.accept(false, tcp(cport, 80, cseq, sseq, 0x18, req));
            cseq += req.length;
            byte[] resp = payload(500 + random.nextInt(9000), k * 100 + i + 50);
            send.accept(true, tcp(80, cport, sseq, cseq, 0x18, resp));
            sseq += resp.length;
        }
        send.accept(false, tcp(cport, 80, cseq, sseq, 0x11, new byte[0]));
        send.accept(true, tcp(80, cport, sseq, cseq + 1, 0x11, new byte[0]));
        send.accept(false, tcp(cport, 80, cseq + 1, sseq + 1, 0x10, new byte[0]));
        return out;
    }

    private static List<byte[]> split4(int id, byte[] data, int chunk) {
        return split4(id, data, chunk, 0);
    }

    private static List<byte[]> split4(int id, byte[] data, int chunk, int vlan) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += chunk) {
            int len = Math.min(chunk, data.length - off);
            out.add(ipv4Fragment(id, 17, off, off + len < data.length, data, off, len, vlan));
        }
        return out;
    }

    private static List<byte[]> split6(int id, byte[] data, int chunk) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += chunk) {
            int len = Math.min(chunk, data.length - off);
            out.add(ipv6Fragment(id, 17, off, off + len < data.length, data, off, len, id % 2 == 0));
        }
        return out;
    }

    /** An Ethernet frame (with an 802.1Q tag when vlan != 0) carrying one IPv4 fragment. */
    private static byte[] ipv4Fragment(int id, int proto, int offset, boolean more, byte[] data, int from, int len,
                                       int vlan) {
        return ipv4Fragment(false, id, proto, offset, more, data, from, len, vlan);
    }

    /** As above, from DST4 to SRC4 when {@code reverse}. */
    private static byte[] ipv4Fragment(boolean reverse, int id, int proto, int offset, boolean more, byte[] data,
                                       int from, int len, int vlan) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ethernet(out, vlan, 0x0800);
        byte[] ip = new byte[20 + len];
        ip[0] = 0x45;
        put16(ip, 2, 20 + len);
        put16(ip, 4, id);
        put16(ip, 6, (more ? 0x2000 : 0) | (offset >>> 3));
        ip[8] = 64;
        ip[9] = (byte) proto;
        put32(ip, 12, reverse ? DST4 : SRC4);
        put32(ip, 16, reverse ? SRC4 : DST4);
        put16(ip, 10, checksum(ip, 0, 20));
        System.arraycopy(data, from, ip, 20, len);
        out.writeBytes(ip);
        return out.toByteArray();
    }

    /** An Ethernet frame carrying one IPv6 fragment, with an 8-byte destination-options header before it. */
    private static byte[] ipv6Fragment(long id, int next, int offset, boolean more, byte[] data, int from, int len,
                                       boolean destOpts) {
        return ipv6Fragment(false, id, next, offset, more, data, from, len, destOpts);
    }

    /** As above, from DST6 to SRC6 when {@code reverse}; {@code offset} -1: a whole packet, no fragment header. */
    private static byte[] ipv6Fragment(boolean reverse, long id, int next, int offset, boolean more, byte[] data,
                                       int from, int len, boolean destOpts) {
        if (offset < 0) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ethernet(out, 0, 0x86DD);
            byte[] ip = new byte[40 + len];
            ip[0] = 0x60;
            put16(ip, 4, len);
            ip[6] = (byte) next;
            ip[7] = 64;
            System.arraycopy(reverse ? DST6 : SRC6, 0, ip, 8, 16);
            System.arraycopy(reverse ? SRC6 : DST6, 0, ip, 24, 16);
            System.arraycopy(data, from, ip, 40, len);
            out.writeBytes(ip);
            return out.toByteArray();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ethernet(out, 0, 0x86DD);
        int ext = destOpts ? 8 : 0;
        byte[] ip = new byte[40 + ext + 8 + len];
        ip[0] = 0x60;
        put16(ip, 4, ext + 8 + len);
        ip[6] = (byte) (destOpts ? 60 : 44);
        ip[7] = 64;
        System.arraycopy(reverse ? DST6 : SRC6, 0, ip, 8, 16);
        System.arraycopy(reverse ? SRC6 : DST6, 0, ip, 24, 16);
        int h = 40;
        if (destOpts) {
            ip[h] = 44;
            ip[h + 1] = 0;
            ip[h + 2] = 1; // PadN
            ip[h + 3] = 4;
            h += 8;
        }
        ip[h] = (byte) next;
        put16(ip, h + 2, offset | (more ? 1 : 0));
        put32(ip, h + 4, (int) id);
        System.arraycopy(data, from, ip, h + 8, len);
        out.writeBytes(ip);
        return out.toByteArray();
    }

    /** {@code inner} (an Ethernet frame) in VXLAN over IPv4/UDP 4789. */
    private static byte[] vxlan(byte[] inner, int vni) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ethernet(out, 0, 0x0800);
        byte[] ip = new byte[20 + 8 + 8 + inner.length];
        ip[0] = 0x45;
        put16(ip, 2, ip.length);
        put16(ip, 4, 999);
        ip[8] = 64;
        ip[9] = 17;
        put32(ip, 12, 0x0A000001);
        put32(ip, 16, 0x0A000002);
        put16(ip, 10, checksum(ip, 0, 20));
        put16(ip, 20, 54321);
        put16(ip, 22, 4789);
        put16(ip, 24, 8 + 8 + inner.length);
        ip[28] = 0x08;
        put32(ip, 32, vni << 8);
        System.arraycopy(inner, 0, ip, 36, inner.length);
        out.writeBytes(ip);
        return out.toByteArray();
    }

    private static void ethernet(ByteArrayOutputStream out, int vlan, int type) {
        out.writeBytes(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        if (vlan != 0) {
            out.write(0x81);
            out.write(0x00);
            out.write(vlan >>> 8);
            out.write(vlan);
        }
        out.write(type >>> 8);
        out.write(type);
    }

    private static byte[] addr6(long high, long low) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (high >>> (56 - 8 * i));
            b[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        return b;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static void put32(byte[] b, int at, int v) {
        put16(b, at, v >>> 16);
        put16(b, at + 2, v);
    }

    private static int checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((b[off + i] & 0xFF) << 8) | (b[off + i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    /** 0 when the IPv4 header at {@code off} has a valid checksum. */
    private static int ipv4Checksum(PacketView p, int off) {
        int ihl = (p.u8(off) & 0x0F) << 2;
        int sum = 0;
        for (int i = 0; i < ihl; i += 2) {
            sum += p.u16(off + i);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }
}
