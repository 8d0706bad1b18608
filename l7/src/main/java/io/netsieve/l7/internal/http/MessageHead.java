package io.netsieve.l7.internal.http;

import java.util.Arrays;

/**
 * What one message head says that the record needs, read by {@link HeadScanner} or taken from netty's message:
 * one per direction, filled anew for every message.
 */
final class MessageHead {
    String method;
    String path;
    String query;
    String version;
    String host;
    String userAgent;
    String contentType;
    String requestId;
    /** The {@code Upgrade} header of a response (for a 101), netty's path only. */
    String upgrade;
    int code;
    String reason;
    /** {@code Content-Length}, -1 when absent (scanner only). */
    long contentLength = -1;
    TraceContext trace = TraceContext.NONE;
    /** The allowlisted headers in message order: lower-case name, value, name, value, ... */
    String[] headers = new String[8];
    int headerCount;

    void clear() {
        method = path = query = version = host = userAgent = contentType = requestId = upgrade = reason = null;
        code = 0;
        contentLength = -1;
        trace = TraceContext.NONE;
        headerCount = 0;
    }

    void addHeader(String name, String value) {
        int at = headerCount * 2;
        if (at == headers.length) {
            headers = Arrays.copyOf(headers, at * 2);
        }
        headers[at] = name;
        headers[at + 1] = value;
        headerCount++;
    }
}
