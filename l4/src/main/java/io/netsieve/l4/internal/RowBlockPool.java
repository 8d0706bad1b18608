package io.netsieve.l4.internal;

import java.util.Arrays;

/**
 * Free packed-row blocks, for a tracker whose records lend their packet series ({@code L4Config.lendPacketSeries}):
 * a chunk's rows, and its block table, are taken from here and given back as soon as the record's listener has
 * returned, so a known flow allocates nothing per packet. Size classes of 1, 2, 4 … 64 rows (the block sizes {@link Connection} uses); at
 * most {@link #MAX_PER_CLASS} free blocks per class are kept (≤ 10 MiB for the 64-row class), the surplus is left
 * to the garbage collector and counted in {@link #discarded()}. One tracker thread only.
 */
final class RowBlockPool {
    static final int MAX_PER_CLASS = 4096;
    private static final int CLASSES = 7; // 1 .. 64 rows

    /**
     * Length of a chunk's block table (the blocks of 256 rows, the default chunk, fit in 7); the pool keeps tables of
     * this length only (a chunk of more rows grows its own, left to the garbage collector).
     */
    static final int TABLE_LENGTH = 8;

    private final long[][][] free = new long[CLASSES][][];
    private long[][][] freeTables = new long[16][][];
    private int tables;
    private final int[] size = new int[CLASSES];
    private long allocated;
    private long discarded;

    /** A block of {@code longs} longs (contents undefined: every row is written before it is read). */
    long[] take(int longs) {
        int c = classOf(longs);
        if (c >= 0 && size[c] > 0) {
            int n = --size[c];
            long[] block = free[c][n];
            free[c][n] = null;
            return block;
        }
        allocated++;
        return new long[longs];
    }

    void give(long[] block) {
        if (block == null) {
            return;
        }
        int c = classOf(block.length);
        if (c < 0 || size[c] == MAX_PER_CLASS) {
            discarded++;
            return;
        }
        long[][] f = free[c];
        if (f == null) {
            f = free[c] = new long[16][];
        } else if (size[c] == f.length) {
            f = free[c] = Arrays.copyOf(f, Math.min(MAX_PER_CLASS, 2 * f.length));
        }
        f[size[c]++] = block;
    }

    /** An empty block table of {@link #TABLE_LENGTH} entries. */
    long[][] takeTable() {
        if (tables > 0) {
            long[][] t = freeTables[--tables];
            freeTables[tables] = null;
            return t;
        }
        allocated++;
        return new long[TABLE_LENGTH][];
    }

    /** A block table whose entries are all null (its blocks given back first). */
    void giveTable(long[][] table) {
        if (table.length != TABLE_LENGTH || tables == MAX_PER_CLASS) {
            discarded++;
            return;
        }
        if (tables == freeTables.length) {
            freeTables = Arrays.copyOf(freeTables, Math.min(MAX_PER_CLASS, 2 * tables));
        }
        freeTables[tables++] = table;
    }

    /** Blocks (and block tables) the pool had to allocate (none free of that size). */
    long allocated() {
        return allocated;
    }

    /** Blocks (and tables) given back while their class was full (or of a size the pool does not keep). */
    long discarded() {
        return discarded;
    }

    private static int classOf(int longs) {
        int rows = longs / Connection.ROW;
        if (rows * Connection.ROW != longs || Integer.bitCount(rows) != 1 || rows > 64) {
            return -1;
        }
        return Integer.numberOfTrailingZeros(rows);
    }
}
