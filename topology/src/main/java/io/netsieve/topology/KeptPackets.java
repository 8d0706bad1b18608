package io.netsieve.topology;

import io.netsieve.core.io.PcapNgWriter;
import io.netsieve.core.io.PcapWriter;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.internal.PacketRing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The packets a {@link NetSieve} run kept ({@link NetSieve.Builder#keepPackets}), and their export to pcap or pcapng:
 * one connection ({@link #writeConnection}), the same connection on several capture points
 * ({@link #writeConnections}, e.g. the records of one {@code nic_traceid}), one exchange ({@link #writeExchange}) or
 * one exchange across every capture point of its path ({@link #writePath}). Frames are written as captured: bytes,
 * captured and wire lengths, nanosecond timestamps, link type, and in pcapng the direction when the source gave it.
 * Works alike for live runs ({@link NetSieve.LiveRun#packets()}, also while the run goes on) and offline ones
 * ({@link RunSummary#keptPackets()}).
 *
 * <p>What belongs to a connection is what L4 says: the frames from the one on which L4 opened the flow (its
 * {@code inner_traceid}) up to the next flow L4 opens on the same 5-tuple (a port reuse), in either direction, as
 * captured on that capture point; frames L4 ignored on the tuple before the flow (e.g. truncated) are part of it.
 * An exchange is the frames of its connection from its first request byte to its last response byte (to its last
 * request byte when it has no response), as {@link PcapExport} defines it. Not kept: frames the filter refused,
 * frames without a TCP or UDP header (ARP, ICMP, IP fragments after the first).
 *
 * <p>An export of packets that are not all there fails with {@link PacketsNotKeptException} saying why: not kept
 * (the run was built without {@code keepPackets}), evicted (and by which bound), cut (the connection passed
 * {@code bytesPerConnection} before the end of what was asked) or unknown. Nothing is written then.
 *
 * <p>Thread-safe: exports and {@link #stats()} may run on any thread, also while a live run adds packets (an export
 * copies the frames it needs under the lock of the pipeline thread's store, then writes without it). The frames live
 * as long as this object is reachable.
 */
public final class KeptPackets {
    private static final int SNAP = 262_144;
    private static final KeptPackets NONE = new KeptPackets(null, List.of(), id -> null);

    private final PacketRetention retention;
    private final List<PacketRing> rings;
    private final IntFunction<Nic> nics;

    private KeptPackets(PacketRetention retention, List<PacketRing> rings, IntFunction<Nic> nics) {
        this.retention = retention;
        this.rings = rings;
        this.nics = nics;
    }

    /** What a run built without {@code keepPackets} returns: every export fails with {@code NOT_KEPT}. */
    static KeptPackets none() {
        return NONE;
    }

    /** A store of {@code shards} rings (one per pipeline thread) sharing the bounds of {@code retention}. */
    static KeptPackets create(PacketRetention retention, int shards, IntFunction<Nic> nics) {
        long total = Math.max(PacketRing.CHUNK, retention.totalBytes() / shards);
        int connections = Math.max(1, retention.maxConnections() / shards);
        List<PacketRing> rings = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            rings.add(new PacketRing(total, retention.bytesPerConnection(), connections));
        }
        return new KeptPackets(retention, List.copyOf(rings), nics);
    }

    /** The ring of pipeline thread {@code shard} (package-private: the pipeline fills it). */
    PacketRing ring(int shard) {
        return rings.get(shard);
    }

    /** True when the run kept packets. */
    public boolean enabled() {
        return retention != null;
    }

    /** The bounds, or null when the run kept no packets. */
    public PacketRetention retention() {
        return retention;
    }

    /** The counters now, summed over the pipeline threads (all zero when no packets were kept). */
    public KeptPacketsStats stats() {
        long[] t = new long[12];
        for (PacketRing r : rings) {
            long[] c = r.counters();
            for (int i = 0; i < t.length; i++) {
                t[i] += c[i];
            }
        }
        return new KeptPacketsStats(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]);
    }

    /**
     * Writes every frame of the connection of {@code record} (any of its L4 records) on the record's capture point.
     *
     * @return the frames written
     */
    public long writeConnection(L4Log record, Path file, ExportFormat format)
            throws IOException, PacketsNotKeptException {
        return writeConnection(record.capturePointId(), record.innerTraceId(), file, format);
    }

    /** Writes every frame of connection {@code innerTraceId} on capture point {@code capturePointId}. */
    public long writeConnection(int capturePointId, String innerTraceId, Path file, ExportFormat format)
            throws IOException, PacketsNotKeptException {
        Objects.requireNonNull(innerTraceId, "innerTraceId");
        return write(frames(List.of(new Want(capturePointId, innerTraceId, Long.MIN_VALUE, Long.MAX_VALUE,
                "connection " + innerTraceId))), file, format);
    }

    /**
     * Writes the connections of {@code records} (each distinct capture point and {@code inner_traceid} once: e.g.
     * the records of one {@code nic_traceid}, the same connection on every NIC it crossed) into one file, frames in
     * timestamp order; in pcapng each capture point is an interface of its own.
     */
    public long writeConnections(Collection<L4Log> records, Path file, ExportFormat format)
            throws IOException, PacketsNotKeptException {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("no records to export");
        }
        Set<Want> wants = new LinkedHashSet<>();
        for (L4Log r : records) {
            wants.add(new Want(r.capturePointId(), r.innerTraceId(), Long.MIN_VALUE, Long.MAX_VALUE,
                    "connection " + r.innerTraceId()));
        }
        return write(frames(List.copyOf(wants)), file, format);
    }

    /** Writes the frames of one exchange on its capture point: first request byte to last response byte. */
    public long writeExchange(L7Log exchange, Path file, ExportFormat format)
            throws IOException, PacketsNotKeptException {
        return write(frames(List.of(want(exchange))), file, format);
    }

    /**
     * Writes one exchange on every capture point of its path (each hop's frames as {@link #writeExchange} selects
     * them), frames in timestamp order; in pcapng one interface per capture point, named after its NIC. Wireshark
     * 4.0 keeps no conversation apart by interface: the same segment on the next NIC looks like a retransmission to
     * it (and its HTTP dissector skips it), so read such a file per interface ({@code frame.interface_name}) or with
     * {@code -o tcp.analyze_sequence_numbers:FALSE}.
     */
    public long writePath(ExchangePath path, Path file, ExportFormat format)
            throws IOException, PacketsNotKeptException {
        List<Want> wants = new ArrayList<>();
        for (Hop h : path.hops()) {
            wants.add(want(h.log()));
        }
        return write(frames(wants), file, format);
    }

    private static Want want(L7Log x) {
        return new Want(x.capturePointId(), x.innerTraceId(), x.timestampNanos(), PcapExport.exchangeEndNanos(x),
                "exchange " + x.l7TraceId() + " (connection " + x.innerTraceId() + ")");
    }

    /** One connection's frames in a time range, and how to name it in an error. */
    private record Want(int capturePointId, String traceId, long fromNanos, long toNanos, String what) {
    }

    private List<PacketRing.Frame> frames(List<Want> wants) throws PacketsNotKeptException {
        if (!enabled()) {
            throw new PacketsNotKeptException(PacketsNotKeptException.Reason.NOT_KEPT, "packets were not kept: "
                    + "build the NetSieve with keepPackets(...) (netsieve analyze/capture: --export-pcap) to export "
                    + wants.get(0).what());
        }
        List<PacketRing.Frame> all = new ArrayList<>();
        for (Want w : wants) {
            PacketRing.Lookup found = null;
            for (PacketRing r : rings) {
                found = r.lookup(w.capturePointId, w.traceId, w.fromNanos, w.toNanos);
                if (found != null) {
                    break;
                }
            }
            String where = w.what + " on " + label(w.capturePointId);
            if (found == null) {
                throw new PacketsNotKeptException(PacketsNotKeptException.Reason.UNKNOWN, "no packets kept for "
                        + where + ": not seen by this run (filtered, not TCP/UDP), or evicted longer ago than the last "
                        + Math.max(retention.maxConnections(), PacketRing.REMEMBERED_EVICTIONS)
                        + " evictions remembered");
            }
            if (found.state() != PacketRing.LIVE) {
                String bound = found.state() == PacketRing.EVICTED_BYTES
                        ? "the store was full (totalBytes " + retention.totalBytes() + ")"
                        : "more connections started (maxConnections " + retention.maxConnections() + ")";
                throw new PacketsNotKeptException(PacketsNotKeptException.Reason.EVICTED, "the packets of " + where
                        + " were evicted: " + bound + "; " + found.framesKept() + " frames had been kept");
            }
            if (found.framesCut() > 0 && found.firstCutNanos() <= w.toNanos) {
                throw new PacketsNotKeptException(PacketsNotKeptException.Reason.CUT, "not every packet of " + where
                        + " was kept: " + found.framesCut() + " frames past bytesPerConnection ("
                        + retention.bytesPerConnection() + ") were cut, from " + found.firstCutNanos()
                        + " ns on; " + found.framesKept() + " frames kept before");
            }
            all.addAll(found.frames());
        }
        all.sort(Comparator.comparingLong(PacketRing.Frame::timestampNanos)); // stable: per hop order kept on ties
        return all;
    }

    private String label(int capturePointId) {
        Nic nic = nics.apply(capturePointId);
        return nic == null ? "capture point " + capturePointId : nic.label();
    }

    private long write(List<PacketRing.Frame> frames, Path file, ExportFormat format) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        PacketView view = new PacketView();
        if (format == ExportFormat.PCAP) {
            int linkType = frames.isEmpty() ? LinkType.ETHERNET : frames.get(0).linkType();
            for (PacketRing.Frame f : frames) {
                if (f.linkType() != linkType) {
                    throw new IllegalArgumentException("pcap holds one link type, these frames have "
                            + LinkType.name(linkType) + " and " + LinkType.name(f.linkType()) + ": export as pcapng");
                }
            }
            try (PcapWriter w = PcapWriter.create(file, linkType, SNAP, true)) {
                for (PacketRing.Frame f : frames) {
                    w.write(wrap(view, f));
                }
                return w.packetsWritten();
            }
        }
        // one interface per capture point and link type, in the order they first appear, declared up front
        Map<Long, Integer> interfaces = new LinkedHashMap<>();
        for (PacketRing.Frame f : frames) {
            interfaces.putIfAbsent(interfaceKey(f), interfaces.size());
        }
        try (PcapNgWriter w = PcapNgWriter.create(file)) {
            for (long k : interfaces.keySet()) {
                w.addInterface(label((int) (k >>> 32)), (int) k, SNAP);
            }
            for (PacketRing.Frame f : frames) {
                w.write(interfaces.get(interfaceKey(f)), wrap(view, f));
            }
            return w.packetsWritten();
        }
    }

    private static long interfaceKey(PacketRing.Frame f) {
        return ((long) f.capturePointId() << 32) | (f.linkType() & 0xFFFFFFFFL);
    }

    private static PacketView wrap(PacketView view, PacketRing.Frame f) {
        return view.wrap(f.data(), 0, f.data().length, f.wireLength(), f.timestampNanos(), f.linkType(),
                f.capturePointId()).direction(f.direction());
    }
}
