package io.netsieve.l7.internal.http;

/**
 * What a request head said that its record carries. Immutable: a keep-alive connection that repeats its request
 * gets the same instance for every exchange ({@link MessageHead#request}).
 */
record RequestFields(String method, String path, String query, String version, String host, String userAgent,
                     String contentType, String requestId, String traceId, String parentId) {
    /** No request, or one that could not be read. */
    static final RequestFields NONE = new RequestFields(null, null, null, null, null, null, null, null, null, null);
}
