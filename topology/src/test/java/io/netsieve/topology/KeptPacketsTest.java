package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exports from the packets a run over the demo lab set kept, checked against tshark on the original captures: each
 * connection's frames are, byte for byte and timestamp for timestamp, the frames of the {@code tcp.stream} /
 * {@code udp.stream} tshark finds at the connection's first frame; each HTTP/1 exchange's frames are those of its
 * stream from the first frame of the request (its first {@code tcp.segment}) to the frame tshark dissects the
 * response in; a path's pcapng holds, per NIC interface, that hop's exchange. tshark opens every format written.
 */
class KeptPacketsTest {
    private static CaptureSet set;
    private static RunSummary summary;
    private static final Map<Integer, List<L4Log>> L4 = new HashMap<>();
    private static final List<L7Log> L7 = new ArrayList<>();
    private static final List<ExchangePath> PATHS = new ArrayList<>();
    /** Per capture point: the original's frames (netsieve's reader) and tshark's fields per frame. */
    private static final Map<Integer, List<TsharkFrames.Frame>> ORIGINAL = new HashMap<>();
    private static final Map<Integer, List<String[]>> TSHARK = new HashMap<>();

    private static final int TIME = 0;
    private static final int TCP_STREAM = 1;
    private static final int UDP_STREAM = 2;
    private static final int HTTP_REQUEST = 3;
    private static final int HTTP_RESPONSE = 4;
    private static final int REQUEST_IN = 5;
    private static final int SEGMENTS = 6;

    @BeforeAll
    static void runTheDemoSetKeepingPackets() throws Exception {
        Prerequisites.requireCommand("tshark");
        set = CaptureManifest.read(DemoReplay.DEMO);
        summary = NetSieve.builder().captureSet(set).keepPackets(PacketRetention.defaults())
                .onL4Log((log, nic) -> L4.computeIfAbsent(log.capturePointId(), k -> new ArrayList<>()).add(log))
                .onL7Log((log, nic) -> L7.add(log))
                .onExchangePath(PATHS::add)
                .build().run();
        for (CapturePoint p : set.points()) {
            ORIGINAL.put(p.id(), TsharkFrames.read(p.file()));
            Tshark.Result r = Tshark.fields(p.file(), List.of("frame.time_epoch", "tcp.stream", "udp.stream",
                    "http.request", "http.response", "http.request_in", "tcp.segment"));
            assertNull(r.error(), p.file().toString());
            assertEquals(ORIGINAL.get(p.id()).size(), r.rows().size(), "tshark and netsieve read as many frames");
            TSHARK.put(p.id(), r.rows());
        }
    }

    @Test
    void everyConnectionIsTsharksStreamByteForByte(@TempDir Path tmp) throws Exception {
        int connections = 0;
        int openedByTshark = 0;
        for (CapturePoint p : set.points()) {
            Map<String, List<L4Log>> byConnection = new LinkedHashMap<>();
            for (L4Log r : L4.getOrDefault(p.id(), List.of())) {
                byConnection.computeIfAbsent(r.innerTraceId(), k -> new ArrayList<>()).add(r);
            }
            boolean first = true;
            for (List<L4Log> records : byConnection.values()) {
                L4Log r = records.get(0);
                List<TsharkFrames.Frame> expected = streamFrames(p.id(), r.l4Proto(),
                        records.stream().mapToLong(L4Log::timeNanos).min().orElseThrow());
                long packets = records.stream().mapToLong(x -> x.txPackets() + x.rxPackets()).sum();
                assertEquals(packets, expected.size(), "tshark's stream has the L4 records' packets: " + r);
                for (ExportFormat format : ExportFormat.values()) {
                    Path out = tmp.resolve(p.id() + "-" + r.innerTraceId() + format.extension());
                    long written = summary.keptPackets().writeConnection(r, out, format);
                    assertEquals(expected.size(), written);
                    assertEquals(expected, TsharkFrames.read(out), format + " " + p.nic().label() + " " + r);
                    if (first) { // tshark opens what we write and sees the same frames and times
                        Tshark.Result t = Tshark.fields(out, List.of("frame.time_epoch", "frame.len"));
                        assertNull(t.error(), t.error());
                        assertEquals(expected.stream().map(f -> f.timestampNanos() + "/" + f.wireLength()).toList(),
                                t.rows().stream().map(x -> Tshark.epochNanos(x[0]) + "/" + x[1]).toList());
                        openedByTshark++;
                    }
                }
                first = false;
                connections++;
            }
        }
        assertTrue(connections >= 50, "connections checked: " + connections);
        System.out.println("connections checked: " + connections);
        assertEquals(2 * set.size(), openedByTshark);
        KeptPacketsStats s = summary.keptPackets().stats();
        assertEquals(s.framesOffered(), s.framesKept() + s.framesCut() + s.framesAfterEviction());
        assertEquals(0, s.connectionsEvicted() + s.framesCut(), "the defaults hold the demo set: " + s);
    }

    @Test
    void everyHttpExchangeIsTsharksRequestToResponse(@TempDir Path tmp) throws Exception {
        int exchanges = 0;
        for (CapturePoint p : set.points()) {
            for (Map.Entry<L7Log, List<TsharkFrames.Frame>> e : httpExchanges(p.id()).entrySet()) {
                for (ExportFormat format : ExportFormat.values()) {
                    Path out = tmp.resolve("x" + exchanges + format.extension());
                    summary.keptPackets().writeExchange(e.getKey(), out, format);
                    assertEquals(e.getValue(), TsharkFrames.read(out), p.nic().label() + " " + e.getKey());
                }
                exchanges++;
            }
        }
        assertTrue(exchanges >= 40, "exchanges checked: " + exchanges);
        System.out.println("exchanges checked: " + exchanges);
    }

    @Test
    void aPathIsOneInterfacePerNicEachHopTsharksExchange(@TempDir Path tmp) throws Exception {
        Map<Integer, Map<L7Log, List<TsharkFrames.Frame>>> oracle = new HashMap<>();
        for (CapturePoint p : set.points()) {
            oracle.put(p.id(), httpExchanges(p.id()));
        }
        int paths = 0;
        boolean nat = false;
        int mostHops = 0;
        for (ExchangePath path : PATHS) {
            if (path.hops().size() < 2 || !path.hops().stream().allMatch(h -> oracle.get(h.log().capturePointId())
                    .containsKey(h.log()))) {
                continue; // HTTP/1 paths across capture points, whose every hop tshark dissects
            }
            Path out = tmp.resolve("path" + paths + ".pcapng");
            long written = summary.keptPackets().writePath(path, out, ExportFormat.PCAPNG);
            Tshark.Result t = Tshark.fields(out, List.of("frame.interface_name"));
            assertNull(t.error(), t.error());
            assertEquals(written, t.rows().size());
            List<String> names = path.hops().stream().map(h -> h.nic().label()).toList();
            assertEquals(new TreeSet<>(names), new TreeSet<>(t.rows().stream().map(r -> r[0]).toList()),
                    "one interface per capture point, named after its NIC");
            List<TsharkFrames.Frame> frames = TsharkFrames.read(out);
            List<TsharkFrames.Frame> all = new ArrayList<>();
            for (Hop h : path.hops()) {
                List<TsharkFrames.Frame> expected = oracle.get(h.log().capturePointId()).get(h.log());
                String name = h.nic().label();
                List<TsharkFrames.Frame> onHop = new ArrayList<>();
                for (int i = 0; i < frames.size(); i++) {
                    if (t.rows().get(i)[0].equals(name)) {
                        onHop.add(frames.get(i));
                    }
                }
                assertEquals(expected, TsharkFrames.noInterface(onHop), "hop " + name + " of " + path.key());
                all.addAll(expected);
            }
            // pcap: the same frames, one link type, in time order
            Path pcap = tmp.resolve("path" + paths + ".pcap");
            summary.keptPackets().writePath(path, pcap, ExportFormat.PCAP);
            all.sort(Comparator.comparingLong(TsharkFrames.Frame::timestampNanos));
            List<TsharkFrames.Frame> read = new ArrayList<>(TsharkFrames.read(pcap));
            Comparator<TsharkFrames.Frame> order = Comparator.comparingLong(TsharkFrames.Frame::timestampNanos)
                    .thenComparing(TsharkFrames.Frame::hex);
            all.sort(order);
            read.sort(order);
            assertEquals(all, read);
            nat |= !path.translations().isEmpty();
            mostHops = Math.max(mostHops, path.hops().size());
            paths++;
        }
        assertTrue(paths >= 9, "paths checked: " + paths);
        assertTrue(nat, "a path through SNAT among them");
        assertTrue(mostHops >= 8, "pod to pod over 8 NICs: " + mostHops);
    }

    @Test
    void withoutKeepPacketsAnExportSaysSo(@TempDir Path tmp) throws Exception {
        List<L4Log> l4 = Collections.synchronizedList(new ArrayList<>());
        RunSummary s = NetSieve.builder().files(List.of(set.points().get(0).file()))
                .onL4Log((log, nic) -> l4.add(log)).build().run();
        PacketsNotKeptException e = assertThrows(PacketsNotKeptException.class,
                () -> s.keptPackets().writeConnection(l4.get(0), tmp.resolve("x.pcap"), ExportFormat.PCAP));
        assertEquals(PacketsNotKeptException.Reason.NOT_KEPT, e.reason());
        assertTrue(e.getMessage().contains("keepPackets"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.pcap")), "nothing written");
        assertEquals(0, s.keptPackets().stats().framesOffered());
        // a connection of another run is unknown to this one
        PacketsNotKeptException u = assertThrows(PacketsNotKeptException.class, () -> summary.keptPackets()
                .writeConnection(l4.get(0), tmp.resolve("y.pcap"), ExportFormat.PCAP));
        assertEquals(PacketsNotKeptException.Reason.UNKNOWN, u.reason());
    }

    /** A run over the demo set within {@code retention}, with its records. */
    private record Bounded(RunSummary summary, List<L4Log> l4, List<L7Log> l7) {
        /** The connection started first (earliest first packet) on {@code point}, or last if {@code last}. */
        L4Log connection(int point, boolean last) {
            Comparator<L4Log> byTime = Comparator.comparingLong(L4Log::timeNanos);
            List<L4Log> on = l4.stream().filter(r -> r.capturePointId() == point).sorted(byTime).toList();
            Map<String, L4Log> firsts = new LinkedHashMap<>();
            on.forEach(r -> firsts.putIfAbsent(r.innerTraceId(), r));
            List<L4Log> starts = new ArrayList<>(firsts.values());
            return starts.get(last ? starts.size() - 1 : 0);
        }
    }

    private static Bounded bounded(PacketRetention retention) {
        List<L4Log> l4 = new ArrayList<>();
        List<L7Log> l7 = new ArrayList<>();
        RunSummary s = NetSieve.builder().captureSet(set).keepPackets(retention)
                .onL4Log((log, nic) -> l4.add(log)).onL7Log((log, nic) -> l7.add(log)).build().run();
        KeptPacketsStats k = s.keptPackets().stats();
        assertEquals(k.framesOffered(), k.framesKept() + k.framesCut() + k.framesAfterEviction(), k.toString());
        assertEquals(k.connections() - k.connectionsKept(), k.connectionsEvicted(), k.toString());
        return new Bounded(s, l4, l7);
    }

    private static L4Log firstOf(List<L4Log> records, String traceId) {
        return records.stream().filter(r -> r.innerTraceId().equals(traceId))
                .min(Comparator.comparingLong(L4Log::timeNanos)).orElseThrow();
    }

    @Test
    void moreConnectionsThanMaxConnectionsEvictTheOldest(@TempDir Path tmp) throws Exception {
        Bounded b = bounded(PacketRetention.builder().maxConnections(2).build());
        KeptPacketsStats s = b.summary().keptPackets().stats();
        assertEquals(2, s.connectionsKept(), s.toString());
        assertTrue(s.evictedForConnections() >= 100, s.toString());
        assertEquals(0, s.evictedForBytes(), s.toString());
        String message = oldestEvictedNewestKept(b, tmp, ExportFormat.PCAPNG);
        assertTrue(message.contains("maxConnections 2")
                && message.contains(nicOf(set.points().get(0).id()).label()), message);
    }

    /**
     * The first capture point's first connection cannot be exported (evicted: nothing is written) and the last
     * point's last one exports whole, as tshark reads it (slots reused many times over: the table still finds it);
     * returns the eviction's message.
     */
    private static String oldestEvictedNewestKept(Bounded b, Path tmp, ExportFormat format) throws Exception {
        int firstPoint = set.points().get(0).id();
        int lastPoint = set.points().get(set.size() - 1).id();
        PacketsNotKeptException e = assertThrows(PacketsNotKeptException.class, () -> b.summary().keptPackets()
                .writeConnection(b.connection(firstPoint, false), tmp.resolve("first.pcap"), ExportFormat.PCAP));
        assertEquals(PacketsNotKeptException.Reason.EVICTED, e.reason());
        assertFalse(Files.exists(tmp.resolve("first.pcap")), "nothing written");
        L4Log last = b.connection(lastPoint, true);
        Path out = tmp.resolve(format == ExportFormat.PCAP ? "last.pcap" : "last.pcapng");
        b.summary().keptPackets().writeConnection(last, out, format);
        assertEquals(streamFrames(lastPoint, last.l4Proto(), last.timeNanos()), TsharkFrames.read(out));
        return e.getMessage();
    }

    @Test
    void aFullStoreEvictsTheOldestConnections(@TempDir Path tmp) throws Exception {
        Bounded b = bounded(PacketRetention.builder().totalBytes(PacketRetention.MIN_TOTAL_BYTES).build());
        KeptPacketsStats s = b.summary().keptPackets().stats();
        assertEquals(65_536, s.bytesAllocated(), s.toString());
        assertTrue(s.bytesInUse() <= 65_536, s.toString());
        assertTrue(s.evictedForBytes() > 0 && s.framesEvicted() > 0, s.toString());
        assertEquals(0, s.evictedForConnections(), s.toString());
        String message = oldestEvictedNewestKept(b, tmp, ExportFormat.PCAP);
        assertTrue(message.contains("totalBytes 65536"), message);
    }

    @Test
    void aConnectionPastBytesPerConnectionIsCutItsEarlierExchangesStillExport(@TempDir Path tmp) throws Exception {
        Bounded b = bounded(PacketRetention.builder().bytesPerConnection(PacketRetention.MIN_BYTES_PER_CONNECTION)
                .build());
        KeptPacketsStats s = b.summary().keptPackets().stats();
        assertTrue(s.framesCut() > 0, s.toString());
        assertEquals(0, s.connectionsEvicted(), s.toString());
        // pod-a's keep-alive connection to pod-c: 38 frames, 3922 bytes (tshark -z conv,tcp), 5442 with headers
        int podA = set.points().stream().filter(p -> p.nic().podName().equals("pod-a")).findFirst().orElseThrow()
                .id();
        Map<String, List<L7Log>> byConnection = new LinkedHashMap<>();
        b.l7().stream().filter(x -> x.capturePointId() == podA)
                .forEach(x -> byConnection.computeIfAbsent(x.innerTraceId(), k -> new ArrayList<>()).add(x));
        List<L7Log> keepAlive = byConnection.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow();
        assertTrue(keepAlive.size() >= 3, "exchanges on the keep-alive connection: " + keepAlive.size());
        L4Log connection = firstOf(b.l4(), keepAlive.get(0).innerTraceId());
        PacketsNotKeptException e = assertThrows(PacketsNotKeptException.class, () -> b.summary().keptPackets()
                .writeConnection(connection, tmp.resolve("c.pcap"), ExportFormat.PCAP));
        assertEquals(PacketsNotKeptException.Reason.CUT, e.reason());
        assertTrue(e.getMessage().contains("bytesPerConnection (4096)"), e.getMessage());
        keepAlive.sort(Comparator.comparingLong(L7Log::timestampNanos));
        L7Log early = keepAlive.get(0);
        Path out = tmp.resolve("early.pcap");
        b.summary().keptPackets().writeExchange(early, out, ExportFormat.PCAP);
        // tshark's frames of that exchange (its record in this run has other random inner_traceids: found by time)
        List<TsharkFrames.Frame> expected = httpExchanges(podA).entrySet().stream()
                .filter(x -> x.getKey().timestampNanos() == early.timestampNanos()).findFirst().orElseThrow()
                .getValue();
        assertEquals(expected, TsharkFrames.read(out));
        L7Log late = keepAlive.get(keepAlive.size() - 1);
        PacketsNotKeptException cut = assertThrows(PacketsNotKeptException.class, () -> b.summary().keptPackets()
                .writeExchange(late, tmp.resolve("late.pcap"), ExportFormat.PCAP));
        assertEquals(PacketsNotKeptException.Reason.CUT, cut.reason());
    }

    /**
     * The frames of the tshark stream whose frame at {@code firstNanos} (the connection's first packet) belongs to
     * (the innermost TCP/UDP stream of that frame).
     */
    private static List<TsharkFrames.Frame> streamFrames(int point, String proto, long firstNanos) {
        int column = "udp".equals(proto) ? UDP_STREAM : TCP_STREAM;
        List<String[]> rows = TSHARK.get(point);
        String stream = null;
        for (String[] r : rows) {
            if (Tshark.epochNanos(r[TIME]) == firstNanos && !r[column].isEmpty()) {
                stream = last(r[column]);
                break;
            }
        }
        assertTrue(stream != null, "tshark has a " + proto + " frame at " + firstNanos);
        List<TsharkFrames.Frame> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (List.of(rows.get(i)[column].split(",")).contains(stream)) {
                out.add(ORIGINAL.get(point).get(i));
            }
        }
        return out;
    }

    /**
     * Per HTTP/1 exchange tshark dissects on a capture point (a response and the request it answers), our record of
     * it (the one whose first request byte is at the time of the request's first frame) and the frames of its
     * stream from that frame to the response's.
     */
    private static Map<L7Log, List<TsharkFrames.Frame>> httpExchanges(int point) {
        List<String[]> rows = TSHARK.get(point);
        Map<L7Log, List<TsharkFrames.Frame>> out = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            if (r[HTTP_RESPONSE].isEmpty() || r[REQUEST_IN].isEmpty()) {
                continue;
            }
            int q = Integer.parseInt(r[REQUEST_IN]) - 1;
            String segments = rows.get(q)[SEGMENTS];
            int first = segments.isEmpty() ? q : Integer.parseInt(segments.split(",")[0]) - 1;
            long from = Tshark.epochNanos(rows.get(first)[TIME]);
            long to = Tshark.epochNanos(r[TIME]);
            String stream = r[TCP_STREAM];
            L7Log ours = L7.stream().filter(x -> x.capturePointId() == point && x.timestampNanos() == from
                    && x.latencyNanos() == to - from).findFirst().orElse(null);
            assertTrue(ours != null, "our record of tshark's exchange at frame " + (q + 1) + " on " + point);
            List<TsharkFrames.Frame> frames = new ArrayList<>();
            for (int j = 0; j < rows.size(); j++) {
                long t = Tshark.epochNanos(rows.get(j)[TIME]);
                if (rows.get(j)[TCP_STREAM].equals(stream) && t >= from && t <= to) {
                    frames.add(ORIGINAL.get(point).get(j));
                }
            }
            out.put(ours, frames);
        }
        return out;
    }

    private static String last(String values) {
        String[] v = values.split(",");
        return v[v.length - 1];
    }

    static Nic nicOf(int point) {
        return set.points().stream().filter(p -> p.id() == point).findFirst().orElseThrow().nic();
    }
}
