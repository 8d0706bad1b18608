package io.netsieve.l7;

import java.util.Map;

/**
 * The HTTP/1.x fields of an {@link L7Log}. Strings are null when absent.
 *
 * @param method           {@code http_method}
 * @param path             {@code http_path}: the request target without its query
 * @param query            the query (after {@code ?}), or null
 * @param version          e.g. {@code HTTP/1.1} (the request's; the response's when there is no request)
 * @param host             the {@code Host} header
 * @param statusCode       {@code http_status_code}: the final response's code; -1 request unparsable, -2 response
 *                         unparsable, 0 no response
 * @param reason           the response's reason phrase
 * @param informational    1xx responses seen before the final one
 * @param reqHeaderBytes   request line and headers, bytes
 * @param reqBodyBytes     request body bytes (decoded chunk payload for chunked bodies)
 * @param respHeaderBytes  status line and headers, bytes
 * @param respBodyBytes    response body bytes
 * @param contentType      the response's {@code Content-Type} (the request's when there is no response)
 * @param userAgent        {@code User-Agent}
 * @param traceId          {@code trace_id} from {@code traceparent}, B3 ({@code b3} or {@code X-B3-TraceId}),
 *                         {@code uber-trace-id} or {@code sw8}
 * @param parentId         {@code parent_id} (span id of the caller) from the same header
 * @param requestId        {@code x-request-id}
 * @param headers          the allowlisted headers (lower-case names) of request and response; {@code authorization},
 *                         {@code proxy-authorization}, {@code cookie} and {@code set-cookie} are never stored
 * @param smuggling        the request had an ambiguous length ({@code Content-Length} with
 *                         {@code Transfer-Encoding}, or two different {@code Content-Length}s)
 */
public record HttpInfo(String method, String path, String query, String version, String host, int statusCode,
                       String reason, int informational, long reqHeaderBytes, long reqBodyBytes,
                       long respHeaderBytes, long respBodyBytes, String contentType, String userAgent,
                       String traceId, String parentId, String requestId, Map<String, String> headers,
                       boolean smuggling) {

    public HttpInfo {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
