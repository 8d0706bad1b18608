package io.netsieve.topology.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * A map from a join key to a value, by open addressing (linear probing, deletion by backward shift) over parallel
 * arrays: the correlator's index of its open groups. A key is two longs and a string, equal when all three are; the
 * correlator's {@code l7|<req_seq>_<resp_seq>|<fingerprint>} keys are their two seqs and the (shared) fingerprint,
 * its other keys their text with both longs -1. Instead of a {@code HashMap<Object, Object>}: no entry object and
 * no key object per open group (offline up to 100 000 are open at once, each ~64 B in the map), and a lookup reads
 * arrays instead of following a node to a key to its string. Values are not null. Not thread-safe.
 */
public final class JoinKeyIndex {
    private static final int MIN_CAPACITY = 16;

    private long[] as;
    private long[] bs;
    private String[] ss;
    /** Null: the slot is free. */
    private Object[] values;
    private int size;

    public JoinKeyIndex() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        as = new long[capacity];
        bs = new long[capacity];
        ss = new String[capacity];
        values = new Object[capacity];
    }

    public int size() {
        return size;
    }

    /** The slots of the table (for tests: it grows at half full, shrinks at an eighth). */
    int capacity() {
        return values.length;
    }

    private static int hash(long a, long b, String s) {
        long h = a * 0x9E3779B97F4A7C15L + b;
        h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L + s.hashCode();
        h ^= h >>> 32;
        h *= 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 31));
    }

    private int slotOf(long a, long b, String s) {
        int mask = values.length - 1;
        for (int i = hash(a, b, s) & mask; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                return -1;
            }
            if (as[i] == a && bs[i] == b && s.equals(ss[i])) {
                return i;
            }
        }
    }

    /** The value of key {@code (a, b, s)}, or null. */
    public Object get(long a, long b, String s) {
        int i = slotOf(a, b, Objects.requireNonNull(s, "s"));
        return i < 0 ? null : values[i];
    }

    /** Sets the value of key {@code (a, b, s)} (not null). */
    public void put(long a, long b, String s, Object value) {
        Objects.requireNonNull(s, "s");
        Objects.requireNonNull(value, "value");
        int mask = values.length - 1;
        int i = hash(a, b, s) & mask;
        for (; values[i] != null; i = (i + 1) & mask) {
            if (as[i] == a && bs[i] == b && s.equals(ss[i])) {
                values[i] = value;
                return;
            }
        }
        as[i] = a;
        bs[i] = b;
        ss[i] = s;
        values[i] = value;
        size++;
        if (size * 2 > values.length) {
            rehash(values.length * 2);
        }
    }

    /** Removes key {@code (a, b, s)}; its value, or null when absent. */
    public Object remove(long a, long b, String s) {
        int i = slotOf(a, b, Objects.requireNonNull(s, "s"));
        if (i < 0) {
            return null;
        }
        Object old = values[i];
        int mask = values.length - 1;
        // backward shift: move each following entry of the run into the hole when its home is not after the hole
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = hash(as[j], bs[j], ss[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                as[hole] = as[j];
                bs[hole] = bs[j];
                ss[hole] = ss[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        ss[hole] = null;
        values[hole] = null;
        size--;
        if (values.length > MIN_CAPACITY && size * 8 < values.length) {
            rehash(values.length / 2);
        }
        return old;
    }

    private void rehash(int capacity) {
        long[] oldA = as;
        long[] oldB = bs;
        String[] oldS = ss;
        Object[] oldV = values;
        allocate(capacity);
        int mask = capacity - 1;
        for (int j = 0; j < oldV.length; j++) {
            if (oldV[j] != null) {
                int i = hash(oldA[j], oldB[j], oldS[j]) & mask;
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                as[i] = oldA[j];
                bs[i] = oldB[j];
                ss[i] = oldS[j];
                values[i] = oldV[j];
            }
        }
    }

    /** Removes every key (the table keeps its size). */
    public void clear() {
        Arrays.fill(ss, null);
        Arrays.fill(values, null);
        size = 0;
    }
}
