package io.netsieve.l7.internal.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

import java.util.function.Supplier;

/**
 * netty's response decoder driven directly ({@link #step}), told the method of the request being answered (as netty's
 * {@code HttpClientCodec} does) so that responses to HEAD, and 2xx to CONNECT, are read without a body.
 */
final class ResponseDecoder extends HttpResponseDecoder {
    final DecodeStep step = new DecodeStep(this::decode, this::decodeLast);
    private final Supplier<HttpMethod> answering;

    ResponseDecoder(HttpDecoderConfig config, Supplier<HttpMethod> answering) {
        super(config);
        this.answering = answering;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        HttpMethod method = answering.get();
        if (msg instanceof HttpResponse r) {
            int code = r.status().code();
            if (code >= 200 && code < 300 && HttpMethod.CONNECT.equals(method)) {
                return true;
            }
            if (code >= 200 && HttpMethod.HEAD.equals(method)) {
                return true;
            }
        }
        return super.isContentAlwaysEmpty(msg);
    }
}
