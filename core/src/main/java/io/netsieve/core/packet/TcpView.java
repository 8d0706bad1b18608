package io.netsieve.core.packet;

/**
 * A TCP header with its options, filled by {@link PacketDecoder} and reused for every packet; valid until the next
 * decode. Offsets are relative to the start of the frame. Absent options read as -1 (or false).
 */
public final class TcpView {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;
    /** The ECN nonce bit (historic, RFC 3540), bit 8 of {@link #flags()}. */
    public static final int NS = 0x100;
    /** SACK blocks kept (a 40-byte option space holds at most 4). */
    public static final int MAX_SACK_BLOCKS = 4;

    int headerOffset;
    int srcPort;
    int dstPort;
    long seq;
    long ack;
    int headerLength;
    int flags;
    int window;
    int checksum;
    int urgentPointer;
    int mss;
    int windowScale;
    boolean sackPermitted;
    int sackCount;
    final long[] sackLeft = new long[MAX_SACK_BLOCKS];
    final long[] sackRight = new long[MAX_SACK_BLOCKS];
    long tsVal;
    long tsEcr;
    boolean optionsMalformed;
    int payloadOffset;
    int payloadLength;
    int capturedPayloadLength;

    void reset() {
        headerOffset = srcPort = dstPort = 0;
        seq = ack = 0;
        headerLength = flags = window = checksum = urgentPointer = 0;
        mss = windowScale = -1;
        sackPermitted = false;
        sackCount = 0;
        tsVal = tsEcr = -1;
        optionsMalformed = false;
        payloadOffset = payloadLength = capturedPayloadLength = 0;
    }

    public int headerOffset() { return headerOffset; }
    public int srcPort() { return srcPort; }
    public int dstPort() { return dstPort; }
    /** Sequence number, unsigned 32 bits. */
    public long seq() { return seq; }
    /** Acknowledgment number, unsigned 32 bits. */
    public long ack() { return ack; }
    /** Data offset in bytes (20..60). */
    public int headerLength() { return headerLength; }
    /** Flag bits ({@link #SYN}, {@link #ACK}…, {@link #NS}). */
    public int flags() { return flags; }
    public boolean has(int flag) { return (flags & flag) != 0; }
    /** Window field as sent (not scaled). */
    public int window() { return window; }
    public int checksum() { return checksum; }
    public int urgentPointer() { return urgentPointer; }
    /** MSS option, or -1. */
    public int mss() { return mss; }
    /** Window-scale shift count, or -1. */
    public int windowScale() { return windowScale; }
    public boolean sackPermitted() { return sackPermitted; }
    /** Number of SACK blocks. */
    public int sackCount() { return sackCount; }
    public long sackLeft(int i) { return sackLeft[check(i)]; }
    public long sackRight(int i) { return sackRight[check(i)]; }
    /** True when the timestamps option is present. */
    public boolean hasTimestamps() { return tsVal >= 0; }
    /** TSval, unsigned 32 bits, or -1. */
    public long tsVal() { return tsVal; }
    /** TSecr, unsigned 32 bits, or -1. */
    public long tsEcr() { return tsEcr; }
    /** True when an option had a bad length; options after it were not read. */
    public boolean optionsMalformed() { return optionsMalformed; }
    /** Offset of the TCP payload from the frame start. */
    public int payloadOffset() { return payloadOffset; }
    /** Payload length the IP header implies (the segment's length on the wire). */
    public int payloadLength() { return payloadLength; }
    /** Payload bytes actually in the capture (less than {@link #payloadLength()} when the snap length cut it). */
    public int capturedPayloadLength() { return capturedPayloadLength; }

    private int check(int i) {
        if (i < 0 || i >= sackCount) {
            throw new IndexOutOfBoundsException("index " + i + " of " + sackCount);
        }
        return i;
    }
}
