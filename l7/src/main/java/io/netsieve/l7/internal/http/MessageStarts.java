package io.netsieve.l7.internal.http;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * Where the next HTTP/1 message starts in bytes that lost sync (after a gap or a parse failure): the first position
 * at which a whole token lies, a method of {@link Http1Protocol#METHODS} with its space (direction 0, requests) or
 * {@link Http1Protocol#RESPONSE} (direction 1, responses).
 *
 * <p>On an array, Horspool's skip for a set of patterns: a window of the shortest token's length {@code m} (4, 7)
 * slides over the bytes; the tokens are compared only when the window's last byte can be a token's {@code m}-th
 * (and then only those beginning with the window's first byte, from a 256-entry table), and the window moves by as
 * much as its last byte allows: to where that byte could be the same position of a token, or past it when no token
 * has it in its first {@code m - 1} bytes (a tight loop moves over the windows whose last byte is in no token's first
 * {@code m}). No position where a token can begin is skipped, so the first match is the leftmost, as at every byte;
 * on bytes that are mostly not token letters (bodies) it reads about one in {@code m}.
 * Elsewhere ({@link ByteBuf} without an array) every byte through {@link ByteBuf#getByte} and the same table. Public
 * for the benchmarks module (the package is not exported).
 */
public final class MessageStarts {
    /** Per direction: the tokens. */
    private static final byte[][][] TOKENS = {Http1Protocol.METHODS, {Http1Protocol.RESPONSE}};
    /** Per direction, per first byte: the tokens that begin with it (null for none). */
    private static final byte[][][][] BY_FIRST = {byFirst(TOKENS[0]), byFirst(TOKENS[1])};
    /** Per direction: the shortest token's length, the window (no token fits in fewer bytes). */
    private static final int[] WINDOW = {shortest(TOKENS[0]), shortest(TOKENS[1])};
    /** Per direction, per byte: whether it is a token's {@code WINDOW}-th byte (a window ending in it can match). */
    private static final boolean[][] ENDS = {ends(TOKENS[0], WINDOW[0]), ends(TOKENS[1], WINDOW[1])};
    /** Per direction, per byte: how far a window ending in it moves (Horspool's bad-character shift). */
    private static final int[][] SHIFT = {shifts(TOKENS[0], WINDOW[0]), shifts(TOKENS[1], WINDOW[1])};
    /** Per direction, per byte: in no token's first {@code WINDOW} bytes (a window ending in it moves by m). */
    private static final boolean[][] SKIP = {skips(TOKENS[0], WINDOW[0]), skips(TOKENS[1], WINDOW[1])};

    private MessageStarts() {
    }

    private static byte[][][] byFirst(byte[][] tokens) {
        byte[][][] table = new byte[256][][];
        for (byte[] t : tokens) {
            int first = t[0] & 0xff;
            byte[][] old = table[first];
            byte[][] grown = old == null ? new byte[1][] : Arrays.copyOf(old, old.length + 1);
            grown[grown.length - 1] = t;
            table[first] = grown;
        }
        return table;
    }

    private static int shortest(byte[][] tokens) {
        int n = Integer.MAX_VALUE;
        for (byte[] t : tokens) {
            n = Math.min(n, t.length);
        }
        return n;
    }

    private static boolean[] skips(byte[][] tokens, int m) {
        boolean[] skip = new boolean[256];
        Arrays.fill(skip, true);
        for (byte[] t : tokens) {
            for (int k = 0; k < m; k++) {
                skip[t[k] & 0xff] = false;
            }
        }
        return skip;
    }

    private static boolean[] ends(byte[][] tokens, int m) {
        boolean[] ends = new boolean[256];
        for (byte[] t : tokens) {
            ends[t[m - 1] & 0xff] = true;
        }
        return ends;
    }

    /**
     * {@code m} for a byte in no token's first {@code m - 1} bytes, else {@code m - 1 - k} for the last such position
     * {@code k} over all tokens: a window moved by less would have the byte at a position no token has it.
     */
    private static int[] shifts(byte[][] tokens, int m) {
        int[] shift = new int[256];
        Arrays.fill(shift, m);
        for (byte[] t : tokens) {
            for (int k = 0; k < m - 1; k++) {
                shift[t[k] & 0xff] = Math.min(shift[t[k] & 0xff], m - 1 - k);
            }
        }
        return shift;
    }

    /**
     * The first index in {@code [from, to)} of {@code b} where a token of {@code direction} begins and ends before
     * {@code to}, or -1. Reads the backing array when there is one, else {@link ByteBuf#getByte}.
     */
    public static int find(ByteBuf b, int from, int to, int direction) {
        if (b.hasArray()) {
            int base = b.arrayOffset();
            int at = find(b.array(), base + from, base + to, direction);
            return at < 0 ? -1 : at - base;
        }
        byte[][][] table = BY_FIRST[direction];
        for (int i = from, last = to - WINDOW[direction]; i <= last; i++) {
            byte[][] tokens = table[b.getByte(i) & 0xff];
            if (tokens != null) {
                for (byte[] t : tokens) {
                    if (matches(b, i, to, t)) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    /**
     * The first index in {@code [from, to)} of {@code a} where a token of {@code direction} begins and ends before
     * {@code to}, or -1.
     */
    public static int find(byte[] a, int from, int to, int direction) {
        int m = WINDOW[direction];
        if (to - from < m) {
            return -1;
        }
        byte[][][] byFirst = BY_FIRST[direction];
        boolean[] skip = SKIP[direction];
        boolean[] ends = ENDS[direction];
        int[] shift = SHIFT[direction];
        int end = to - 1;
        int j = from + m - 1; // the window's last byte: the window is [j - m + 1, j]
        while (true) {
            int c;
            while (skip[c = a[j] & 0xff]) {
                if (j > end - m) {
                    return -1;
                }
                j += m;
            }
            if (ends[c]) {
                int i = j - m + 1;
                byte[][] tokens = byFirst[a[i] & 0xff];
                if (tokens != null) {
                    for (byte[] t : tokens) {
                        if (matches(a, i, to, t)) {
                            return i;
                        }
                    }
                }
            }
            if (j > end - shift[c]) {
                return -1;
            }
            j += shift[c];
        }
    }

    /** Whether {@code token} lies at {@code at} whole before {@code to} (its first byte is known to be there). */
    private static boolean matches(byte[] a, int at, int to, byte[] token) {
        int n = token.length;
        if (to - at < n) {
            return false;
        }
        for (int k = 1; k < n; k++) {
            if (a[at + k] != token[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(ByteBuf b, int at, int to, byte[] token) {
        int n = token.length;
        if (to - at < n) {
            return false;
        }
        for (int k = 1; k < n; k++) {
            if (b.getByte(at + k) != token[k]) {
                return false;
            }
        }
        return true;
    }
}
