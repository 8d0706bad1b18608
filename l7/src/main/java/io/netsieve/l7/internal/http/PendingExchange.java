package io.netsieve.l7.internal.http;

import io.netsieve.l7.L7Exchange;

import java.util.Map;

/** One HTTP exchange while it is paired: what the request said, then what the response says. */
final class PendingExchange {
    final L7Exchange exchange = new L7Exchange();
    /** The allowlisted headers of request and response (immutable; null while none). */
    Map<String, String> headers;
    /** What the request said ({@link RequestFields#NONE} without a readable request). */
    RequestFields request = RequestFields.NONE;
    /** The response's version (the record's when the request has none). */
    String responseVersion;
    String responseContentType;
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
