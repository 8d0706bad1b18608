package io.netsieve.core.packet;

/**
 * A UDP header (or the ports of an SCTP common header), filled by {@link PacketDecoder} and reused for every
 * packet; valid until the next decode. Offsets are relative to the start of the frame.
 */
public final class UdpView {
    int headerOffset;
    int srcPort;
    int dstPort;
    int length;
    int checksum;
    int payloadOffset;
    int payloadLength;
    int capturedPayloadLength;

    void reset() {
        headerOffset = srcPort = dstPort = length = checksum = 0;
        payloadOffset = payloadLength = capturedPayloadLength = 0;
    }

    public int headerOffset() { return headerOffset; }
    public int srcPort() { return srcPort; }
    public int dstPort() { return dstPort; }
    /** The UDP length field (0 for SCTP). */
    public int length() { return length; }
    public int checksum() { return checksum; }
    /** Offset of the payload from the frame start. */
    public int payloadOffset() { return payloadOffset; }
    /** Payload length on the wire (from the UDP length, bounded by the IP payload). */
    public int payloadLength() { return payloadLength; }
    /** Payload bytes in the capture. */
    public int capturedPayloadLength() { return capturedPayloadLength; }
}
