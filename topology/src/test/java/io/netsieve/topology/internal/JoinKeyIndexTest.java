package io.netsieve.topology.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The open-addressing index against a {@code HashMap} model under random puts, replacements, removes and lookups of
 * present and absent keys, through growth to thousands of keys and shrinking back: every answer and the size agree
 * after every step, and at the end every key of the model is found and no other. Keys are drawn from small ranges,
 * so many share a hash slot's neighbourhood (long probe runs, removes in their middle: the backward shift) and many
 * differ in one part only (equal longs, other string; equal string, other longs).
 */
class JoinKeyIndexTest {
    private record Key(long a, long b, String s) {
    }

    private static Key randomKey(Random r, int range) {
        int n = r.nextInt(range);
        return switch (n % 3) {
            case 0 -> new Key(n / 3, n / 7, "http GET /" + (n % 5)); // the correlator's seq keys
            case 1 -> new Key(-1, -1, "xrid|" + n / 3);               // its string keys
            default -> new Key(n / 11, n / 3, new String("http GET /" + (n % 5))); // equal text, other object
        };
    }

    @Test
    void agreesWithAHashMapUnderRandomOperations() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            JoinKeyIndex index = new JoinKeyIndex();
            Map<Key, Object> model = new HashMap<>();
            int range = 50 + r.nextInt(20_000);
            int steps = 60_000;
            int maxCapacity = 0;
            for (int step = 0; step < steps; step++) {
                Key k = randomKey(r, range);
                // grow for the first half (more puts), shrink in the second (more removes)
                int op = r.nextInt(10);
                boolean growing = step < steps / 2;
                if (op < (growing ? 6 : 2)) {
                    Object v = "v" + step;
                    index.put(k.a(), k.b(), k.s(), v);
                    model.put(k, v);
                } else if (op < 7) {
                    assertEquals(model.remove(k), index.remove(k.a(), k.b(), k.s()), "remove " + k + " seed " + seed);
                } else if (op < 8) {
                    // the slot API: one lookup, then read, replace or remove what it found
                    int slot = index.find(k.a(), k.b(), k.s());
                    assertEquals(model.containsKey(k), slot >= 0, "find " + k + " seed " + seed);
                    if (slot >= 0) {
                        assertEquals(model.get(k), index.valueAt(slot));
                        if (r.nextBoolean()) {
                            index.removeAt(slot);
                            model.remove(k);
                        } else {
                            index.setValueAt(slot, "w" + step);
                            model.put(k, "w" + step);
                        }
                    }
                } else {
                    assertEquals(model.get(k), index.get(k.a(), k.b(), k.s()), "get " + k + " seed " + seed);
                }
                assertEquals(model.size(), index.size(), "size at step " + step + " seed " + seed);
                maxCapacity = Math.max(maxCapacity, index.capacity());
                assertTrue(index.capacity() >= 2 * index.size(), "at most half full");
            }
            for (Map.Entry<Key, Object> e : model.entrySet()) {
                Key k = e.getKey();
                assertEquals(e.getValue(), index.get(k.a(), k.b(), new String(k.s())), "kept " + k);
            }
            for (int i = 0; i < range; i++) {
                Key k = randomKey(r, range);
                assertEquals(model.get(k), index.get(k.a(), k.b(), k.s()));
            }
            if (range > 5_000) {
                assertTrue(maxCapacity >= 4096, "grew: " + maxCapacity);
            }
        }
    }

    @Test
    void shrinksWhenEmptiedAndStillWorks() {
        JoinKeyIndex index = new JoinKeyIndex();
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Key k = new Key(i, 2L * i, "fp" + (i % 7));
            keys.add(k);
            index.put(k.a(), k.b(), k.s(), i);
        }
        int grown = index.capacity();
        assertTrue(grown >= 20_000, "grown: " + grown);
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            assertEquals(i, index.remove(k.a(), k.b(), k.s()));
            assertNull(index.remove(k.a(), k.b(), k.s()));
        }
        assertEquals(0, index.size());
        assertTrue(index.capacity() <= 32, "shrunk: " + index.capacity());
        index.put(1, 2, "x", "y");
        assertEquals("y", index.get(1, 2, "x"));
        assertNull(index.get(2, 1, "x"));
        assertNull(index.get(1, 2, "y"));
        index.clear();
        assertNull(index.get(1, 2, "x"));
        assertEquals(0, index.size());
    }

    @Test
    void rejectsNulls() {
        JoinKeyIndex index = new JoinKeyIndex();
        assertThrows(NullPointerException.class, () -> index.put(1, 2, null, "v"));
        assertThrows(NullPointerException.class, () -> index.put(1, 2, "k", null));
        assertThrows(NullPointerException.class, () -> index.get(1, 2, null));
        index.put(1, 2, "k", "v");
        int slot = index.find(1, 2, "k");
        assertThrows(NullPointerException.class, () -> index.setValueAt(slot, null));
        index.removeAt(slot);
        assertThrows(IllegalStateException.class, () -> index.removeAt(slot));
    }
}
