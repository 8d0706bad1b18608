package io.netsieve.l4.internal;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.TcpView;

/**
 * The header fields of one TCP segment or UDP datagram that a {@link Connection} accounts: filled from a decoded
 * packet, or from what an {@link OpeningFlow} kept of its first packets when it replays them. A reused scratch
 * object (no allocation per packet).
 */
final class Segment {
    boolean tcp;
    /** TCP flag bits ({@link TcpView#SYN}…), 0 for UDP. */
    int flags;
    long seq;
    long ack;
    /** Payload length on the wire (TCP or UDP). */
    int payload;
    /** Raw window field. */
    int window;
    /** Window-scale option, -1 without one. */
    int windowScale;
    /** Source and destination MAC (low 48 bits), -1 when the link has none. */
    long srcMac;
    long dstMac;

    Segment set(DecodedPacket d) {
        srcMac = d.link().srcMac();
        dstMac = d.link().dstMac();
        tcp = d.transport() == Layer.TCP;
        if (tcp) {
            TcpView t = d.tcp();
            flags = t.flags();
            seq = t.seq();
            ack = t.ack();
            payload = t.payloadLength();
            window = t.window();
            windowScale = t.windowScale();
        } else {
            flags = 0;
            seq = ack = 0;
            payload = d.udp().payloadLength();
            window = 0;
            windowScale = -1;
        }
        return this;
    }
}
