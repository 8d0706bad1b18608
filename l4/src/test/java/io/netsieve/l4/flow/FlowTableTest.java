package io.netsieve.l4.flow;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTableTest {

    private static FlowKey key(int cp, int vlans, int vni, long src, int sport, long dst, int dport) {
        FlowKey k = new FlowKey();
        k.set(cp, vlans, vni, 4, 6, 0, 0xFFFF_0000_0000L | src, sport, 0, 0xFFFF_0000_0000L | dst, dport);
        return k;
    }

    /**
     * nextSlot visits exactly the occupied slots, in slot order (what a scan with valueAt finds), through puts,
     * removals by key and entry, and a sweep that removes as it goes (re-reading the slot a backward shift filled).
     */
    @Test
    void nextSlotFindsTheOccupiedSlotsInOrder() {
        SplittableRandom random = new SplittableRandom(5);
        for (int maxFlows : new int[] {1, 3, 64, 1000}) {
            FlowTable<String> table = new FlowTable<>(maxFlows);
            Map<FlowKey, String> model = new HashMap<>();
            for (int step = 0; step < 20_000; step++) {
                FlowKey k = key(0, -1, -1, random.nextInt(2 * maxFlows + 2), 1, 2, 3);
                if (table.get(k) == null) {
                    if (table.size() < table.maxFlows()) {
                        assertTrue(table.put(k, "v" + step));
                        model.put(k, "v" + step);
                    }
                } else {
                    table.remove(k);
                    model.remove(k);
                }
                if (step % 97 == 0) {
                    List<Integer> scanned = new ArrayList<>();
                    for (int s = 0; s < table.slots(); s++) {
                        if (table.valueAt(s) != null) {
                            scanned.add(s);
                        }
                    }
                    List<Integer> visited = new ArrayList<>();
                    for (int s = table.nextSlot(0); s >= 0; s = table.nextSlot(s + 1)) {
                        visited.add(s);
                    }
                    assertEquals(scanned, visited, "maxFlows " + maxFlows + ", step " + step);
                }
                if (step % 1_009 == 0) {
                    // a sweep removing every other flow it meets, as ConnectionTable's does
                    int n = 0;
                    for (int s = table.nextSlot(0); s >= 0; s = table.nextSlot(s + 1)) {
                        if (n++ % 2 == 0) {
                            String v = table.valueAt(s);
                            model.values().remove(v);
                            table.removeAt(s);
                            s--;
                        }
                    }
                    assertEquals(model.size(), table.size());
                    for (Map.Entry<FlowKey, String> e : model.entrySet()) {
                        assertEquals(e.getValue(), table.get(e.getKey()));
                    }
                }
            }
            table.clear();
            assertEquals(-1, table.nextSlot(0));
        }
    }

    @Test
    void bothDirectionsShareOneKey() {
        FlowKey ab = key(1, -1, -1, 0xC6120001L, 40000, 0xC6120002L, 80);
        FlowKey ba = key(1, -1, -1, 0xC6120002L, 80, 0xC6120001L, 40000);
        assertEquals(ab, ba);
        assertEquals(ab.hash(), ba.hash());
        assertTrue(ab.packetFromA());
        assertFalse(ba.packetFromA());
    }

    @Test
    void segmentKeepsEqualTuplesApart() {
        FlowTable<String> table = new FlowTable<>(16);
        assertTrue(table.put(key(1, -1, -1, 1, 2, 3, 4), "nic1"));
        assertTrue(table.put(key(2, -1, -1, 1, 2, 3, 4), "nic2"));
        assertTrue(table.put(key(1, (100 << 16) | FlowKey.NO_VLAN, -1, 1, 2, 3, 4), "vlan100"));
        assertTrue(table.put(key(1, -1, 42, 1, 2, 3, 4), "vni42"));
        assertEquals(4, table.size());
        assertEquals("nic2", table.get(key(2, -1, -1, 3, 4, 1, 2)));
        assertEquals("vni42", table.get(key(1, -1, 42, 1, 2, 3, 4)));
    }

    @Test
    void boundedAndRefusesWhenFull() {
        FlowTable<Integer> table = new FlowTable<>(3);
        assertTrue(table.put(key(0, -1, -1, 0, 1, 100, 2), 0));
        assertThrows(IllegalStateException.class, () -> table.put(key(0, -1, -1, 100, 2, 0, 1), 0));
        for (int i = 1; i < 3; i++) {
            assertTrue(table.put(key(0, -1, -1, i, 1, 100, 2), i));
        }
        assertFalse(table.put(key(0, -1, -1, 9, 1, 100, 2), 9));
        assertEquals(3, table.size());
        assertThrows(IllegalArgumentException.class, () -> new FlowTable<>(0));
    }

    /** A value that records the entry index the table gives it. */
    private static final class Flow implements FlowTable.Indexed {
        final FlowKey key;
        int index = -1;

        Flow(FlowKey key) {
            this.key = key;
        }

        @Override
        public void tableIndex(int index) {
            this.index = index;
        }
    }

    /**
     * Entries never move (deletion shifts slots only): under churn every flow's key reads back from its entry, a
     * replaced value takes the entry over, removal by entry removes that flow only, and entries are reused.
     */
    @Test
    void entriesKeepTheirKeyUnderChurn() {
        SplittableRandom random = new SplittableRandom(11);
        FlowTable<Flow> table = new FlowTable<>(64);
        List<Flow> present = new ArrayList<>();
        FlowKey scratch = new FlowKey();
        for (int step = 0; step < 50_000; step++) {
            FlowKey k = key(random.nextInt(2), (random.nextInt(3) << 16) | FlowKey.NO_VLAN, random.nextInt(2) - 1,
                    random.nextInt(30), random.nextInt(10), 7, 80);
            Flow f = table.get(k);
            if (f == null) {
                if (table.size() == table.maxFlows()) {
                    Flow victim = present.remove(random.nextInt(present.size()));
                    assertEquals(victim, table.removeEntry(victim.index));
                    assertNull(table.get(victim.key));
                }
                Flow added = new Flow(k);
                assertTrue(table.put(k, added));
                assertTrue(added.index >= 0 && added.index < table.maxFlows(), "index " + added.index);
                present.add(added);
            } else if (random.nextInt(4) == 0) {
                Flow replacement = new Flow(f.key);
                table.replace(f.index, replacement);
                assertEquals(f.index, replacement.index);
                assertEquals(replacement, table.get(k));
                present.set(present.indexOf(f), replacement);
            } else if (random.nextInt(3) == 0) {
                assertEquals(f, table.remove(k));
                present.remove(f);
            }
            if (step % 1_000 == 0) {
                assertEquals(present.size(), table.size());
                for (Flow p : present) {
                    assertEquals(p.key, table.keyOf(p.index, scratch));
                    assertEquals(p.key.vni(), scratch.vni());
                    assertEquals(p.key.outerVlan(), scratch.outerVlan());
                    assertEquals(p, table.get(p.key));
                }
            }
        }
        assertThrows(IllegalStateException.class, () -> {
            table.clear();
            table.keyOf(0, new FlowKey());
        });
    }

    @Test
    void behavesLikeAHashMapUnderRandomChurn() {
        // Few distinct addresses so probe runs collide and wrap; removal must keep every remaining key findable.
        SplittableRandom random = new SplittableRandom(7);
        FlowTable<Long> table = new FlowTable<>(512);
        Map<FlowKey, Long> reference = new HashMap<>();
        // Long values: compared with equals (boxing makes distinct objects).
        List<FlowKey> present = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            FlowKey k = key(random.nextInt(3), -1, -1, random.nextInt(40), random.nextInt(20), 7, 80);
            Long expected = reference.get(k);
            Long actual = table.get(k);
            assertEquals(expected, actual);
            if (expected == null) {
                if (table.put(k, (long) step)) {
                    reference.put(k, (long) step);
                    present.add(k);
                } else {
                    assertEquals(512, reference.size());
                }
            } else if (random.nextInt(3) == 0) {
                assertEquals(expected, table.remove(k));
                reference.remove(k);
                present.remove(k);
            }
            if (step % 10_000 == 0) {
                assertEquals(reference.size(), table.size());
                for (FlowKey p : present) {
                    assertEquals(reference.get(p), table.get(p), () -> "lost " + p);
                }
            }
        }
        assertNull(table.remove(key(9, -1, -1, 99, 99, 99, 99)));
    }
}
