package io.netsieve.l4.internal;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.stream.StreamHandler;
import java.nio.ByteBuffer;

/** The two reassembled directions of one connection and its handler; a failing handler is dropped. */
final class TcpStreams {
    private final StreamCounters counters;
    private final int clientSide;
    private final DirectionStream[] dirs = new DirectionStream[2];
    private StreamHandler handler;
    private boolean closed;

    TcpStreams(StreamHandler handler, int clientSide, StreamCounters counters) {
        this.handler = handler;
        this.clientSide = clientSide;
        this.counters = counters;
        dirs[StreamHandler.CLIENT_TO_SERVER] = new DirectionStream(StreamHandler.CLIENT_TO_SERVER, counters);
        dirs[StreamHandler.SERVER_TO_CLIENT] = new DirectionStream(StreamHandler.SERVER_TO_CLIENT, counters);
    }

    /** The handler, or null once it failed or closed. */
    StreamHandler handler() {
        return handler;
    }

    /** The side (0 / 1 of the flow key) the handler was opened with as the client. */
    int clientSide() {
        return clientSide;
    }

    /** The handler failed (threw): it is dropped. */
    void handlerFailed() {
        fail();
    }

    void onPacket(DecodedPacket d, int side, long now) {
        if (closed) {
            return;
        }
        TcpView t = d.tcp();
        int flags = t.flags();
        int dir = DirectionStream.directionOf(side, clientSide);
        int captured = Math.max(0, Math.min(t.capturedPayloadLength(), t.payloadLength()));
        // a RST's payload (diagnostic text) is part of the stream as tshark's follow shows it
        {
            ByteBuffer buf = d.packet().buffer();
            int base = d.packet().offset() + t.payloadOffset();
            dirs[dir].segment(this, t.seq(), (flags & TcpView.SYN) != 0, (flags & TcpView.FIN) != 0, buf, base,
                    captured, t.payloadLength(), now);
        }
        if ((flags & TcpView.ACK) != 0) {
            dirs[1 - dir].acked(this, t.ack(), now);
        }
    }

    /** Tells the handler about the packet's segment (before its bytes are delivered). */
    void segment(DecodedPacket d, int side, boolean retransmission, int chunkId, long now) {
        TcpView t = d.tcp();
        if (closed || handler == null || t.payloadLength() <= 0) {
            return;
        }
        try {
            handler.onSegment(DirectionStream.directionOf(side, clientSide), t.seq(), t.payloadLength(),
                    retransmission, chunkId, now);
        } catch (RuntimeException e) {
            counters.handlerFailures++;
            handler = null;
        }
    }

    void close(long now) {
        if (closed) {
            return;
        }
        dirs[0].close(this, now);
        dirs[1].close(this, now);
        closed = true;
        if (handler != null) {
            try {
                handler.onClose(now);
            } catch (RuntimeException e) {
                counters.handlerFailures++;
            }
            handler = null;
        }
    }

    void data(int direction, ByteBuffer buf, int offset, int length, long seq, long ts) {
        if (handler == null || length <= 0) {
            return;
        }
        try {
            handler.onData(direction, buf, offset, length, seq, ts);
        } catch (RuntimeException e) {
            fail();
        }
    }

    void gap(int direction, long seq, long length, long ts) {
        if (handler == null) {
            return;
        }
        try {
            handler.onGap(direction, seq, length, ts);
        } catch (RuntimeException e) {
            fail();
        }
    }

    void end(int direction, long ts) {
        if (handler == null) {
            return;
        }
        try {
            handler.onEnd(direction, ts);
        } catch (RuntimeException e) {
            fail();
        }
    }

    private void fail() {
        counters.handlerFailures++;
        handler = null;
    }
}
