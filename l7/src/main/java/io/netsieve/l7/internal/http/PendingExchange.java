package io.netsieve.l7.internal.http;

import io.netsieve.l7.L7Exchange;

import java.util.Map;

/** One HTTP exchange while it is paired: what the request said, then what the response says. */
final class PendingExchange {
    final L7Exchange exchange = new L7Exchange();
    /** The allowlisted headers of request and response (immutable; null while none). */
    Map<String, String> headers;
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
}
