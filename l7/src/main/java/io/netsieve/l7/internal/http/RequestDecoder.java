package io.netsieve.l7.internal.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/** netty's request decoder, driven directly ({@link #step}); flags the smuggling ambiguity netty resolves silently. */
final class RequestDecoder extends HttpRequestDecoder {
    final DecodeStep step = new DecodeStep(this::decode, this::decodeLast);
    boolean chunkedWithContentLength;

    RequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        chunkedWithContentLength = true;
        super.handleTransferEncodingChunkedWithContentLength(message);
    }
}
