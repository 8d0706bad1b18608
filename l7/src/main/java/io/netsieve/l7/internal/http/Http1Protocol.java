package io.netsieve.l7.internal.http;

import io.netsieve.l7.Detection;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.x over TCP, on any port: a direction that starts with a request method and a space, or with {@code HTTP/1.}
 * (a capture that begins with a response).
 */
public final class Http1Protocol implements L7Protocol {
    public static final Http1Protocol INSTANCE = new Http1Protocol();
    private static final int[] PORTS = {80, 8000, 8080, 8888, 3128};
    static final byte[][] METHODS = tokens("GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
            "TRACE ", "CONNECT ", "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ",
            "REPORT ", "SEARCH ", "PURGE ");
    static final byte[] RESPONSE = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    private Http1Protocol() {
    }

    private static byte[][] tokens(String... s) {
        byte[][] t = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            t[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        }
        return t;
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public boolean supports(Transport transport) {
        return transport == Transport.TCP;
    }

    @Override
    public int[] portHints() {
        return PORTS.clone();
    }

    @Override
    public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
        // either message kind in either direction: without a handshake L4's "client" may be the server
        Detection best = prefix(RESPONSE, data, offset, length);
        if (best == Detection.MATCH) {
            return best;
        }
        for (byte[] m : METHODS) {
            Detection d = prefix(m, data, offset, length);
            if (d == Detection.MATCH) {
                return d;
            }
            if (d == Detection.NEED_MORE) {
                best = d;
            }
        }
        return best;
    }

    /** MATCH when the bytes start with {@code token}, NEED_MORE when they are a proper prefix of it. */
    static Detection prefix(byte[] token, ByteBuffer data, int offset, int length) {
        int n = Math.min(length, token.length);
        for (int i = 0; i < n; i++) {
            if (data.get(offset + i) != token[i]) {
                return Detection.NO_MATCH;
            }
        }
        return length >= token.length ? Detection.MATCH : Detection.NEED_MORE;
    }

    @Override
    public L7Parser newParser(L7Context context) {
        return new Http1Parser(context);
    }
}
