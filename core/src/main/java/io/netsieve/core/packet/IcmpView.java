package io.netsieve.core.packet;

/**
 * An ICMP or ICMPv6 header, filled by {@link PacketDecoder} and reused for every packet; valid until the next decode.
 * For error messages (destination unreachable, time exceeded, packet too big, parameter problem, source quench,
 * redirect) the quoted original IP header and the first bytes of its transport header are decoded too, so the
 * error can be attached to the flow it is about. A quote cut short is normal (routers quote as little as 8 bytes)
 * and is not an error: whatever could not be read is -1.
 */
public final class IcmpView {
    int version;
    int headerOffset;
    int type;
    int code;
    int checksum;
    long restOfHeader;
    boolean error;
    int quotedIpVersion;
    int quotedProtocol;
    long quotedSrcHigh;
    long quotedSrcLow;
    long quotedDstHigh;
    long quotedDstLow;
    int quotedSrcPort;
    int quotedDstPort;
    long quotedTcpSeq;

    void reset() {
        version = headerOffset = type = code = checksum = 0;
        restOfHeader = 0;
        error = false;
        quotedIpVersion = 0;
        quotedProtocol = -1;
        quotedSrcHigh = quotedSrcLow = quotedDstHigh = quotedDstLow = 0;
        quotedSrcPort = quotedDstPort = -1;
        quotedTcpSeq = -1;
    }

    /** 4 for ICMP, 6 for ICMPv6. */
    public int version() { return version; }
    public int headerOffset() { return headerOffset; }
    public int type() { return type; }
    public int code() { return code; }
    public int checksum() { return checksum; }
    /** Bytes 4..7 of the header (echo id/seq, next-hop MTU, pointer…), unsigned. */
    public long restOfHeader() { return restOfHeader; }
    /** Echo identifier (echo request/reply). */
    public int echoId() { return (int) (restOfHeader >>> 16); }
    /** Echo sequence number (echo request/reply). */
    public int echoSequence() { return (int) (restOfHeader & 0xFFFF); }
    /** Next-hop MTU of "fragmentation needed" (ICMP 3/4) or "packet too big" (ICMPv6 2). */
    public long mtu() { return version == 6 ? restOfHeader : restOfHeader & 0xFFFF; }
    /** True for error messages, which quote the packet they are about. */
    public boolean isError() { return error; }
    /** IP version of the quoted packet, or 0 when nothing usable was quoted. */
    public int quotedIpVersion() { return quotedIpVersion; }
    /** Upper-layer protocol of the quoted packet, or -1. */
    public int quotedProtocol() { return quotedProtocol; }
    public long quotedSrcHigh() { return quotedSrcHigh; }
    public long quotedSrcLow() { return quotedSrcLow; }
    public long quotedDstHigh() { return quotedDstHigh; }
    public long quotedDstLow() { return quotedDstLow; }
    /** Quoted TCP/UDP/SCTP source port, or -1. */
    public int quotedSrcPort() { return quotedSrcPort; }
    /** Quoted TCP/UDP/SCTP destination port, or -1. */
    public int quotedDstPort() { return quotedDstPort; }
    /** Quoted TCP sequence number, or -1. */
    public long quotedTcpSeq() { return quotedTcpSeq; }
}
