package io.netsieve.l7.internal.redis;

/**
 * A resumable RESP2/RESP3 message reader for one direction: fed bytes in any segmentation, it reports each complete
 * top-level message with its type, the first element (a command's name) and the element count, without keeping the
 * values (bulk payloads are skipped, only a bounded prefix is kept for names and error texts). Inline commands
 * (a plain text line) are read as a command whose words are the elements. Bad framing (a bad type byte inside an
 * aggregate, a line over the bound, a bad length) is reported as malformed, never thrown.
 */
final class RespReader {
    /** What a complete message was. */
    interface Sink {
        /** {@code type} is the RESP type byte of the top-level value ({@code 'I'} for an inline command). */
        void message(char type, String first, long elements, String error, long startOffset, long endOffset);

        void malformed(String why, long offset);
    }

    private enum State { LINE, BULK, BULK_CRLF }

    private static final int MAX_LINE = 64 * 1024;
    private static final int KEEP = 256;
    private static final int MAX_DEPTH = 64;

    private final Sink sink;
    private State state = State.LINE;
    private final StringBuilder line = new StringBuilder();
    private boolean sawCr;
    private long bulkRemaining;
    private final long[] remaining = new long[MAX_DEPTH];
    private int depth;
    private char topType;
    private String first;
    private String error;
    private long elements;
    private boolean inMessage;
    private long start;
    private long offset;
    private final StringBuilder bulkKeep = new StringBuilder();
    private boolean keepBulkAsFirst;
    private boolean keepBulkAsError;
    private boolean failed;

    RespReader(Sink sink) {
        this.sink = sink;
    }

    /** Forgets a partial message (after lost bytes); the next byte is read as the start of a message. */
    void reset(long newOffset) {
        state = State.LINE;
        line.setLength(0);
        sawCr = false;
        depth = 0;
        inMessage = false;
        failed = false;
        offset = newOffset;
    }

    boolean failed() {
        return failed;
    }

    /** The stream offset where the last failure stopped reading (the rest of that delivery is skipped). */
    long offsetAfterFailure() {
        return offset;
    }

    /** Whether a message has begun and not ended. */
    boolean inMessage() {
        return inMessage;
    }

    void feed(byte[] b, int from, int length) {
        int end = from + length;
        int p = from;
        while (p < end && !failed) {
            if (!inMessage) {
                inMessage = true;
                start = offset;
                topType = 0;
                first = null;
                error = null;
                elements = 0;
            }
            switch (state) {
                case LINE -> {
                    byte c = b[p++];
                    offset++;
                    if (c == '\n') {
                        // CRLF ends a line; a bare LF too (redis-server accepts it from inline clients)
                        if (sawCr) {
                            line.setLength(line.length() - 1);
                        }
                        sawCr = false;
                        onLine();
                    } else {
                        sawCr = c == '\r';
                        if (line.length() >= MAX_LINE) {
                            fail("line longer than " + MAX_LINE + " bytes");
                        } else {
                            line.append((char) (c & 0xff));
                        }
                    }
                }
                case BULK -> {
                    int n = (int) Math.min(end - p, bulkRemaining);
                    for (int i = 0; i < n && bulkKeep.length() < KEEP; i++) {
                        bulkKeep.append((char) (b[p + i] & 0xff));
                    }
                    p += n;
                    offset += n;
                    bulkRemaining -= n;
                    if (bulkRemaining == 0) {
                        state = State.BULK_CRLF;
                        bulkRemaining = 2;
                    }
                }
                case BULK_CRLF -> {
                    byte c = b[p++];
                    offset++;
                    if ((bulkRemaining == 2 && c != '\r') || (bulkRemaining == 1 && c != '\n')) {
                        fail("bulk string not followed by CRLF");
                        break;
                    }
                    if (--bulkRemaining == 0) {
                        state = State.LINE;
                        if (keepBulkAsFirst) {
                            first = bulkKeep.toString();
                        }
                        if (keepBulkAsError) {
                            error = bulkKeep.toString();
                        }
                        valueDone();
                    }
                }
            }
        }
    }

    private void onLine() {
        String l = line.toString();
        line.setLength(0);
        boolean top = depth == 0;
        if (l.isEmpty()) {
            if (top) {
                inMessage = false; // an empty line between messages (inline clients send them)
                return;
            }
            fail("empty line inside an aggregate");
            return;
        }
        char t = l.charAt(0);
        String rest = l.substring(1);
        if (top) {
            topType = t;
        }
        boolean firstElement = depth == 1 && remaining[0] == elements && first == null;
        switch (t) {
            case '+', ':', ',', '#', '(', '_' -> {
                if (top && t == '+') {
                    first = keep(rest);
                }
                if (firstElement) {
                    first = keep(rest);
                }
                valueDone();
            }
            case '-' -> {
                if (top) {
                    error = keep(rest);
                }
                valueDone();
            }
            case '$', '=', '!' -> {
                long len = number(rest);
                if (len == Long.MIN_VALUE || len < -1 || len > 512L * 1024 * 1024) {
                    fail("bad bulk length '" + keep(rest) + "'");
                    return;
                }
                if (len == -1) {
                    valueDone();
                    return;
                }
                bulkKeep.setLength(0);
                keepBulkAsFirst = firstElement || (top && t != '!');
                keepBulkAsError = top && t == '!';
                bulkRemaining = len;
                state = len == 0 ? State.BULK_CRLF : State.BULK;
                if (len == 0) {
                    bulkRemaining = 2;
                }
            }
            case '*', '%', '~', '>', '|' -> {
                long n = number(rest);
                if (n == Long.MIN_VALUE || n < -1 || n > 1L << 32) {
                    fail("bad aggregate length '" + keep(rest) + "'");
                    return;
                }
                long count = (t == '%' || t == '|') ? 2 * n : n;
                if (top) {
                    elements = Math.max(0, n);
                }
                if (count <= 0) {
                    valueDone();
                    return;
                }
                if (depth == MAX_DEPTH) {
                    fail("aggregates nested deeper than " + MAX_DEPTH);
                    return;
                }
                if (t == '|' && depth > 0) {
                    // an attribute precedes the value it describes: one more value at the enclosing level
                    remaining[depth - 1]++;
                }
                remaining[depth++] = count;
            }
            default -> {
                if (top) {
                    // an inline command: words separated by spaces
                    String[] words = l.trim().split(" +");
                    topType = 'I';
                    first = keep(words[0]);
                    elements = words.length;
                    valueDone();
                } else {
                    fail("bad type byte 0x" + Integer.toHexString(t));
                }
            }
        }
    }

    /** One value ended: close the aggregates it completes; at depth 0 the message is complete. */
    private void valueDone() {
        while (depth > 0) {
            if (--remaining[depth - 1] > 0) {
                return;
            }
            depth--;
        }
        if (topType == '|') {
            // a top-level attribute only describes the reply that follows: that one is the message
            topType = 0;
            first = null;
            elements = 0;
            return;
        }
        inMessage = false;
        sink.message(topType, first, elements, error, start, offset);
    }

    private void fail(String why) {
        failed = true;
        sink.malformed(why, offset);
    }

    private static String keep(String s) {
        return s.length() > KEEP ? s.substring(0, KEEP) : s;
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }
}
