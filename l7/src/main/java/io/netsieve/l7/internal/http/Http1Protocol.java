package io.netsieve.l7.internal.http;

import io.netsieve.l7.Detection;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;

/** HTTP/1.x (placeholder until the parser lands: matches nothing). */
public final class Http1Protocol implements L7Protocol {
    public static final Http1Protocol INSTANCE = new Http1Protocol();

    private Http1Protocol() {
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
    public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
        return Detection.NO_MATCH;
    }

    @Override
    public L7Parser newParser(L7Context context) {
        throw new UnsupportedOperationException();
    }
}
