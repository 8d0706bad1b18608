package io.netsieve.l7;

import io.netsieve.l4.L4Log;

/**
 * The L4/L7 join of the record model (reference §3, §4): the packet of an {@code L4Log} chunk that carries the first
 * byte of an exchange's request or response ({@code abs_seq <= msg_seq < abs_seq + payload}). The chunk must be one
 * of the exchange's connection ({@link L7Log#innerTraceId()} equal to {@link L4Log#innerTraceId()}) within
 * {@link L7Log#chunkIdMin()}..{@link L7Log#chunkIdMax()}; the side to look in is the one {@code tx_seq}/{@code rx_seq}
 * name. This is where a viewer attaches {@code http_method}/{@code http_path} to a packet series row.
 */
public final class L4Join {
    private L4Join() {
    }

    /** Index in {@code chunk.packets()} of the packet holding the request's first byte, or -1. */
    public static int requestStart(L7Log exchange, L4Log chunk) {
        return start(exchange, chunk, exchange.reqSeq());
    }

    /** Index in {@code chunk.packets()} of the packet holding the response's first byte, or -1. */
    public static int responseStart(L7Log exchange, L4Log chunk) {
        return start(exchange, chunk, exchange.respSeq());
    }

    private static int start(L7Log x, L4Log chunk, long seq) {
        if (seq < 0 || !"tcp".equals(x.l4Proto()) || !x.innerTraceId().equals(chunk.innerTraceId())
                || chunk.chunkId() < x.chunkIdMin() || chunk.chunkId() > x.chunkIdMax()) {
            return -1;
        }
        boolean tx = x.txSeq() == seq;
        int i = chunk.packetAtSeq(tx, seq);
        return i >= 0 && chunk.packets().payloadSize(i) > 0 ? i : -1;
    }
}
