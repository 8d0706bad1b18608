package io.netsieve.l4.flow;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A bounded open-addressing hash table from {@link FlowKey} to a flow object. Linear probing over an array of
 * slots, backward-shift deletion (no tombstones), load factor at most 1/2. A lookup of a known flow allocates
 * nothing.
 *
 * <p>Layout: a slot is one long (the key's hash and an entry index), so a probe run is a few bytes; the entries —
 * the key in primitive columns (no key objects, no boxing) and the flow object — are indexed by entry, sized for
 * {@link #maxFlows()} (not for the twice as many slots), and never move: deletion shifts slots only. About 60 B per
 * flow of {@code maxFlows} plus 8 B per slot (2 to 4 slots per flow), allocated up front.
 *
 * <p>The key columns are the only copy of a flow's key: a flow object that implements {@link Indexed} is told its
 * entry index when it is put, and reads its key back with {@link #keyOf}.
 *
 * <p>Bound: {@link #maxFlows()} entries. {@link #put} refuses a new flow when the table is full; the caller decides
 * what to evict (the flow tracker evicts the least recently seen flow and counts it).
 *
 * <p>Not thread-safe: one table per pipeline thread.
 *
 * @param <V> the flow state
 */
public final class FlowTable<V> {
    /** A flow object that wants its entry index (to read its key with {@link #keyOf}, or be removed by index). */
    public interface Indexed {
        void tableIndex(int index);
    }

    private static final int NO_ENTRY = -1;

    private final int maxFlows;
    private final int mask;
    /** Per slot: the key's hash << 32 | (entry index + 1); 0 = empty. */
    private final long[] slots;
    /**
     * One bit per slot, set when the slot is occupied: a sweep finds the occupied slots 64 at a time (16 KB for the
     * default table instead of its 1 MB of slots), in the same order as a scan of the slots.
     */
    private final long[] occupied;
    // Entries: the key of entry e is keys[e * KEY .. e * KEY + KEY), its fields side by side so that a lookup reads
    // one or two cache lines, not one per field (free entries chain through PORTS: the next free index, NO_ENTRY
    // at the end).
    private static final int KEY = 7;
    private static final int SEGMENT = 0; // capture point << 32 | vni
    private static final int SHAPE = 1; // vlans << 32 | ipVersion << 8 | protocol
    private static final int A_HIGH = 2;
    private static final int A_LOW = 3;
    private static final int B_HIGH = 4;
    private static final int B_LOW = 5;
    private static final int PORTS = 6; // aPort << 32 | bPort
    /** maxFlows * KEY longs (at most 2^28 * 7, under the largest array length). */
    private final long[] keys;
    private final Object[] values;
    private int freeHead;
    private int size;
    /** Scratch for {@link #remove(int)}: the entry's key, to find its slot. */
    private final FlowKey scratch = new FlowKey();

    /** A table for at most {@code maxFlows} flows (1 .. 2^28); memory is allocated up front. */
    public FlowTable(int maxFlows) {
        if (maxFlows < 1 || maxFlows > (1 << 28)) {
            throw new IllegalArgumentException("maxFlows must be in [1, 2^28]: " + maxFlows);
        }
        this.maxFlows = maxFlows;
        int capacity = Integer.highestOneBit(Math.max(2, maxFlows * 2 - 1)) << 1;
        mask = capacity - 1;
        slots = new long[capacity];
        occupied = new long[(capacity + 63) >>> 6];
        keys = new long[maxFlows * KEY];
        values = new Object[maxFlows];
        chainFreeEntries();
    }

    public int maxFlows() { return maxFlows; }
    public int size() { return size; }

    /** The flow of {@code key}, or null. */
    public V get(FlowKey key) {
        int slot = find(key);
        return slot < 0 ? null : value(entry(slot));
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
        while (slots[slot] != 0) {
            if (hash(slot) == h && matches(entry(slot), key)) {
                throw new IllegalStateException("key already present: " + key);
            }
            slot = (slot + 1) & mask;
        }
        int e = freeHead;
        freeHead = (int) keys[e * KEY + PORTS];
        slots[slot] = ((long) h << 32) | (e + 1);
        occupied[slot >>> 6] |= 1L << slot;
        keys[e * KEY + SEGMENT] = ((long) key.capturePointId << 32) | (key.vni & 0xFFFF_FFFFL);
        keys[e * KEY + SHAPE] = ((long) key.vlans << 32) | ((long) key.ipVersion << 8) | key.protocol;
        keys[e * KEY + A_HIGH] = key.aHigh;
        keys[e * KEY + A_LOW] = key.aLow;
        keys[e * KEY + B_HIGH] = key.bHigh;
        keys[e * KEY + B_LOW] = key.bLow;
        keys[e * KEY + PORTS] = ((long) key.aPort << 32) | (key.bPort & 0xFFFF_FFFFL);
        values[e] = value;
        indexed(value, e);
        size++;
        return true;
    }

    /** Removes {@code key}'s flow; returns it, or null when absent. */
    public V remove(FlowKey key) {
        int slot = find(key);
        if (slot < 0) {
            return null;
        }
        V v = value(entry(slot));
        removeSlot(slot);
        return v;
    }

    /** Removes the flow at entry {@code index} (see {@link Indexed}); returns it. */
    public V removeEntry(int index) {
        requireEntry(index);
        return remove(keyOf(index, scratch));
    }

    /** Replaces the flow at entry {@code index} (same key: e.g. a compact form of the flow by its full form). */
    public void replace(int index, V value) {
        requireEntry(index);
        if (value == null) {
            throw new NullPointerException("value");
        }
        values[index] = value;
        indexed(value, index);
    }

    /** Writes the key of the flow at entry {@code index} into {@code into} (endpoint A first) and returns it. */
    public FlowKey keyOf(int index, FlowKey into) {
        requireEntry(index);
        int k = index * KEY;
        long seg = keys[k + SEGMENT];
        long sh = keys[k + SHAPE];
        long p = keys[k + PORTS];
        into.set((int) (seg >>> 32), (int) (sh >>> 32), (int) seg, (int) (sh >>> 8) & 0xFF, (int) sh & 0xFF,
                keys[k + A_HIGH], keys[k + A_LOW], (int) (p >>> 32), keys[k + B_HIGH], keys[k + B_LOW], (int) p);
        return into;
    }

    /** Calls {@code action} for every flow, in slot order (the table must not be modified meanwhile). */
    public void forEach(Consumer<? super V> action) {
        for (int i = nextSlot(0); i >= 0; i = nextSlot(i + 1)) {
            action.accept(value(entry(i)));
        }
    }

    /** Number of slots, for a sweep with {@link #valueAt(int)} / {@link #removeAt(int)}. */
    public int slots() {
        return slots.length;
    }

    /**
     * The first occupied slot at or after {@code from}, or -1: a sweep visits the flows with
     * {@code for (int s = nextSlot(0); s >= 0; s = nextSlot(s + 1))} in slot order without reading the empty slots.
     */
    public int nextSlot(int from) {
        if (from >= slots.length) {
            return -1;
        }
        int w = from >>> 6;
        long bits = occupied[w] & (-1L << from);
        while (bits == 0) {
            if (++w == occupied.length) {
                return -1;
            }
            bits = occupied[w];
        }
        return (w << 6) + Long.numberOfTrailingZeros(bits);
    }

    /** The flow in {@code slot}, or null when the slot is empty. */
    public V valueAt(int slot) {
        return slots[slot] == 0 ? null : value(entry(slot));
    }

    /**
     * Removes the flow in {@code slot}. A later member of the probe run may move into {@code slot} (never one from
     * a lower slot into a higher one), so a sweep that removes must look at the same slot again.
     */
    public void removeAt(int slot) {
        if (slots[slot] != 0) {
            removeSlot(slot);
        }
    }

    /** Removes every flow. */
    public void clear() {
        Arrays.fill(slots, 0);
        Arrays.fill(occupied, 0);
        Arrays.fill(values, null);
        chainFreeEntries();
        size = 0;
    }

    private void chainFreeEntries() {
        for (int e = 0; e < maxFlows; e++) {
            keys[e * KEY + PORTS] = e + 1 < maxFlows ? e + 1 : NO_ENTRY;
        }
        freeHead = 0;
    }

    @SuppressWarnings("unchecked")
    private V value(int entry) {
        return (V) values[entry];
    }

    private int hash(int slot) {
        return (int) (slots[slot] >>> 32);
    }

    private int entry(int slot) {
        return (int) slots[slot] - 1;
    }

    private void requireEntry(int index) {
        if (index < 0 || index >= maxFlows || values[index] == null) {
            throw new IllegalStateException("no flow at entry " + index);
        }
    }

    private static void indexed(Object value, int index) {
        if (value instanceof Indexed i) {
            i.tableIndex(index);
        }
    }

    /** The key's hash, 0 mapped to 1 (as the table always did: the slot layout, and so sweep order, is unchanged). */
    private static int hashOf(FlowKey key) {
        int h = key.hash();
        return h == 0 ? 1 : h;
    }

    private int find(FlowKey key) {
        int h = hashOf(key);
        int slot = h & mask;
        while (slots[slot] != 0) {
            if (hash(slot) == h && matches(entry(slot), key)) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private boolean matches(int e, FlowKey key) {
        int k = e * KEY;
        return keys[k + A_LOW] == key.aLow && keys[k + B_LOW] == key.bLow
                && keys[k + PORTS] == (((long) key.aPort << 32) | (key.bPort & 0xFFFF_FFFFL))
                && keys[k + A_HIGH] == key.aHigh && keys[k + B_HIGH] == key.bHigh
                && keys[k + SEGMENT] == (((long) key.capturePointId << 32) | (key.vni & 0xFFFF_FFFFL))
                && keys[k + SHAPE] == (((long) key.vlans << 32) | ((long) key.ipVersion << 8) | key.protocol);
    }

    /**
     * Backward-shift deletion: moves later members of the probe run into the hole so lookups never stop early;
     * the entry is freed (its columns are left as they are, but ports chains it into the free list).
     */
    private void removeSlot(int hole) {
        int e = entry(hole);
        int next = (hole + 1) & mask;
        while (slots[next] != 0) {
            int home = hash(next) & mask;
            // Move the slot at next into the hole if its home is not cyclically within (hole, next].
            boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable) {
                slots[hole] = slots[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        slots[hole] = 0;
        occupied[hole >>> 6] &= ~(1L << hole);
        values[e] = null;
        keys[e * KEY + PORTS] = freeHead;
        freeHead = e;
        size--;
    }
}
