package io.netsieve.l7.internal.http;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * Where the next HTTP/1 message starts in bytes that lost sync (after a gap or a parse failure): the first position
 * at which a whole token lies, a method of {@link Http1Protocol#METHODS} with its space (direction 0, requests) or
 * {@link Http1Protocol#RESPONSE} (direction 1, responses). One lookup per byte in a 256-entry table of the tokens
 * that begin with it; the tokens are compared only where one begins. Public for the benchmarks module (the package
 * is not exported).
 */
public final class MessageStarts {
    /** Per direction, per first byte: the tokens that begin with it (null for none). */
    private static final byte[][][][] BY_FIRST = {byFirst(Http1Protocol.METHODS),
        byFirst(new byte[][] {Http1Protocol.RESPONSE})};
    /** Per direction: the shortest token (no token fits in fewer bytes). */
    private static final int[] SHORTEST = {shortest(Http1Protocol.METHODS), Http1Protocol.RESPONSE.length};

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
        for (int i = from, last = to - SHORTEST[direction]; i <= last; i++) {
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
        byte[][][] table = BY_FIRST[direction];
        for (int i = from, last = to - SHORTEST[direction]; i <= last; i++) {
            byte[][] tokens = table[a[i] & 0xff];
            if (tokens != null) {
                for (byte[] t : tokens) {
                    if (matches(a, i, to, t)) {
                        return i;
                    }
                }
            }
        }
        return -1;
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
