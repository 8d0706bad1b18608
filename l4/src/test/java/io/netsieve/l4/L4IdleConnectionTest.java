package io.netsieve.l4;

import io.netsieve.l4.internal.ConnectionTable;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection idle after its chunk was written is kept compact (an {@code IdleConnection}) and rebuilt when its next
 * packet, an ICMP error, eviction or flush needs it; this must not change any record. A tracker whose stream and
 * datagram handler factories accept every flow with handlers that do nothing keeps every connection whole (a
 * handler's state cannot be compacted; the handlers give no hints, so the records are the L4 tracker's own); its
 * records are compared field by field and row by row (trace ids by order of first appearance, as in
 * {@link L4OpeningFlowTest}) with those of a plain tracker, on every corpus and demo capture, under configurations
 * where connections are compacted between their packets: short chunk idle timeouts (down to 1 ms, so every sweep
 * compacts every connection whose last packet is 1 ms old), small chunks, a short TCP idle timeout (idle
 * connections expire in their compact form), eviction from a tiny table, lent series. The plain trackers must
 * actually have compacted connections and rebuilt them on a later packet (counted, asserted).
 */
class L4IdleConnectionTest {
    private static final Map<String, L4Config> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("defaults", L4Config.defaults());
        CONFIGS.put("chunk idle 1 ms", L4Config.builder().chunkIdle(Duration.ofMillis(1)).build());
        CONFIGS.put("chunk idle 1 ms, chunkMaxPackets 2", L4Config.builder().chunkIdle(Duration.ofMillis(1))
                .chunkMaxPackets(2).build());
        CONFIGS.put("chunk idle 1 ms, chunkMaxPackets 3", L4Config.builder().chunkIdle(Duration.ofMillis(1))
                .chunkMaxPackets(3).build());
        CONFIGS.put("idle timeouts", L4Config.builder().chunkIdle(Duration.ofMillis(200))
                .tcpIdleTimeout(Duration.ofSeconds(3)).udpIdleTimeout(Duration.ofSeconds(2)).build());
        CONFIGS.put("chunk idle 1 ms, maxFlows 3", L4Config.builder().chunkIdle(Duration.ofMillis(1)).maxFlows(3)
                .build());
        CONFIGS.put("lent, chunk idle 1 ms", L4Config.builder().lendPacketSeries(true)
                .chunkIdle(Duration.ofMillis(1)).build());
    }

    @Test
    void recordsAreThoseOfConnectionsNeverCompacted() throws Exception {
        int records = 0;
        long compacted = 0;
        long restored = 0;
        for (Path file : CorpusCaptures.allWithDemo()) {
            for (Map.Entry<String, L4Config> c : CONFIGS.entrySet()) {
                TextRecorder whole = new TextRecorder();
                Replay.replay(L4Tracker.builder().config(c.getValue()).listener(whole)
                        .streams(info -> (direction, data, offset, length, seq, ts) -> { })
                        .datagrams(info -> (direction, data, offset, length, wire, ts) -> { })
                        .build(), file, 0, true);
                TextRecorder compact = new TextRecorder();
                L4Tracker t = L4Tracker.builder().config(c.getValue()).listener(compact).build();
                Replay.replay(t, file, 0, true);
                assertEquals(whole.records, compact.records, file.getFileName() + ", " + c.getKey());
                assertEquals(0, table(t).size(), "flushed");
                records += whole.records.size();
                compacted += table(t).compacted();
                restored += table(t).restored();
            }
        }
        assertTrue(records > 5_000, "records compared: " + records);
        System.out.println("[idle connections] " + records + " records, " + compacted + " compacted, " + restored
                + " rebuilt");
        assertTrue(compacted > 1_000 && restored > 500, compacted + " compacted, " + restored + " rebuilt");
    }

    /** The tracker's connection table (its counters of compacted and rebuilt connections are not public stats). */
    static ConnectionTable table(L4Tracker t) throws ReflectiveOperationException {
        var f = L4Tracker.class.getDeclaredField("table");
        f.setAccessible(true);
        return (ConnectionTable) f.get(t);
    }
}
