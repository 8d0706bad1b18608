package io.netsieve.l7.internal.http;

import io.netsieve.l7.L7Config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The header names {@link HeadScanner} looks for, matched case-insensitively in the stream bytes without making a
 * string: the ones the record reads (host, user agent, content type, request id, trace headers), the two that frame
 * a body, and the configuration's allowlist. One table per {@link L7Config} (immutable, shared).
 */
final class HeaderSlots {
    static final int HOST = 0;
    static final int USER_AGENT = 1;
    static final int CONTENT_TYPE = 2;
    static final int CONTENT_LENGTH = 3;
    static final int TRANSFER_ENCODING = 4;
    static final int REQUEST_ID = 5;
    /** Slots from here to {@link #TRACE_END} (exclusive) are trace headers, in {@link TraceContext}'s names. */
    static final int TRACE_START = 6;
    static final int TRACE_END = 12;
    private static final String[] FIXED = {"host", "user-agent", "content-type", "content-length",
        "transfer-encoding", "x-request-id", "traceparent", "b3", "x-b3-traceid", "x-b3-spanid", "uber-trace-id",
        "sw8"};

    private static volatile HeaderSlots last;

    final L7Config config;
    /** Lower-case names by slot. */
    final String[] names;
    private final byte[][] bytes;
    /** Recorded in the header map. */
    final boolean[] allowed;
    private final int[] table;
    private final int mask;

    private HeaderSlots(L7Config config) {
        this.config = config;
        Set<String> all = new LinkedHashSet<>(List.of(FIXED));
        all.addAll(config.httpHeaderAllowlist());
        List<String> list = new ArrayList<>(all);
        names = list.toArray(new String[0]);
        bytes = new byte[names.length][];
        allowed = new boolean[names.length];
        int size = Integer.highestOneBit(names.length * 4 - 1) << 1;
        table = new int[size];
        mask = size - 1;
        for (int i = 0; i < names.length; i++) {
            bytes[i] = names[i].getBytes(StandardCharsets.ISO_8859_1);
            allowed[i] = config.httpHeaderAllowlist().contains(names[i]) && !L7Config.REDACTED.contains(names[i]);
            int h = 0;
            for (byte b : bytes[i]) {
                h = step(h, b);
            }
            int at = mix(h) & mask;
            while (table[at] != 0) {
                at = (at + 1) & mask;
            }
            table[at] = i + 1;
        }
    }

    static HeaderSlots of(L7Config config) {
        HeaderSlots s = last;
        if (s == null || s.config != config) {
            s = new HeaderSlots(config);
            last = s;
        }
        return s;
    }

    static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /** The running hash of a name, one byte more (case-insensitive). */
    static int step(int h, byte b) {
        return 31 * h + lower(b);
    }

    private static int mix(int h) {
        return h ^ (h >>> 7) ^ (h >>> 15);
    }

    /** The slot of the name {@code a[from, from + len)} whose {@link #step} hash is {@code hash}, or -1. */
    int find(int hash, byte[] a, int from, int len) {
        int at = mix(hash) & mask;
        while (true) {
            int slot = table[at] - 1;
            if (slot < 0) {
                return -1;
            }
            byte[] n = bytes[slot];
            if (n.length == len && same(n, a, from)) {
                return slot;
            }
            at = (at + 1) & mask;
        }
    }

    private static boolean same(byte[] lowerName, byte[] a, int from) {
        for (int i = 0; i < lowerName.length; i++) {
            if (lower(a[from + i]) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }
}
