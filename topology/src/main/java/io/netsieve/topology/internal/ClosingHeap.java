package io.netsieve.topology.internal;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * The correlator's open groups by closing time: a 4-ary min-heap of {@code (closeAt, id, item)} entries ordered by
 * {@code (closeAt, id)}. Instead of a {@code PriorityQueue} of one immutable entry object per schedule: no object per
 * entry, and a level of the heap reads one cache line of keys (the four children's {@code closeAt} and {@code id}
 * side by side) instead of an object per comparison; four children per node make half the levels of a binary heap.
 * Like the queue it replaces, it does not look at the items: an entry whose group closes later since, or was merged
 * or emitted, is the caller's to skip when it comes out. Equal keys come out in no particular order among themselves.
 *
 * @param <E> the items
 */
public final class ClosingHeap<E> {
    /** Entry {@code i}'s closing time at {@code 2i}, its id at {@code 2i + 1}. */
    private long[] keys = new long[32];
    private Object[] items = new Object[16];
    private int size;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The first entry's closing time; the heap must not be empty. */
    public long peekCloseAt() {
        if (size == 0) {
            throw new NoSuchElementException();
        }
        return keys[0];
    }

    /** Adds {@code item} with closing time {@code at} and tie-breaking id {@code id}. */
    public void add(E item, long at, long id) {
        if (size == items.length) {
            keys = Arrays.copyOf(keys, 4 * size);
            items = Arrays.copyOf(items, 2 * size);
        }
        int i = size++;
        // up: move parents down while the new entry is less
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long pAt = keys[2 * parent];
            if (at > pAt || at == pAt && id >= keys[2 * parent + 1]) {
                break;
            }
            keys[2 * i] = pAt;
            keys[2 * i + 1] = keys[2 * parent + 1];
            items[i] = items[parent];
            i = parent;
        }
        keys[2 * i] = at;
        keys[2 * i + 1] = id;
        items[i] = item;
    }

    /** Removes and returns the item of the least {@code (closeAt, id)}; the heap must not be empty. */
    @SuppressWarnings("unchecked")
    public E poll() {
        if (size == 0) {
            throw new NoSuchElementException();
        }
        E first = (E) items[0];
        int last = --size;
        long at = keys[2 * last];
        long id = keys[2 * last + 1];
        Object item = items[last];
        items[last] = null;
        if (last == 0) {
            return first;
        }
        // down: move the least child up while it is less than the last entry, then put the last entry there
        int i = 0;
        while (true) {
            int child = 4 * i + 1;
            if (child >= last) {
                break;
            }
            int end = Math.min(child + 4, last);
            int least = child;
            long lAt = keys[2 * child];
            long lId = keys[2 * child + 1];
            for (int c = child + 1; c < end; c++) {
                long cAt = keys[2 * c];
                if (cAt < lAt || cAt == lAt && keys[2 * c + 1] < lId) {
                    least = c;
                    lAt = cAt;
                    lId = keys[2 * c + 1];
                }
            }
            if (at < lAt || at == lAt && id <= lId) {
                break;
            }
            keys[2 * i] = lAt;
            keys[2 * i + 1] = lId;
            items[i] = items[least];
            i = least;
        }
        keys[2 * i] = at;
        keys[2 * i + 1] = id;
        items[i] = item;
        return first;
    }
}
