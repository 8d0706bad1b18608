package io.netsieve.l4.internal;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.MalformedReason;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.CorpusCaptures;
import io.netsieve.l4.L4Config;
import io.netsieve.l4.flow.FlowKey;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection table evicts the least recently seen flow, whether it keeps its eviction list (half full and
 * more) or only stamps each flow with its last packet (the list is built from the stamps when the table fills up,
 * and dropped when it empties). Checked against a model that knows nothing of either: the flows ordered by the
 * number of their last packet. Every TCP/UDP packet of every corpus and demo capture goes into small tables, with
 * and without short timeouts (so that flows expire, the table empties below a quarter and the list is dropped and
 * built again); before every packet the table's order must be the model's, and a packet of a new flow into a full
 * table must evict the model's oldest flow.
 */
class ConnectionTableEvictionOrderTest {

    @Test
    void evictsTheLeastRecentlySeenFlowWithAndWithoutTheList() throws IOException {
        long builds = 0;
        long drops = 0;
        long evictions = 0;
        long checkedWithoutList = 0;
        for (int maxFlows : new int[] {4, 5, 8, 16, 64}) {
            for (boolean expire : new boolean[] {false, true}) {
                L4Config.Builder b = L4Config.builder().maxFlows(maxFlows);
                if (expire) {
                    b.tcpIdleTimeout(Duration.ofSeconds(2)).udpIdleTimeout(Duration.ofSeconds(1))
                            .timeWaitTimeout(Duration.ofSeconds(1)).chunkIdle(Duration.ofMillis(500));
                }
                L4Config config = b.build();
                for (Path file : CorpusCaptures.allWithDemo()) {
                    long[] r = run(config, file);
                    builds += r[0];
                    drops += r[1];
                    evictions += r[2];
                    checkedWithoutList += r[3];
                }
            }
        }
        System.out.printf("eviction order: %d evictions, %d list builds, %d drops, %d packets checked without the list%n",
                evictions, builds, drops, checkedWithoutList);
        // the paths this test is about were all taken
        assertTrue(evictions > 200, "evictions " + evictions);
        assertTrue(builds > 50, "list builds " + builds);
        assertTrue(drops > 10, "list drops " + drops);
        assertTrue(checkedWithoutList > 10_000, "packets checked without the list " + checkedWithoutList);
    }

    /** Returns list builds, list drops, evictions, packets checked while the table kept no list. */
    private static long[] run(L4Config config, Path file) throws IOException {
        ConnectionTable table = new ConnectionTable(config, id -> null, log -> { });
        // the model: every flow in the table, least recently seen first
        LinkedHashMap<FlowKey, Boolean> model = new LinkedHashMap<>(16, 0.75f, true);
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        FlowKey key = new FlowKey();
        long drops = 0;
        long withoutList = 0;
        boolean kept = false;
        try (CaptureFileReader reader = CaptureFiles.open(file, 0)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                decoder.decode(view, d);
                boolean headersOk = d.outcome() == DecodeOutcome.DECODED
                        || (d.outcome() == DecodeOutcome.MALFORMED
                            && d.malformedReason() == MalformedReason.TCP_BAD_OPTION);
                if (!headersOk || (d.transport() != Layer.TCP && d.transport() != Layer.UDP)
                        || FragmentReassembler.isFragment(d) || !key.set(d)) {
                    continue;
                }
                long now = d.packet().timestampNanos();
                table.advance(now);
                List<FlowKey> order = keys(table);
                // flows that timed out left the table: the model follows (the order of the others is checked)
                model.keySet().retainAll(new LinkedHashSet<>(order));
                assertEquals(new ArrayList<>(model.keySet()), order, file.getFileName() + " " + config);
                if (!table.lruKept()) {
                    withoutList++;
                }
                if (kept && !table.lruKept()) {
                    drops++;
                }
                FlowKey k = copy(key);
                long evictedBefore = table.evicted();
                FlowKey expectedVictim = null;
                if (!model.containsKey(k) && model.size() == config.maxFlows()) {
                    expectedVictim = model.keySet().iterator().next();
                }
                table.onPacket(d, now);
                if (expectedVictim != null) {
                    assertEquals(evictedBefore + 1, table.evicted(), file.getFileName() + ": no eviction");
                    Set<FlowKey> after = new LinkedHashSet<>(keys(table));
                    assertFalse(after.contains(expectedVictim),
                            file.getFileName() + ": evicted another flow than " + expectedVictim);
                    model.remove(expectedVictim);
                } else {
                    assertEquals(evictedBefore, table.evicted(), file.getFileName() + ": unexpected eviction");
                }
                model.remove(k);
                model.put(k, Boolean.TRUE);
                kept = table.lruKept();
            }
        } catch (CaptureFileException e) {
            // a damaged file ends where it breaks, as in the other corpus tests
        }
        return new long[] {table.lruBuilds(), drops, table.evicted(), withoutList};
    }

    private static List<FlowKey> keys(ConnectionTable table) {
        List<FlowKey> keys = new ArrayList<>();
        for (Flow f : table.evictionOrder()) {
            keys.add(table.keyOf(f));
        }
        return keys;
    }

    private static FlowKey copy(FlowKey k) {
        FlowKey c = new FlowKey();
        c.copyFrom(k);
        return c;
    }
}
