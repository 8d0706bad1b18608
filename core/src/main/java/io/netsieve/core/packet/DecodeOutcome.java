package io.netsieve.core.packet;

/**
 * How decoding one packet ended. Every packet gets exactly one outcome, and {@link DecodeStats} counts each.
 */
public enum DecodeOutcome {
    /**
     * Every header present was complete and consistent. Decoding stopped at a transport header, at a protocol the
     * decoder does not look into (ARP, ESP, an unknown EtherType…), or at a non-first IP fragment.
     */
    DECODED,
    /**
     * The snap length cut the frame inside a header ({@link DecodedPacket#truncatedLayer()}); the layers before it
     * are valid. Not an error of the packet, a property of the capture.
     */
    TRUNCATED,
    /**
     * A header is inconsistent ({@link DecodedPacket#malformedReason()}): too short for its own fields while the
     * frame was captured whole, a length field that points past the frame, a bad IHL or data offset... The layers
     * set in {@link DecodedPacket#layers()} up to the bad one are valid.
     */
    MALFORMED,
    /** The capture's link type is not one the decoder knows ({@link LinkType#isSupported(int)}). */
    UNSUPPORTED_LINK_TYPE
}
