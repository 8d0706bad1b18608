package io.netsieve.l7.internal.websocket;

import io.netsieve.l7.Detection;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;

/**
 * WebSocket (RFC 6455) after an HTTP/1.1 {@code 101} with {@code Upgrade: websocket}: never detected by content (its
 * frames have no signature), only handed over by the HTTP/1 parser.
 */
public final class WebSocketProtocol implements L7Protocol {
    public static final WebSocketProtocol INSTANCE = new WebSocketProtocol();

    private WebSocketProtocol() {
    }

    @Override
    public String name() {
        return "websocket";
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
        return new WebSocketParser(context);
    }
}
