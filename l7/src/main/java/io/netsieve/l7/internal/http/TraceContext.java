package io.netsieve.l7.internal.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Trace and parent ids from the first trace header present, in this order: W3C {@code traceparent}, B3 single
 * ({@code b3}), B3 multi ({@code X-B3-TraceId} / {@code X-B3-SpanId}), Jaeger {@code uber-trace-id}, SkyWalking
 * {@code sw8}. Bad values are ignored, never thrown on.
 */
public record TraceContext(String traceId, String parentId) {
    static final TraceContext NONE = new TraceContext(null, null);

    static TraceContext of(HttpHeaders h) {
        return of(h::get);
    }

    /** From header values by lower-case name (HTTP/1 headers, HTTP/2 header blocks). */
    public static TraceContext of(java.util.function.Function<String, String> h) {
        String v = h.apply("traceparent");
        if (v != null) {
            String[] p = v.trim().split("-");
            if (p.length >= 3 && p[1].length() == 32 && p[2].length() == 16) {
                return new TraceContext(p[1], p[2]);
            }
        }
        v = h.apply("b3");
        if (v != null) {
            String[] p = v.trim().split("-");
            if (p.length >= 2) {
                return new TraceContext(p[0], p[1]);
            }
        }
        v = h.apply("x-b3-traceid");
        if (v != null) {
            return new TraceContext(v.trim(), trim(h.apply("x-b3-spanid")));
        }
        v = h.apply("uber-trace-id");
        if (v != null) {
            String[] p = v.trim().split(":");
            if (p.length >= 2) {
                return new TraceContext(p[0], p[1]);
            }
        }
        v = h.apply("sw8");
        if (v != null) {
            // sample-traceId(base64)-segmentId(base64)-spanId-...
            String[] p = v.trim().split("-");
            if (p.length >= 4) {
                String trace = base64(p[1]);
                String segment = base64(p[2]);
                if (trace != null && segment != null) {
                    return new TraceContext(trace, segment + "." + p[3]);
                }
            }
        }
        return NONE;
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    private static String base64(String s) {
        try {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
