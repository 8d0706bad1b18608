package io.netsieve.l7.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

import java.util.List;

/**
 * One decode step of netty's request or response decoder driven directly (no channel): decodes what it can from a
 * cumulation buffer we own, so the parser sees how many bytes each message took. netty's decoders never need the
 * context for it. Made by the decoder subclasses from their protected {@code decode} / {@code decodeLast}.
 */
final class DecodeStep {
    /** {@code decode} or {@code decodeLast} of a netty decoder. */
    interface Decode {
        void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception;
    }

    private final Decode decode;
    private final Decode decodeLast;

    DecodeStep(Decode decode, Decode decodeLast) {
        this.decode = decode;
        this.decodeLast = decodeLast;
    }

    /** One step; {@code last} at the connection's end (netty's {@code decodeLast}). */
    void run(ByteBuf in, List<Object> out, boolean last) throws Exception {
        (last ? decodeLast : decode).decode(null, in, out);
    }
}
