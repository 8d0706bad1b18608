package io.netsieve.topology.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heap against a sorted-set model of {@code (closeAt, id)} under random adds, updates (later and earlier times,
 * many equal times: the id breaks the ties), removes from anywhere and polls: every poll gives the model's first
 * element, the size agrees at every step, and draining gives the model's order.
 */
class ClosingHeapTest {
    private static final class Item extends ClosingHeap.Element {
        final long id;
        long at;

        Item(long id, long at) {
            this.id = id;
            this.at = at;
        }

        @Override
        public String toString() {
            return "(" + at + ", " + id + ")";
        }
    }

    private static final Comparator<Item> ORDER = Comparator.<Item>comparingLong(i -> i.at).thenComparingLong(i -> i.id);

    @Test
    void agreesWithASortedSetUnderRandomOperations() {
        for (long seed = 1; seed <= 30; seed++) {
            Random r = new Random(seed);
            ClosingHeap<Item> heap = new ClosingHeap<>();
            TreeSet<Item> model = new TreeSet<>(ORDER);
            List<Item> in = new ArrayList<>();
            long nextId = 0;
            int times = 1 + r.nextInt(1000); // few distinct times: many ties
            for (int step = 0; step < 20_000; step++) {
                int op = r.nextInt(10);
                if (op < 4 || in.isEmpty()) {
                    Item it = new Item(nextId++, r.nextInt(times));
                    heap.add(it, it.at, it.id);
                    model.add(it);
                    in.add(it);
                } else if (op < 7) {
                    Item it = in.get(r.nextInt(in.size()));
                    model.remove(it);
                    it.at = r.nextInt(4) == 0 ? it.at - r.nextInt(50) : it.at + r.nextInt(50);
                    heap.update(it, it.at);
                    model.add(it);
                } else if (op < 8) {
                    Item it = in.remove(r.nextInt(in.size()));
                    heap.remove(it);
                    model.remove(it);
                    assertFalse(it.inHeap());
                } else {
                    Item first = heap.poll();
                    assertSame(model.pollFirst(), first, "poll at step " + step + " seed " + seed);
                    assertEquals(first.at, first.at);
                    in.remove(first);
                    assertFalse(first.inHeap());
                }
                assertEquals(model.size(), heap.size());
                if (!model.isEmpty()) {
                    assertEquals(model.first().at, heap.peekCloseAt());
                }
            }
            while (!model.isEmpty()) {
                assertSame(model.pollFirst(), heap.poll());
            }
            assertTrue(heap.isEmpty());
        }
    }

    @Test
    void refusesElementsItDoesNotHold() {
        ClosingHeap<Item> heap = new ClosingHeap<>();
        ClosingHeap<Item> other = new ClosingHeap<>();
        Item a = new Item(1, 10);
        Item b = new Item(2, 10);
        heap.add(a, 10, 1);
        other.add(b, 10, 2);
        assertThrows(IllegalStateException.class, () -> heap.add(a, 5, 1));
        assertThrows(IllegalStateException.class, () -> heap.remove(b));
        assertThrows(IllegalStateException.class, () -> heap.update(b, 3));
        assertSame(a, heap.poll());
        assertThrows(java.util.NoSuchElementException.class, heap::poll);
        assertThrows(java.util.NoSuchElementException.class, heap::peekCloseAt);
    }
}
