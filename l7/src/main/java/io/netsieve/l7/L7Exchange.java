package io.netsieve.l7;

/**
 * The bytes and timings of one request/response exchange while a parser pairs it: the parser reports each run of
 * request or response bytes as it consumes them, then turns the exchange into an {@link L7Log} with
 * {@link L7Context#emit}. Mutable, owned by one parser (not thread-safe).
 */
public final class L7Exchange {
    long reqFirstNanos = -1;
    long reqLastNanos = -1;
    long reqSeq = -1;
    long reqBytes;
    long respFirstNanos = -1;
    long respLastNanos = -1;
    long respSeq = -1;
    long respBytes;

    /**
     * {@code bytes} request bytes captured at {@code timestampNanos}; {@code seq} is the TCP seq of the first of them
     * (-1 on UDP), kept only for the request's first bytes.
     */
    public void request(long seq, long timestampNanos, long bytes) {
        if (reqFirstNanos < 0) {
            reqFirstNanos = timestampNanos;
            reqSeq = seq;
        }
        reqLastNanos = timestampNanos;
        reqBytes += bytes;
    }

    /** {@code bytes} response bytes, as {@link #request}. */
    public void response(long seq, long timestampNanos, long bytes) {
        if (respFirstNanos < 0) {
            respFirstNanos = timestampNanos;
            respSeq = seq;
        }
        respLastNanos = timestampNanos;
        respBytes += bytes;
    }

    public boolean hasRequest() {
        return reqFirstNanos >= 0;
    }

    public boolean hasResponse() {
        return respFirstNanos >= 0;
    }

    /** When the request's first byte was captured (-1 without request). */
    public long requestStartNanos() {
        return reqFirstNanos;
    }

    /** When the request's last byte was captured (-1 without request). */
    public long requestEndNanos() {
        return reqLastNanos;
    }

    /** When the response's first byte was captured (-1 without response). */
    public long responseStartNanos() {
        return respFirstNanos;
    }

    /** When the response's last byte was captured (-1 without response). */
    public long responseEndNanos() {
        return respLastNanos;
    }

    public long requestSeq() {
        return reqSeq;
    }

    public long responseSeq() {
        return respSeq;
    }

    public long requestBytes() {
        return reqBytes;
    }

    public long responseBytes() {
        return respBytes;
    }
}
