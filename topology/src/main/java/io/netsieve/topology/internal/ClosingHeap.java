package io.netsieve.topology.internal;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * The correlator's open groups by closing time: a binary min-heap ordered by {@code (closeAt, id)} (ids unique, so
 * the order is total) that knows where each element sits, so an element's time is changed or the element removed
 * in place. Instead of a {@code PriorityQueue} of one immutable entry per schedule, skipped when stale: no object per
 * offered record, no stale entries, and the comparisons read two {@code long} arrays, not an entry each.
 *
 * @param <E> the elements: each in at most one heap at a time
 */
public final class ClosingHeap<E extends ClosingHeap.Element> {
    /** What the heap orders: its position is kept in the element. */
    public abstract static class Element {
        int heapAt = -1;

        /** Whether the element is in a heap. */
        public final boolean inHeap() {
            return heapAt >= 0;
        }
    }

    private long[] closeAt = new long[16];
    private long[] ids = new long[16];
    private Element[] items = new Element[16];
    private int size;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The first element's closing time; the heap must not be empty. */
    public long peekCloseAt() {
        if (size == 0) {
            throw new NoSuchElementException();
        }
        return closeAt[0];
    }

    /** Adds {@code e} (not in a heap) with closing time {@code at} and tie-breaking id {@code id}. */
    public void add(E e, long at, long id) {
        if (e.heapAt >= 0) {
            throw new IllegalStateException("already in a heap");
        }
        if (size == items.length) {
            int n = size * 2;
            closeAt = Arrays.copyOf(closeAt, n);
            ids = Arrays.copyOf(ids, n);
            items = Arrays.copyOf(items, n);
        }
        int i = size++;
        set(i, at, id, e);
        up(i);
    }

    /** Gives {@code e} (in this heap) the closing time {@code at}. */
    public void update(E e, long at) {
        int i = e.heapAt;
        if (i < 0 || i >= size || items[i] != e) {
            throw new IllegalStateException("not in this heap");
        }
        long old = closeAt[i];
        closeAt[i] = at;
        if (at < old) {
            up(i);
        } else if (at > old) {
            down(i);
        }
    }

    /** Removes and returns the element of the least {@code (closeAt, id)}; the heap must not be empty. */
    @SuppressWarnings("unchecked")
    public E poll() {
        if (size == 0) {
            throw new NoSuchElementException();
        }
        E first = (E) items[0];
        removeAt(0);
        return first;
    }

    /** Removes {@code e} (in this heap). */
    public void remove(E e) {
        int i = e.heapAt;
        if (i < 0 || i >= size || items[i] != e) {
            throw new IllegalStateException("not in this heap");
        }
        removeAt(i);
    }

    private void removeAt(int i) {
        Element gone = items[i];
        int last = --size;
        if (i != last) {
            set(i, closeAt[last], ids[last], items[last]);
            items[last] = null;
            down(i);
            up(i);
        } else {
            items[last] = null;
        }
        gone.heapAt = -1;
    }

    private void set(int i, long at, long id, Element e) {
        closeAt[i] = at;
        ids[i] = id;
        items[i] = e;
        e.heapAt = i;
    }

    /** Whether {@code (atA, idA) < (atB, idB)}. */
    private static boolean less(long atA, long idA, long atB, long idB) {
        return atA < atB || atA == atB && idA < idB;
    }

    private void up(int i) {
        long at = closeAt[i];
        long id = ids[i];
        Element e = items[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(at, id, closeAt[parent], ids[parent])) {
                break;
            }
            set(i, closeAt[parent], ids[parent], items[parent]);
            i = parent;
        }
        set(i, at, id, e);
    }

    private void down(int i) {
        long at = closeAt[i];
        long id = ids[i];
        Element e = items[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(closeAt[right], ids[right], closeAt[child], ids[child])) {
                child = right;
            }
            if (!less(closeAt[child], ids[child], at, id)) {
                break;
            }
            set(i, closeAt[child], ids[child], items[child]);
            i = child;
        }
        set(i, at, id, e);
    }
}
