package io.netsieve.l7.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

import java.util.List;

/**
 * netty's request decoder driven directly (no channel): {@link #run} decodes what it can from a cumulation buffer we
 * own, so the parser sees how many bytes each message took. Flags the smuggling ambiguity netty resolves silently.
 */
final class RequestDecoder extends HttpRequestDecoder {
    boolean chunkedWithContentLength;

    RequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    /** One decode step; netty's decoder never needs the context for it. */
    void run(ByteBuf in, List<Object> out) throws Exception {
        decode(null, in, out);
    }

    void finish(ByteBuf in, List<Object> out) throws Exception {
        decodeLast(null, in, out);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        chunkedWithContentLength = true;
        super.handleTransferEncodingChunkedWithContentLength(message);
    }
}
