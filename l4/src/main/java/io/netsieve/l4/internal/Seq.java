package io.netsieve.l4.internal;

/** 32-bit TCP sequence arithmetic (RFC 1982 style comparisons), values held in longs. */
final class Seq {
    private Seq() {
    }

    static long add(long seq, long n) {
        return (seq + n) & 0xFFFF_FFFFL;
    }

    static long sub(long a, long b) {
        return (a - b) & 0xFFFF_FFFFL;
    }

    static boolean lt(long a, long b) {
        return (int) (a - b) < 0;
    }

    static boolean le(long a, long b) {
        return (int) (a - b) <= 0;
    }

    static boolean gt(long a, long b) {
        return (int) (a - b) > 0;
    }

    static boolean ge(long a, long b) {
        return (int) (a - b) >= 0;
    }
}
