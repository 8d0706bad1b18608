package io.netsieve.l7;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * L7 limits. Defaults:
 * <ul>
 *   <li>{@code responseTimeout} 10 s of packet time: a request with no response by then is emitted as
 *       {@link L7Status#NO_RESPONSE} (also at connection end)</li>
 *   <li>{@code detectionMaxBytes} 1024: bytes of a direction buffered while no protocol can decide; then undetected</li>
 *   <li>{@code maxPendingPerConnection} 256: requests waiting for a response per connection; the oldest is dropped and
 *       counted beyond it</li>
 *   <li>{@code httpMaxInitialLineLength} 8192, {@code httpMaxHeaderBytes} 65536: a longer request/status line or
 *       header block is unparsable (-1/-2)</li>
 *   <li>{@code httpMaxChunkSize} 65536: most body bytes held at once (bodies are counted, never stored)</li>
 *   <li>{@code httpHeaderAllowlist}: {@code host}, {@code user-agent}, {@code content-type}, {@code content-length},
 *       {@code x-forwarded-for}, {@code x-request-id}, {@code x-real-ip}, {@code traceparent}, {@code grpc-status};
 *       {@code authorization}, {@code proxy-authorization}, {@code cookie}, {@code set-cookie} are refused</li>
 *   <li>{@code http1Decoder} {@link Http1Decoder#SCANNER}: HTTP/1 message heads are read by netsieve's own scanner,
 *       and anything it does not accept with certainty by netty's decoders; {@link Http1Decoder#NETTY} reads every
 *       message with netty's decoders (the reference: both give the same records)</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class L7Config {
    /** Headers never stored, whatever the allowlist says (reference §4). */
    public static final Set<String> REDACTED = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");

    private static final Set<String> DEFAULT_ALLOWLIST = Set.of("host", "user-agent", "content-type",
            "content-length", "x-forwarded-for", "x-request-id", "x-real-ip", "traceparent", "grpc-status");

    private final long responseTimeoutNanos;
    private final int detectionMaxBytes;
    private final int maxPendingPerConnection;
    private final int httpMaxInitialLineLength;
    private final int httpMaxHeaderBytes;
    private final int httpMaxChunkSize;
    private final Set<String> httpHeaderAllowlist;
    private final Http1Decoder http1Decoder;

    /** How HTTP/1.x messages are decoded; both give the same records. */
    public enum Http1Decoder {
        /**
         * netsieve's head scanner (start line, the headers the record needs, Content-Length framing) in the stream
         * bytes; netty's decoders for every message it does not accept with certainty (chunked and close-delimited
         * bodies, 1xx, odd syntax, limits, malformed input). The default.
         */
        SCANNER,
        /** netty's {@code HttpRequestDecoder} / {@code HttpResponseDecoder} for every message (the reference). */
        NETTY
    }

    private L7Config(Builder b) {
        responseTimeoutNanos = b.responseTimeout != null ? b.responseTimeout.toNanos() : 10_000_000_000L;
        detectionMaxBytes = b.detectionMaxBytes > 0 ? b.detectionMaxBytes : 1024;
        maxPendingPerConnection = b.maxPending > 0 ? b.maxPending : 256;
        httpMaxInitialLineLength = b.maxInitialLine > 0 ? b.maxInitialLine : 8192;
        httpMaxHeaderBytes = b.maxHeaderBytes > 0 ? b.maxHeaderBytes : 65536;
        httpMaxChunkSize = b.maxChunkSize > 0 ? b.maxChunkSize : 65536;
        httpHeaderAllowlist = b.allowlist != null ? b.allowlist : DEFAULT_ALLOWLIST;
        http1Decoder = b.http1Decoder != null ? b.http1Decoder : Http1Decoder.SCANNER;
    }

    public static L7Config defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public long responseTimeoutNanos() { return responseTimeoutNanos; }
    public int detectionMaxBytes() { return detectionMaxBytes; }
    public int maxPendingPerConnection() { return maxPendingPerConnection; }
    public int httpMaxInitialLineLength() { return httpMaxInitialLineLength; }
    public int httpMaxHeaderBytes() { return httpMaxHeaderBytes; }
    public int httpMaxChunkSize() { return httpMaxChunkSize; }
    /** Lower-case header names recorded in {@link HttpInfo#headers()}. */
    public Set<String> httpHeaderAllowlist() { return httpHeaderAllowlist; }
    /** How HTTP/1.x messages are decoded (default {@link Http1Decoder#SCANNER}). */
    public Http1Decoder http1Decoder() { return http1Decoder; }

    /** Builder; every setter may be called at most once. */
    public static final class Builder {
        private Duration responseTimeout;
        private int detectionMaxBytes;
        private int maxPending;
        private int maxInitialLine;
        private int maxHeaderBytes;
        private int maxChunkSize;
        private Set<String> allowlist;
        private Http1Decoder http1Decoder;

        private Builder() {
        }

        public Builder responseTimeout(Duration timeout) {
            once(responseTimeout == null, "responseTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("responseTimeout must be positive: " + timeout);
            }
            responseTimeout = timeout;
            return this;
        }

        public Builder detectionMaxBytes(int bytes) {
            once(detectionMaxBytes == 0, "detectionMaxBytes");
            detectionMaxBytes = positive(bytes, "detectionMaxBytes");
            return this;
        }

        public Builder maxPendingPerConnection(int requests) {
            once(maxPending == 0, "maxPendingPerConnection");
            maxPending = positive(requests, "maxPendingPerConnection");
            return this;
        }

        public Builder httpMaxInitialLineLength(int bytes) {
            once(maxInitialLine == 0, "httpMaxInitialLineLength");
            maxInitialLine = positive(bytes, "httpMaxInitialLineLength");
            return this;
        }

        public Builder httpMaxHeaderBytes(int bytes) {
            once(maxHeaderBytes == 0, "httpMaxHeaderBytes");
            maxHeaderBytes = positive(bytes, "httpMaxHeaderBytes");
            return this;
        }

        public Builder httpMaxChunkSize(int bytes) {
            once(maxChunkSize == 0, "httpMaxChunkSize");
            maxChunkSize = positive(bytes, "httpMaxChunkSize");
            return this;
        }

        /** Header names to record (case-insensitive); the {@link #REDACTED} ones are refused. */
        public Builder httpHeaderAllowlist(Set<String> names) {
            once(allowlist == null, "httpHeaderAllowlist");
            Set<String> lower = new TreeSet<>();
            for (String n : names) {
                String l = Objects.requireNonNull(n, "header name").toLowerCase(Locale.ROOT);
                if (REDACTED.contains(l)) {
                    throw new IllegalArgumentException(l + " is never recorded (reference §4)");
                }
                lower.add(l);
            }
            allowlist = Set.copyOf(lower);
            return this;
        }

        /** How HTTP/1.x messages are decoded; {@link Http1Decoder#NETTY} is the reference for the default. */
        public Builder http1Decoder(Http1Decoder decoder) {
            once(http1Decoder == null, "http1Decoder");
            http1Decoder = Objects.requireNonNull(decoder, "decoder");
            return this;
        }

        public L7Config build() {
            return new L7Config(this);
        }

        private static void once(boolean unset, String name) {
            if (!unset) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        private static int positive(int v, String name) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + v);
            }
            return v;
        }
    }
}
