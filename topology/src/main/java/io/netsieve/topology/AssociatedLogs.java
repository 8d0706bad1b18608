package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L4Join;
import io.netsieve.l7.L7Log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The associated logs of the record model (reference §1) over the records a pipeline produced: for any record, the
 * three dimensions — the same connection on the same capture point, the same request or connection on other
 * capture points, the transport layer (the connection's L4 records) — one call each; and the packet-level L4/L7
 * join: which exchange a packet carries, the packets of an exchange, the L7 label of the packet that starts a
 * message.
 *
 * <p>Connections are keyed by {@code inner_traceid} (random per connection per capture point), cross-NIC L4 records
 * by {@code nic_traceid} (handshake seqs; {@code 0_0} never joins) within {@link Builder#window}, exchanges by the
 * paths of an {@link ExchangeCorrelator}. At most {@link Builder#maxRecords} records are kept; the oldest go first
 * ({@link #evicted()}). Not thread-safe: fill it and query it on one thread, or guard it.
 */
public final class AssociatedLogs {
    private final int maxRecords;
    private final long windowNanos;

    private final Map<String, List<L4Log>> l4ByConnection = new HashMap<>();
    private final Map<String, List<L7Log>> l7ByConnection = new HashMap<>();
    private final Map<String, List<L4Log>> l4ByNicTraceId = new HashMap<>();
    private final Map<L7Log, ExchangePath> pathOf = new HashMap<>();
    private final Map<Object, Nic> nicOf = new HashMap<>();
    private final ArrayDeque<Object> order = new ArrayDeque<>();
    private long evicted;

    private AssociatedLogs(Builder b) {
        this.maxRecords = b.maxRecords > 0 ? b.maxRecords : 1_000_000;
        this.windowNanos = b.window != null ? b.window.toNanos() : 300_000_000_000L;
    }

    public static Builder builder() {
        return new Builder();
    }

    public void addL4(L4Log log, Nic nic) {
        remember(log, nic);
        l4ByConnection.computeIfAbsent(log.innerTraceId(), k -> new ArrayList<>()).add(log);
        if (!log.nicTraceId().equals("0_0")) {
            l4ByNicTraceId.computeIfAbsent(log.nicTraceId(), k -> new ArrayList<>()).add(log);
        }
    }

    public void addL7(L7Log log, Nic nic) {
        remember(log, nic);
        l7ByConnection.computeIfAbsent(log.innerTraceId(), k -> new ArrayList<>()).add(log);
    }

    /** Registers a correlated path: its hops' records become each other's cross-NIC logs. */
    public void addPath(ExchangePath path) {
        for (Hop h : path.hops()) {
            pathOf.put(h.log(), path);
        }
    }

    /** The capture point a record was added with, or null. */
    public Nic nicOf(Object record) {
        return nicOf.get(record);
    }

    // ---- the three dimensions, from an L7 record ------------------------------------------------------------

    /** Single connection: the connection's exchanges on this capture point (this one included), in time order. */
    public List<L7Log> sameConnection(L7Log exchange) {
        return List.copyOf(l7ByConnection.getOrDefault(exchange.innerTraceId(), List.of()));
    }

    /** Cross-NIC: the exchange's path over every capture point that saw it (empty before the path is added). */
    public Optional<ExchangePath> crossNic(L7Log exchange) {
        return Optional.ofNullable(pathOf.get(exchange));
    }

    /** Transport layer: the L4 records of the exchange's connection that hold its packets ({@code chunk_id} range). */
    public List<L4Log> transport(L7Log exchange) {
        List<L4Log> out = new ArrayList<>();
        for (L4Log c : l4ByConnection.getOrDefault(exchange.innerTraceId(), List.of())) {
            if (exchange.chunkIdMin() < 0 || (c.chunkId() >= exchange.chunkIdMin()
                    && c.chunkId() <= exchange.chunkIdMax())) {
                out.add(c);
            }
        }
        return out;
    }

    // ---- the three dimensions, from an L4 record ------------------------------------------------------------

    /** Single connection: every L4 record (chunk) of the connection on this capture point, this one included. */
    public List<L4Log> sameConnection(L4Log chunk) {
        return List.copyOf(l4ByConnection.getOrDefault(chunk.innerTraceId(), List.of()));
    }

    /**
     * Cross-NIC: the same connection's records on the other capture points ({@code nic_traceid} equal, within the
     * window of this record's time); empty when the handshake was not seen.
     */
    public List<L4Log> crossNic(L4Log chunk) {
        List<L4Log> out = new ArrayList<>();
        for (L4Log o : l4ByNicTraceId.getOrDefault(chunk.nicTraceId(), List.of())) {
            if (!o.innerTraceId().equals(chunk.innerTraceId())
                    && Math.abs(o.timeNanos() - chunk.timeNanos()) <= windowNanos) {
                out.add(o);
            }
        }
        return out;
    }

    /** Application layer of an L4 record: the exchanges of its connection with packets in this chunk. */
    public List<L7Log> exchanges(L4Log chunk) {
        List<L7Log> out = new ArrayList<>();
        for (L7Log x : l7ByConnection.getOrDefault(chunk.innerTraceId(), List.of())) {
            if (x.chunkIdMin() >= 0 && chunk.chunkId() >= x.chunkIdMin() && chunk.chunkId() <= x.chunkIdMax()) {
                out.add(x);
            }
        }
        return out;
    }

    // ---- packets ------------------------------------------------------------------------------------------------

    /**
     * The L7 label of each packet of {@code chunk} that carries the first byte of a request or response (reference
     * §3: {@code abs_seq <= msg_seq < abs_seq + payload}): row index to e.g. {@code GET /path}, {@code HTTP 200},
     * {@code redis SET}, {@code dns A example.org}.
     */
    public Map<Integer, String> messageLabels(L4Log chunk) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (L7Log x : exchanges(chunk)) {
            int req = L4Join.requestStart(x, chunk);
            if (req >= 0) {
                out.put(req, requestLabel(x));
            }
            int resp = L4Join.responseStart(x, chunk);
            if (resp >= 0) {
                out.put(resp, responseLabel(x));
            }
        }
        return out;
    }

    /** The exchange whose request or response bytes the packet carries, if one does. */
    public Optional<L7Log> exchangeOfPacket(L4Log chunk, int row) {
        PacketSeries s = chunk.packets();
        if (row < 0 || row >= s.size() || s.payloadSize(row) <= 0) {
            return Optional.empty();
        }
        boolean tx = s.isTx(row);
        long start = ((tx ? chunk.txSeqPos() : chunk.rxSeqPos()) + s.seq(row)) & 0xffffffffL;
        long end = start + s.payloadSize(row);
        for (L7Log x : exchanges(chunk)) {
            if (overlaps(x, tx, true, start, end) || overlaps(x, tx, false, start, end)) {
                return Optional.of(x);
            }
        }
        return Optional.empty();
    }

    /** The packets (of the records added) that carry the exchange's request or response bytes, in record order. */
    public List<PacketRef> packetsOf(L7Log exchange) {
        List<PacketRef> out = new ArrayList<>();
        for (L4Log c : transport(exchange)) {
            PacketSeries s = c.packets();
            for (int i = 0; i < s.size(); i++) {
                if (s.payloadSize(i) <= 0) {
                    continue;
                }
                boolean tx = s.isTx(i);
                long start = ((tx ? c.txSeqPos() : c.rxSeqPos()) + s.seq(i)) & 0xffffffffL;
                long end = start + s.payloadSize(i);
                if (overlaps(exchange, tx, true, start, end) || overlaps(exchange, tx, false, start, end)) {
                    out.add(new PacketRef(c, i));
                }
            }
        }
        return out;
    }

    /** Records dropped because {@code maxRecords} was reached. */
    public long evicted() {
        return evicted;
    }

    /** Does [start, end) (raw seqs sent by the src side when {@code tx}) overlap the request / response? */
    private static boolean overlaps(L7Log x, boolean tx, boolean request, long start, long end) {
        long seq = request ? x.reqSeq() : x.respSeq();
        long bytes = request ? x.reqBytes() : x.respBytes();
        if (seq < 0 || bytes <= 0) {
            return false;
        }
        boolean sentBySrc = x.txSeq() == seq;
        if (sentBySrc != tx) {
            return false;
        }
        // modulo 2^32: the packet starts before the message ends and ends after it starts
        long fromMessage = (start - seq) & 0xffffffffL;
        long fromPacket = (seq - start) & 0xffffffffL;
        return fromMessage < bytes || fromPacket < end - start;
    }

    private static String requestLabel(L7Log x) {
        HttpInfo h = x.http();
        if (h != null) {
            return h.method() + " " + h.path();
        }
        if (x.dns() != null) {
            return "dns " + x.dns().queryType() + " " + x.dns().queryName();
        }
        String command = x.attributes().get("redis_command");
        return command != null ? "redis " + command : x.l7Proto() + " request";
    }

    private static String responseLabel(L7Log x) {
        HttpInfo h = x.http();
        if (h != null) {
            return ("HTTP/2".equals(h.version()) ? "HTTP/2 " : "HTTP ") + h.statusCode();
        }
        if (x.dns() != null) {
            return "dns rcode " + x.dns().rcode();
        }
        String reply = x.attributes().get("redis_reply_type");
        return reply != null ? "redis " + reply : x.l7Proto() + " response";
    }

    private void remember(Object record, Nic nic) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(nic, "nic");
        nicOf.put(record, nic);
        order.addLast(record);
        while (order.size() > maxRecords) {
            forget(order.removeFirst());
            evicted++;
        }
    }

    private void forget(Object record) {
        nicOf.remove(record);
        if (record instanceof L4Log l4) {
            removeFrom(l4ByConnection, l4.innerTraceId(), l4);
            removeFrom(l4ByNicTraceId, l4.nicTraceId(), l4);
        } else if (record instanceof L7Log l7) {
            removeFrom(l7ByConnection, l7.innerTraceId(), l7);
            pathOf.remove(l7);
        }
    }

    private static <T> void removeFrom(Map<String, List<T>> map, String key, T value) {
        List<T> list = map.get(key);
        if (list != null) {
            list.remove(value);
            if (list.isEmpty()) {
                map.remove(key);
            }
        }
    }

    /** Builder; every setter may be called at most once. */
    public static final class Builder {
        private int maxRecords;
        private java.time.Duration window;

        private Builder() {
        }

        /** Records kept at most, L4 and L7 together (default 1 000 000); the oldest are dropped first. */
        public Builder maxRecords(int records) {
            if (maxRecords != 0) {
                throw new IllegalStateException("maxRecords was already set");
            }
            if (records < 1) {
                throw new IllegalArgumentException("maxRecords must be positive: " + records);
            }
            maxRecords = records;
            return this;
        }

        /** How far apart two capture points' records of one connection may be (default 5 min). */
        public Builder window(java.time.Duration window) {
            if (this.window != null) {
                throw new IllegalStateException("window was already set");
            }
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window must be positive: " + window);
            }
            this.window = window;
            return this;
        }

        public AssociatedLogs build() {
            return new AssociatedLogs(this);
        }
    }
}
