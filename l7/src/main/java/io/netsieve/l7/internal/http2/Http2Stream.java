package io.netsieve.l7.internal.http2;

import io.netsieve.l7.L7Exchange;

import java.util.HashMap;
import java.util.Map;

/** One HTTP/2 stream while it is paired: request and response headers, sizes, how it ended. */
final class Http2Stream {
    final int id;
    final L7Exchange exchange = new L7Exchange();
    final Map<String, String> headers = new HashMap<>();
    final Map<String, String> attributes = new HashMap<>();
    String method;
    String path;
    String query;
    String authority;
    String userAgent;
    String contentType;
    String traceId;
    String parentId;
    String requestId;
    int status;
    int informational;
    long reqHeaderBytes;
    long reqBodyBytes;
    long respHeaderBytes;
    long respBodyBytes;
    boolean requestSeen;
    boolean responseSeen;

    Http2Stream(int id) {
        this.id = id;
    }
}
