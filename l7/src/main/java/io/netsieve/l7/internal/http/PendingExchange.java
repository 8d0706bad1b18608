package io.netsieve.l7.internal.http;

import io.netsieve.l7.L7Exchange;

import java.util.Arrays;

/** One HTTP exchange while it is paired: what the request said, then what the response says. */
final class PendingExchange {
    final L7Exchange exchange = new L7Exchange();
    /** The allowlisted headers of request then response: name, value, ... (null until the first). */
    String[] headers;
    int headerCount;
    String method;
    String path;
    String query;
    String version;
    String host;
    String userAgent;
    String requestContentType;
    String responseContentType;
    String traceId;
    String parentId;
    String requestId;
    boolean smuggling;
    boolean requestFailed;
    boolean requestDone;
    boolean hasRequest;
    /** No response came within the timeout: already emitted, kept only to keep responses in order. */
    boolean expired;
    int statusCode;
    String reason;
    int informational;
    long reqHeaderBytes;
    long reqBodyBytes;
    long respHeaderBytes;
    long respBodyBytes;
    boolean responseStarted;

    void addHeaders(MessageHead h) {
        int n = h.headerCount * 2;
        if (n == 0) {
            return;
        }
        int at = headerCount * 2;
        if (headers == null) {
            headers = new String[Math.max(8, n)];
        } else if (at + n > headers.length) {
            headers = Arrays.copyOf(headers, Math.max(headers.length * 2, at + n));
        }
        System.arraycopy(h.headers, 0, headers, at, n);
        headerCount += h.headerCount;
    }
}
