package io.netsieve.l4.flow;

import java.util.function.Consumer;

/**
 * A bounded open-addressing hash table from {@link FlowKey} to a flow object. Keys live in primitive columns
 * (no key objects, no boxing), linear probing, backward-shift deletion (no tombstones), load factor at most 1/2.
 * A lookup of a known flow allocates nothing.
 *
 * <p>Bound: {@link #maxFlows()} entries. {@link #put} refuses a new flow when the table is full; the caller decides
 * what to evict (the flow tracker evicts the least recently seen flow and counts it).
 *
 * <p>The table's columns are the only copy of a flow's key: a flow object that implements {@link Slotted} is told
 * its slot whenever it is placed or moved, and reads its key back with {@link #keyAt}.
 *
 * <p>Not thread-safe: one table per pipeline thread.
 *
 * @param <V> the flow state
 */
public final class FlowTable<V> {
    private final int maxFlows;
    private final int mask;
    private final int[] hashes; // 0 = empty slot; stored hashes are forced non-zero
    private final long[] segment; // capture point << 32 | vni
    private final long[] shape; // vlans << 32 | ipVersion << 8 | protocol
    private final long[] aHigh;
    private final long[] aLow;
    private final long[] bHigh;
    private final long[] bLow;
    private final long[] ports; // aPort << 32 | bPort
    private final Object[] values;
    private int size;

    /**
     * A flow object that wants to know its slot (to read its key with {@link #keyAt} instead of keeping a copy, or
     * to be removed with {@link #removeAt} without a key). Told on {@link #put}, {@link #setValueAt} and whenever
     * a deletion moves it to another slot.
     */
    public interface Slotted {
        void slot(int slot);
    }

    /** A table for at most {@code maxFlows} flows (1 .. 2^28); memory is allocated up front (about 80 B x 2 x max). */
    public FlowTable(int maxFlows) {
        if (maxFlows < 1 || maxFlows > (1 << 28)) {
            throw new IllegalArgumentException("maxFlows must be in [1, 2^28]: " + maxFlows);
        }
        this.maxFlows = maxFlows;
        int capacity = Integer.highestOneBit(Math.max(2, maxFlows * 2 - 1)) << 1;
        mask = capacity - 1;
        hashes = new int[capacity];
        segment = new long[capacity];
        shape = new long[capacity];
        aHigh = new long[capacity];
        aLow = new long[capacity];
        bHigh = new long[capacity];
        bLow = new long[capacity];
        ports = new long[capacity];
        values = new Object[capacity];
    }

    public int maxFlows() { return maxFlows; }
    public int size() { return size; }

    /** The flow of {@code key}, or null. */
    public V get(FlowKey key) {
        int slot = find(key);
        return slot < 0 ? null : value(slot);
    }

    /**
     * Adds {@code value} for {@code key} (which must not be present).
     *
     * @return false when the table is full (nothing added)
     */
    public boolean put(FlowKey key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (size == maxFlows) {
            return false;
        }
        int h = hashOf(key);
        int slot = h & mask;
        while (hashes[slot] != 0) {
            if (hashes[slot] == h && matches(slot, key)) {
                throw new IllegalStateException("key already present: " + key);
            }
            slot = (slot + 1) & mask;
        }
        hashes[slot] = h;
        segment[slot] = ((long) key.capturePointId << 32) | (key.vni & 0xFFFF_FFFFL);
        shape[slot] = ((long) key.vlans << 32) | ((long) key.ipVersion << 8) | key.protocol;
        aHigh[slot] = key.aHigh;
        aLow[slot] = key.aLow;
        bHigh[slot] = key.bHigh;
        bLow[slot] = key.bLow;
        ports[slot] = ((long) key.aPort << 32) | (key.bPort & 0xFFFF_FFFFL);
        values[slot] = value;
        placed(value, slot);
        size++;
        return true;
    }

    /** Removes {@code key}'s flow; returns it, or null when absent. */
    public V remove(FlowKey key) {
        int slot = find(key);
        if (slot < 0) {
            return null;
        }
        V v = value(slot);
        removeSlot(slot);
        return v;
    }

    /** Calls {@code action} for every flow (the table must not be modified meanwhile). */
    public void forEach(Consumer<? super V> action) {
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] != 0) {
                action.accept(value(i));
            }
        }
    }

    /** Number of slots, for a sweep with {@link #valueAt(int)} / {@link #removeAt(int)}. */
    public int slots() {
        return hashes.length;
    }

    /** The flow in {@code slot}, or null when the slot is empty. */
    public V valueAt(int slot) {
        return hashes[slot] == 0 ? null : value(slot);
    }

    /**
     * Removes the flow in {@code slot}. A later member of the probe run may move into {@code slot} (never one from
     * a lower slot into a higher one), so a sweep that removes must look at the same slot again.
     */
    public void removeAt(int slot) {
        if (hashes[slot] != 0) {
            removeSlot(slot);
        }
    }

    /** Replaces the flow in the occupied {@code slot} (same key, e.g. a compact form by its full form). */
    public void setValueAt(int slot, V value) {
        if (hashes[slot] == 0 || value == null) {
            throw new IllegalStateException("empty slot or null value: " + slot);
        }
        values[slot] = value;
        placed(value, slot);
    }

    /** Writes the key of the occupied {@code slot} into {@code into} (endpoint A first) and returns it. */
    public FlowKey keyAt(int slot, FlowKey into) {
        if (hashes[slot] == 0) {
            throw new IllegalStateException("empty slot: " + slot);
        }
        long seg = segment[slot];
        long sh = shape[slot];
        long p = ports[slot];
        into.set((int) (seg >>> 32), (int) (sh >>> 32), (int) seg, (int) (sh >>> 8) & 0xFF, (int) sh & 0xFF,
                aHigh[slot], aLow[slot], (int) (p >>> 32), bHigh[slot], bLow[slot], (int) p);
        return into;
    }

    /** Removes every flow. */
    public void clear() {
        java.util.Arrays.fill(hashes, 0);
        java.util.Arrays.fill(values, null);
        size = 0;
    }

    @SuppressWarnings("unchecked")
    private V value(int slot) {
        return (V) values[slot];
    }

    private static int hashOf(FlowKey key) {
        int h = key.hash();
        return h == 0 ? 1 : h;
    }

    private int find(FlowKey key) {
        int h = hashOf(key);
        int slot = h & mask;
        while (hashes[slot] != 0) {
            if (hashes[slot] == h && matches(slot, key)) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private boolean matches(int slot, FlowKey key) {
        return aLow[slot] == key.aLow && bLow[slot] == key.bLow
                && ports[slot] == (((long) key.aPort << 32) | (key.bPort & 0xFFFF_FFFFL))
                && aHigh[slot] == key.aHigh && bHigh[slot] == key.bHigh
                && segment[slot] == (((long) key.capturePointId << 32) | (key.vni & 0xFFFF_FFFFL))
                && shape[slot] == (((long) key.vlans << 32) | ((long) key.ipVersion << 8) | key.protocol);
    }

    /** Backward-shift deletion: moves later members of the probe run into the hole so lookups never stop early. */
    private void removeSlot(int hole) {
        int next = (hole + 1) & mask;
        while (hashes[next] != 0) {
            int home = hashes[next] & mask;
            // Move the entry at next into the hole if its home is not cyclically within (hole, next].
            boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable) {
                move(next, hole);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        hashes[hole] = 0;
        values[hole] = null;
        size--;
    }

    private void move(int from, int to) {
        hashes[to] = hashes[from];
        segment[to] = segment[from];
        shape[to] = shape[from];
        aHigh[to] = aHigh[from];
        aLow[to] = aLow[from];
        bHigh[to] = bHigh[from];
        bLow[to] = bLow[from];
        ports[to] = ports[from];
        values[to] = values[from];
        placed(values[to], to);
    }

    private static void placed(Object value, int slot) {
        if (value instanceof Slotted s) {
            s.slot(slot);
        }
    }
}
