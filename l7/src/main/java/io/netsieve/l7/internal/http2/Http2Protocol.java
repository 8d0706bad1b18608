package io.netsieve.l7.internal.http2;

import io.netsieve.l7.Detection;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** HTTP/2 with prior knowledge (h2c): the client direction starts with the connection preface, any port. */
public final class Http2Protocol implements L7Protocol {
    public static final Http2Protocol INSTANCE = new Http2Protocol();
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private Http2Protocol() {
    }

    @Override
    public String name() {
        return "http2";
    }

    @Override
    public boolean supports(Transport transport) {
        return transport == Transport.TCP;
    }

    @Override
    public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
        if (direction != 0) {
            return Detection.NO_MATCH;
        }
        int n = Math.min(length, PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (data.get(offset + i) != PREFACE[i]) {
                return Detection.NO_MATCH;
            }
        }
        return length >= PREFACE.length ? Detection.MATCH : Detection.NEED_MORE;
    }

    @Override
    public L7Parser newParser(L7Context context) {
        return new Http2Parser(context);
    }
}
