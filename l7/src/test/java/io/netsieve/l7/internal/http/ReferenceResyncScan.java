package io.netsieve.l7.internal.http;

import io.netty.buffer.ByteBuf;

/**
 * The resync scan {@link Http1Parser} had before {@link MessageStarts}, kept verbatim as the reference: every
 * position, every token of the direction, byte by byte through {@link ByteBuf#getByte}.
 */
final class ReferenceResyncScan {
    private ReferenceResyncScan() {
    }

    /** The first {@code i} in {@code [from, to)} where a message starts, or -1. */
    static int find(ByteBuf b, int from, int to, int direction) {
        for (int i = from; i < to; i++) {
            if (startsMessage(b, i, to, direction)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsMessage(ByteBuf b, int at, int to, int direction) {
        if (direction == 1) {
            return matches(b, at, to, Http1Protocol.RESPONSE);
        }
        for (byte[] m : Http1Protocol.METHODS) {
            if (matches(b, at, to, m)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(ByteBuf b, int at, int to, byte[] token) {
        if (to - at < token.length) {
            return false;
        }
        for (int i = 0; i < token.length; i++) {
            if (b.getByte(at + i) != token[i]) {
                return false;
            }
        }
        return true;
    }
}
