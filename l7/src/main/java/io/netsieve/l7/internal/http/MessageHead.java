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

    /** This request head's fields: {@code last} again when they are the same. */
    RequestFields request(RequestFields last) {
        String traceId = trace.traceId();
        String parentId = trace.parentId();
        if (same(last.method(), method) && same(last.path(), path) && same(last.query(), query)
                && same(last.version(), version) && same(last.host(), host) && same(last.userAgent(), userAgent)
                && same(last.contentType(), contentType) && same(last.requestId(), requestId)
                && same(last.traceId(), traceId) && same(last.parentId(), parentId)) {
            return last;
        }
        return new RequestFields(method, path, query, version, host, userAgent, contentType, requestId, traceId,
                parentId);
    }

    private static boolean same(String a, String b) {
        return a == b || a != null && a.equals(b);
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
