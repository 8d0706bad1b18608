package io.netsieve.l7.internal.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * netsieve's own reader of one HTTP/1.x message head, in the stream bytes themselves (no copy, no netty objects):
 * the start line, the headers the record needs and the body's {@code Content-Length}, into a {@link MessageHead}.
 * Resumable: a head cut by a segment boundary is scanned line by line as its bytes arrive (the lines already read are
 * not read again; the caller keeps the head's bytes from its first byte on).
 *
 * <p>It accepts only what netty's decoders certainly read the same way, and says {@link Result#REJECT} for anything
 * else, at any point: then netty's decoder reads the message from its first byte, none of it having been consumed.
 * Rejecting is always safe; waiting ({@link Result#NEED_MORE}) is only said while netty would wait too: the line in
 * progress has no LF yet and the head is well under netty's length limits. Accepted: {@code METHOD SP target SP
 * HTTP/1.x CRLF} (method upper-case letters, target printable ASCII) or {@code HTTP/1.x SP 2xx-5xx SP reason CRLF};
 * header lines {@code token ":" OWS printable OWS CRLF}; the header names it records at most once each, a single
 * plain decimal {@code Content-Length}, no {@code Transfer-Encoding}. Never throws.
 */
final class HeadScanner {
    enum Result { NEED_MORE, REJECT, COMPLETE }

    /** Where the scan of the head in progress is. */
    private enum State { START_LINE, HEADERS }

    /** Byte classes, by unsigned byte: what a method, a target, a reason phrase, a header name and value may hold. */
    private static final boolean[] METHOD = new boolean[256];
    private static final boolean[] TARGET = new boolean[256];
    private static final boolean[] REASON = new boolean[256];
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] VALUE = new boolean[256];
    /** {@link #until}: the bytes ran out before the stop byte. */
    private static final int OUT = -2;
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE",
        "CONNECT"};
    private static final byte[][] METHOD_BYTES = new byte[METHODS.length][];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
            METHOD[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (int c = 0x21; c < 0x7f; c++) {
            TARGET[c] = true;
            REASON[c] = true;
            VALUE[c] = true;
        }
        REASON[' '] = true;
        VALUE[' '] = true;
        VALUE['\t'] = true;
        for (int i = 0; i < METHODS.length; i++) {
            METHOD_BYTES[i] = METHODS[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final boolean request;
    private final HeaderSlots slots;
    /** Heads of this many bytes or more go to netty (whose line and header limits are at least this). */
    private final int limit;
    final MessageHead head = new MessageHead();
    /** The last string made per slot / field, given again while the bytes are the same (no new string). */
    private final String[] lastValue;
    private String lastPath;
    private String lastQuery;
    private String lastReason;
    /** Per slot: the head ({@link #stamp}) in which it was last seen. */
    private final int[] seen;
    private int stamp;
    /** The trace headers' values of head {@link #traceStamp}, by slot from {@link HeaderSlots#TRACE_START}. */
    private String[] traces;
    private int traceStamp;
    private State state = State.START_LINE;
    /** Offset of the line in progress from the head's first byte. */
    private int lineStart;
    private int length;

    HeadScanner(boolean request, HeaderSlots slots, int maxInitialLine, int maxHeaderBytes) {
        this.request = request;
        this.slots = slots;
        this.limit = Math.min(maxInitialLine, maxHeaderBytes) - 8;
        this.lastValue = new String[slots.names.length];
        this.seen = new int[slots.names.length];
    }

    /** Starts a new head. */
    void reset() {
        state = State.START_LINE;
        lineStart = 0;
        head.clear();
        stamp++;
    }

    /** Offset (from the head's first byte) of the line in progress: the bytes netty would not have consumed yet. */
    int lineStart() {
        return lineStart;
    }

    /** The head's length in bytes, CRLFs included, after {@link Result#COMPLETE}. */
    int length() {
        return length;
    }

    /**
     * Scans on: {@code a[start, end)} are the head's bytes so far from its first byte (the same first bytes as in
     * the previous call of this head).
     */
    Result scan(byte[] a, int start, int end) {
        while (true) {
            int p = start + lineStart;
            if (lineStart >= limit) {
                return Result.REJECT;
            }
            if (p >= end) {
                return Result.NEED_MORE;
            }
            int r;
            if (state == State.START_LINE) {
                r = request ? requestLine(a, p, end) : statusLine(a, p, end);
            } else if (a[p] == '\r') {
                if (p + 1 >= end) {
                    return Result.NEED_MORE;
                }
                if (a[p + 1] != '\n' || lineStart + 2 >= limit) {
                    return Result.REJECT;
                }
                length = lineStart + 2;
                return Result.COMPLETE;
            } else {
                r = headerLine(a, p, end);
            }
            if (r < 0) {
                return Result.REJECT;
            }
            if (r == 0) {
                return end - start >= limit ? Result.REJECT : Result.NEED_MORE;
            }
            lineStart += r;
            state = State.HEADERS;
        }
    }

    /** 0 (wait) when {@code a[p, end)} holds no LF, else -1: a short line netty reads now. */
    private static int partial(byte[] a, int p, int end) {
        for (int i = p; i < end; i++) {
            if (a[i] == '\n') {
                return -1;
            }
        }
        return 0;
    }

    /** {@code HTTP/1.1} or {@code HTTP/1.0} at {@code p} (8 bytes there). */
    private static String version(byte[] a, int p) {
        if (a[p] != 'H' || a[p + 1] != 'T' || a[p + 2] != 'T' || a[p + 3] != 'P' || a[p + 4] != '/'
                || a[p + 5] != '1' || a[p + 6] != '.') {
            return null;
        }
        return a[p + 7] == '1' ? "HTTP/1.1" : a[p + 7] == '0' ? "HTTP/1.0" : null;
    }

    /**
     * The index of the first {@code stop} byte in {@code a[q, end)}, -1 when a byte before it is not in
     * {@code allowed}, {@link #OUT} when there is none yet.
     */
    private static int until(byte[] a, int q, int end, byte stop, boolean[] allowed) {
        for (; q < end; q++) {
            byte b = a[q];
            if (b == stop) {
                return q;
            }
            if (!allowed[b & 0xff]) {
                return -1;
            }
        }
        return OUT;
    }

    /** The line's length with its CRLF (from {@code until}'s {@code at}: 0 to wait, -1 to reject), or that. */
    private static int ended(int at) {
        return at == OUT ? 0 : -1;
    }

    /** The line's length with its CRLF, 0 to wait, -1 to reject. */
    private int requestLine(byte[] a, int p, int end) {
        int methodEnd = until(a, p, end, (byte) ' ', METHOD);
        if (methodEnd < 0 || methodEnd == p || methodEnd - p > 20) {
            return methodEnd == OUT && end - p <= 20 ? 0 : -1;
        }
        int target = methodEnd + 1;
        int targetEnd = until(a, target, end, (byte) ' ', TARGET);
        if (targetEnd <= target) {
            return ended(targetEnd);
        }
        int q = targetEnd + 1;
        if (end - q < 10) {
            return partial(a, q, end);
        }
        String version = version(a, q);
        if (version == null || a[q + 8] != '\r' || a[q + 9] != '\n') {
            return -1;
        }
        head.method = method(a, p, methodEnd);
        head.version = version;
        uri(a, target, targetEnd);
        return q + 10 - p;
    }

    private static String method(byte[] a, int from, int to) {
        int len = to - from;
        for (int i = 0; i < METHODS.length; i++) {
            byte[] m = METHOD_BYTES[i];
            if (m.length == len && same(m, a, from)) {
                return METHODS[i];
            }
        }
        return new String(a, from, len, StandardCharsets.ISO_8859_1);
    }

    private static boolean same(byte[] m, byte[] a, int from) {
        for (int i = 0; i < m.length; i++) {
            if (a[from + i] != m[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Path and query of the request target as the netty path makes them: without a fragment, an absolute-form
     * target without its scheme and authority ({@code "/"} when nothing follows them), split at the first {@code ?}.
     */
    private void uri(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == '#') {
                to = i;
                break;
            }
        }
        int start = from;
        int scheme = -1;
        for (int i = from; i + 2 < to; i++) {
            if (a[i] == ':' && a[i + 1] == '/' && a[i + 2] == '/') {
                scheme = i - from;
                break;
            }
        }
        if (scheme > 0 && scheme < 8) {
            int slash = -1;
            for (int i = from + scheme + 3; i < to; i++) {
                if (a[i] == '/') {
                    slash = i;
                    break;
                }
            }
            if (slash < 0) {
                head.path = "/";
                head.query = null;
                return;
            }
            start = slash;
        }
        int q = -1;
        for (int i = start; i < to; i++) {
            if (a[i] == '?') {
                q = i;
                break;
            }
        }
        if (q < 0) {
            head.path = lastPath = text(lastPath, a, start, to);
            head.query = null;
        } else {
            head.path = lastPath = text(lastPath, a, start, q);
            head.query = lastQuery = text(lastQuery, a, q + 1, to);
        }
    }

    /** {@code last} when it is the text of {@code a[from, to)}, else a new string of it. */
    private static String text(String last, byte[] a, int from, int to) {
        int len = to - from;
        if (last != null && last.length() == len) {
            int i = 0;
            while (i < len && last.charAt(i) == (a[from + i] & 0xff)) {
                i++;
            }
            if (i == len) {
                return last;
            }
        }
        return new String(a, from, len, StandardCharsets.ISO_8859_1);
    }

    private int statusLine(byte[] a, int p, int end) {
        if (end - p < 13) {
            return partial(a, p, end);
        }
        String version = version(a, p);
        byte c0 = a[p + 9];
        byte c1 = a[p + 10];
        byte c2 = a[p + 11];
        if (version == null || a[p + 8] != ' ' || c0 < '2' || c0 > '5' || c1 < '0' || c1 > '9' || c2 < '0'
                || c2 > '9' || a[p + 12] != ' ') {
            return -1;
        }
        int from = p + 13;
        int q = until(a, from, end, (byte) '\r', REASON);
        if (q < 0) {
            return ended(q);
        }
        if (q == from || a[from] == ' ' || a[q - 1] == ' ') {
            return -1; // no reason phrase, or one netty would trim
        }
        if (q + 1 >= end) {
            return 0;
        }
        if (a[q + 1] != '\n') {
            return -1;
        }
        head.version = version;
        head.code = (c0 - '0') * 100 + (c1 - '0') * 10 + (c2 - '0');
        head.reason = lastReason = text(lastReason, a, from, q);
        return q + 2 - p;
    }

    private int headerLine(byte[] a, int p, int end) {
        int colon = until(a, p, end, (byte) ':', TCHAR); // obs-fold, whitespace before the colon, odd names: netty's
        if (colon <= p) {
            return ended(colon);
        }
        int cr = until(a, colon + 1, end, (byte) '\r', VALUE); // control characters, obs-text: netty's
        if (cr < 0) {
            return ended(cr);
        }
        if (cr + 1 >= end) {
            return 0;
        }
        if (a[cr + 1] != '\n') {
            return -1;
        }
        int valueStart = colon + 1;
        while (valueStart < cr && (a[valueStart] == ' ' || a[valueStart] == '\t')) {
            valueStart++;
        }
        int valueEnd = cr;
        while (valueEnd > valueStart && (a[valueEnd - 1] == ' ' || a[valueEnd - 1] == '\t')) {
            valueEnd--;
        }
        int hash = 0;
        for (int i = p; i < colon; i++) {
            hash = HeaderSlots.step(hash, a[i]);
        }
        int slot = slots.find(hash, a, p, colon - p);
        if (slot >= 0 && !header(slot, a, valueStart, valueEnd)) {
            return -1;
        }
        return cr + 2 - p;
    }

    /** A header the record or the framing needs; false to leave the message to netty. */
    private boolean header(int slot, byte[] a, int from, int to) {
        if (seen[slot] == stamp) {
            return false; // a second one: which one counts is netty's business
        }
        seen[slot] = stamp;
        if (slot == HeaderSlots.TRANSFER_ENCODING) {
            return false;
        }
        if (slot == HeaderSlots.CONTENT_LENGTH) {
            int len = to - from;
            if (len == 0 || len > 18 || (a[from] == '0' && len > 1)) {
                return false;
            }
            long v = 0;
            for (int i = from; i < to; i++) {
                int d = a[i] - '0';
                if (d < 0 || d > 9) {
                    return false;
                }
                v = v * 10 + d;
            }
            head.contentLength = v;
        }
        boolean allowed = slots.allowed[slot];
        boolean field = slot == HeaderSlots.CONTENT_TYPE
                || request && (slot == HeaderSlots.HOST || slot == HeaderSlots.USER_AGENT
                || slot == HeaderSlots.REQUEST_ID || slot >= HeaderSlots.TRACE_START && slot < HeaderSlots.TRACE_END);
        if (!allowed && !field) {
            return true;
        }
        String v = lastValue[slot] = text(lastValue[slot], a, from, to);
        if (allowed) {
            head.addHeader(slots.names[slot], v);
        }
        if (field) {
            switch (slot) {
                case HeaderSlots.HOST -> head.host = v;
                case HeaderSlots.USER_AGENT -> head.userAgent = v;
                case HeaderSlots.CONTENT_TYPE -> head.contentType = v;
                case HeaderSlots.REQUEST_ID -> head.requestId = v;
                default -> {
                    if (traces == null) {
                        traces = new String[HeaderSlots.TRACE_END - HeaderSlots.TRACE_START];
                    }
                    if (traceStamp != stamp) {
                        Arrays.fill(traces, null);
                        traceStamp = stamp;
                    }
                    traces[slot - HeaderSlots.TRACE_START] = v;
                }
            }
        }
        return true;
    }

    /** After {@link Result#COMPLETE}: the trace context of the request's trace headers, as the netty path reads it. */
    TraceContext trace() {
        if (traceStamp != stamp || traces == null) {
            return TraceContext.NONE;
        }
        String[] t = traces;
        return TraceContext.of(name -> {
            for (int i = HeaderSlots.TRACE_START; i < HeaderSlots.TRACE_END; i++) {
                if (slots.names[i].equals(name)) {
                    return t[i - HeaderSlots.TRACE_START];
                }
            }
            return null;
        });
    }
}
