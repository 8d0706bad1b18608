package io.netsieve.topology.internal;

import java.util.Objects;

/**
 * A map from a join key to a value, by open addressing (linear probing, deletion by backward shift) over parallel
 * arrays: the correlator's index of its open groups. A key is two longs and a string, equal when all three are; the
 * correlator's {@code l7|<req_seq>_<resp_seq>|<fingerprint>} keys are their two seqs and the (shared) fingerprint,
 * its other keys their text with both longs -1. Instead of a {@code HashMap<Object, Object>}: no entry object and
 * no key object per open group (offline up to 100 000 are open at once, each ~64 B in the map), and a lookup reads
 * two arrays (the longs side by side, the string beside its value) instead of following a node to a key to its
 * string. A slot found by {@link #find} can be read, replaced or removed without a second lookup. Values are not
 * null. Not thread-safe.
 */
public final class JoinKeyIndex {
    private static final int MIN_CAPACITY = 16;

    /** Slot {@code i}'s longs at {@code 2i} and {@code 2i + 1}. */
    private long[] longs;
    /** Slot {@code i}'s string at {@code 2i}, its value at {@code 2i + 1} (null: the slot is free). */
    private Object[] refs;
    private int capacity;
    private int size;

    public JoinKeyIndex() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int slots) {
        capacity = slots;
        longs = new long[2 * slots];
        refs = new Object[2 * slots];
    }

    public int size() {
        return size;
    }

    /** The slots of the table (for tests: it grows at half full, shrinks at an eighth). */
    int capacity() {
        return capacity;
    }

    private static int hash(long a, long b, String s) {
        long h = a * 0x9E3779B97F4A7C15L + b;
        h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L + s.hashCode();
        h ^= h >>> 32;
        h *= 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 31));
    }

    /** The slot of key {@code (a, b, s)}, or -1 when absent. */
    public int find(long a, long b, String s) {
        Objects.requireNonNull(s, "s");
        int mask = capacity - 1;
        for (int i = hash(a, b, s) & mask; ; i = (i + 1) & mask) {
            Object v = refs[2 * i + 1];
            if (v == null) {
                return -1;
            }
            if (longs[2 * i] == a && longs[2 * i + 1] == b && s.equals(refs[2 * i])) {
                return i;
            }
        }
    }

    /** The value in slot {@code slot} (one {@link #find} gave, with no put or remove since). */
    public Object valueAt(int slot) {
        return refs[2 * slot + 1];
    }

    /** Replaces the value in slot {@code slot} (one {@link #find} gave, with no put or remove since). */
    public void setValueAt(int slot, Object value) {
        refs[2 * slot + 1] = Objects.requireNonNull(value, "value");
    }

    /** The value of key {@code (a, b, s)}, or null. */
    public Object get(long a, long b, String s) {
        int i = find(a, b, s);
        return i < 0 ? null : refs[2 * i + 1];
    }

    /** Sets the value of key {@code (a, b, s)} (not null). */
    public void put(long a, long b, String s, Object value) {
        Objects.requireNonNull(s, "s");
        Objects.requireNonNull(value, "value");
        int mask = capacity - 1;
        int i = hash(a, b, s) & mask;
        for (; refs[2 * i + 1] != null; i = (i + 1) & mask) {
            if (longs[2 * i] == a && longs[2 * i + 1] == b && s.equals(refs[2 * i])) {
                refs[2 * i + 1] = value;
                return;
            }
        }
        longs[2 * i] = a;
        longs[2 * i + 1] = b;
        refs[2 * i] = s;
        refs[2 * i + 1] = value;
        size++;
        if (size * 2 > capacity) {
            rehash(capacity * 2);
        }
    }

    /** Removes key {@code (a, b, s)}; its value, or null when absent. */
    public Object remove(long a, long b, String s) {
        int i = find(a, b, s);
        if (i < 0) {
            return null;
        }
        Object old = refs[2 * i + 1];
        removeAt(i);
        return old;
    }

    /** Removes the key in slot {@code slot} (one {@link #find} gave, with no put or remove since). */
    public void removeAt(int slot) {
        if (refs[2 * slot + 1] == null) {
            throw new IllegalStateException("free slot " + slot);
        }
        int mask = capacity - 1;
        // backward shift: move each following entry of the run into the hole when its home is not after the hole
        int hole = slot;
        for (int j = (slot + 1) & mask; refs[2 * j + 1] != null; j = (j + 1) & mask) {
            int home = hash(longs[2 * j], longs[2 * j + 1], (String) refs[2 * j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                longs[2 * hole] = longs[2 * j];
                longs[2 * hole + 1] = longs[2 * j + 1];
                refs[2 * hole] = refs[2 * j];
                refs[2 * hole + 1] = refs[2 * j + 1];
                hole = j;
            }
        }
        refs[2 * hole] = null;
        refs[2 * hole + 1] = null;
        size--;
        if (capacity > MIN_CAPACITY && size * 8 < capacity) {
            rehash(capacity / 2);
        }
    }

    private void rehash(int slots) {
        long[] oldLongs = longs;
        Object[] oldRefs = refs;
        int oldCapacity = capacity;
        allocate(slots);
        int mask = slots - 1;
        for (int j = 0; j < oldCapacity; j++) {
            if (oldRefs[2 * j + 1] != null) {
                long a = oldLongs[2 * j];
                long b = oldLongs[2 * j + 1];
                String s = (String) oldRefs[2 * j];
                int i = hash(a, b, s) & mask;
                while (refs[2 * i + 1] != null) {
                    i = (i + 1) & mask;
                }
                longs[2 * i] = a;
                longs[2 * i + 1] = b;
                refs[2 * i] = s;
                refs[2 * i + 1] = oldRefs[2 * j + 1];
            }
        }
    }

    /** Removes every key (the table keeps its size). */
    public void clear() {
        java.util.Arrays.fill(refs, null);
        size = 0;
    }
}
