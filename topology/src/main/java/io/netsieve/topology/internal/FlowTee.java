package io.netsieve.topology.internal;

import io.netsieve.l4.stream.ApplicationHints;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;

/**
 * Wraps L7's handler factories so that the pipeline sees each flow open and close (lifecycle events) and, when a
 * payload hook is set, each in-order TCP byte run and UDP datagram before L7 does. The wrapping handler forwards
 * every call (application hints included) to L7's handler unchanged; it allocates nothing per packet.
 */
public final class FlowTee {
    private FlowTee() {
    }

    /** What the pipeline does with the events; implementations catch their own callbacks' exceptions. */
    public interface Events {
        void flowStart(StreamInfo flow, Transport transport);

        void flowEnd(StreamInfo flow, Transport transport, long timestampNanos);

        /** {@code seq} is the raw TCP seq of the first byte, -1 on UDP. */
        void payload(StreamInfo flow, Transport transport, int direction, ByteBuffer data, int offset, int length,
                     long seq, long timestampNanos);
    }

    public static StreamHandlerFactory streams(StreamHandlerFactory inner, Events events, boolean payload) {
        return info -> {
            StreamHandler h = inner.open(info);
            events.flowStart(info, Transport.TCP);
            return new Stream(h, info, events, payload);
        };
    }

    public static DatagramHandlerFactory datagrams(DatagramHandlerFactory inner, Events events, boolean payload) {
        return info -> {
            DatagramHandler h = inner.open(info);
            events.flowStart(info, Transport.UDP);
            return new Datagrams(h, info, events, payload);
        };
    }

    /** What both wrappers share: the flow, L7's handler (may be null), its hints, and the end event. */
    private abstract static class Tee<H extends ApplicationHints> implements ApplicationHints {
        final H inner;
        final StreamInfo info;
        final Events events;
        final boolean payload;
        private final Transport transport;

        Tee(H inner, StreamInfo info, Events events, boolean payload, Transport transport) {
            this.inner = inner;
            this.info = info;
            this.events = events;
            this.payload = payload;
            this.transport = transport;
        }

        abstract void closeInner(long timestampNanos);

        /**
         * The handler interfaces' {@code onClose} (a class method wins over their defaults): L7's handler closes
         * first (its last records), then the flow's end is told, even if L7 threw.
         */
        public final void onClose(long timestampNanos) {
            try {
                if (inner != null) {
                    closeInner(timestampNanos);
                }
            } finally {
                events.flowEnd(info, transport, timestampNanos);
            }
        }

        @Override
        public int requestDirection() {
            return inner == null ? -1 : inner.requestDirection();
        }

        @Override
        public String applicationProtocol() {
            return inner == null ? null : inner.applicationProtocol();
        }
    }

    private static final class Stream extends Tee<StreamHandler> implements StreamHandler {
        Stream(StreamHandler inner, StreamInfo info, Events events, boolean payload) {
            super(inner, info, events, payload, Transport.TCP);
        }

        @Override
        public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long timestampNanos) {
            if (payload) {
                events.payload(info, Transport.TCP, direction, data, offset, length, seq, timestampNanos);
            }
            if (inner != null) {
                inner.onData(direction, data, offset, length, seq, timestampNanos);
            }
        }

        @Override
        public void onSegment(int direction, long seq, int length, boolean retransmission, int chunkId,
                              long timestampNanos) {
            if (inner != null) {
                inner.onSegment(direction, seq, length, retransmission, chunkId, timestampNanos);
            }
        }

        @Override
        public void onGap(int direction, long seq, long length, long timestampNanos) {
            if (inner != null) {
                inner.onGap(direction, seq, length, timestampNanos);
            }
        }

        @Override
        public void onEnd(int direction, long timestampNanos) {
            if (inner != null) {
                inner.onEnd(direction, timestampNanos);
            }
        }

        @Override
        void closeInner(long timestampNanos) {
            inner.onClose(timestampNanos);
        }
    }

    private static final class Datagrams extends Tee<DatagramHandler> implements DatagramHandler {
        Datagrams(DatagramHandler inner, StreamInfo info, Events events, boolean payload) {
            super(inner, info, events, payload, Transport.UDP);
        }

        @Override
        public void onDatagram(int direction, ByteBuffer data, int offset, int length, int wireLength,
                               long timestampNanos) {
            if (payload) {
                events.payload(info, Transport.UDP, direction, data, offset, length, -1, timestampNanos);
            }
            if (inner != null) {
                inner.onDatagram(direction, data, offset, length, wireLength, timestampNanos);
            }
        }

        @Override
        void closeInner(long timestampNanos) {
            inner.onClose(timestampNanos);
        }
    }
}
