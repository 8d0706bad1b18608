package io.netsieve.topology.internal;

import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heap against a sorted-set model of {@code (closeAt, id)} under random adds and polls, through growth and back
 * to empty several times: few distinct times (the ids break the ties), times mostly rising (as the correlator adds
 * them) or at random, negative and extreme ones; every poll gives the model's first entry, the size and the first
 * closing time agree at every step, and draining gives the model's order.
 */
class ClosingHeapTest {
    private record Entry(long at, long id) {
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingLong(Entry::at).thenComparingLong(Entry::id);

    @Test
    void agreesWithASortedSetUnderRandomOperations() {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed);
            ClosingHeap<Entry> heap = new ClosingHeap<>();
            TreeSet<Entry> model = new TreeSet<>(ORDER);
            int times = 1 + r.nextInt(2000);
            boolean rising = r.nextBoolean();
            long nextId = 0;
            long clock = 0;
            for (int step = 0; step < 30_000; step++) {
                // phases: fill, then drain, so the heap grows and empties again
                boolean filling = (step / 5_000) % 2 == 0;
                if (model.isEmpty() || r.nextInt(10) < (filling ? 7 : 3)) {
                    long at;
                    if (rising) {
                        clock += r.nextInt(3);
                        at = clock - r.nextInt(5);
                    } else {
                        at = r.nextInt(10) == 0 ? (r.nextBoolean() ? Long.MAX_VALUE - r.nextInt(3)
                                : Long.MIN_VALUE + r.nextInt(3)) : r.nextInt(times) - times / 2;
                    }
                    // ids as the correlator's: unique per group, an older group may be added again later
                    long id = r.nextInt(4) == 0 && nextId > 0 ? r.nextLong(nextId) : nextId++;
                    Entry e = new Entry(at, id);
                    if (model.add(e)) {
                        heap.add(e, at, id);
                    }
                } else {
                    assertEquals(model.first().at(), heap.peekCloseAt());
                    assertSame(model.pollFirst(), heap.poll(), "poll at step " + step + " seed " + seed);
                }
                assertEquals(model.size(), heap.size());
            }
            while (!model.isEmpty()) {
                assertSame(model.pollFirst(), heap.poll());
            }
            assertTrue(heap.isEmpty());
        }
    }

    @Test
    void emptyHeapRefusesToGiveAnEntry() {
        ClosingHeap<String> heap = new ClosingHeap<>();
        assertThrows(NoSuchElementException.class, heap::poll);
        assertThrows(NoSuchElementException.class, heap::peekCloseAt);
        heap.add("a", 5, 1);
        heap.add("b", 5, 0);
        heap.add("c", 4, 9);
        assertEquals("c", heap.poll());
        assertEquals("b", heap.poll());
        assertEquals("a", heap.poll());
        assertThrows(NoSuchElementException.class, heap::poll);
    }
}
