package io.netsieve.core.packet;

/**
 * An IPv4 or IPv6 header (IPv6 with its extension-header chain), filled by {@link PacketDecoder} and reused for
 * every packet; valid until the next decode. Offsets are relative to the start of the frame.
 *
 * <p>Addresses are primitives: IPv4 as an int ({@link #srcV4()}), IPv6 as two longs ({@link #srcHigh()},
 * {@link #srcLow()}); for IPv4 the long accessors return the IPv4-mapped IPv6 form ({@code ::ffff:a.b.c.d}) so a
 * flow key can use the same 128 bits for both versions.
 */
public final class IpView {
    /** IPv6 extension-header types kept for {@link #extensionType(int)}; the chain itself may be longer. */
    public static final int MAX_EXTENSION_HEADERS = 16;
    /**
     * IPv6 extension headers followed at most; one more is {@link MalformedReason#IPV6_EXTENSION_CHAIN_TOO_LONG}.
     * Every header takes at least 8 bytes, so a chain is bounded by the payload anyway; this bounds the work.
     */
    public static final int MAX_EXTENSION_CHAIN = 256;

    int version;
    int headerOffset;
    int headerLength;
    int totalLength;
    boolean lengthFromFrame;
    int protocol;
    int ttl;
    int trafficClass;
    int flowLabel;
    long identification;
    boolean fragment;
    boolean moreFragments;
    boolean dontFragment;
    int fragmentOffset;
    int srcV4;
    int dstV4;
    long srcHigh;
    long srcLow;
    long dstHigh;
    long dstLow;
    int extensionCount;
    final int[] extensionTypes = new int[MAX_EXTENSION_HEADERS];
    int payloadOffset;

    void reset() {
        version = 0;
        headerOffset = headerLength = totalLength = 0;
        lengthFromFrame = false;
        protocol = -1;
        ttl = trafficClass = flowLabel = 0;
        identification = -1;
        fragment = moreFragments = dontFragment = false;
        fragmentOffset = 0;
        srcV4 = dstV4 = 0;
        srcHigh = srcLow = dstHigh = dstLow = 0;
        extensionCount = 0;
        payloadOffset = 0;
    }

    void copyFrom(IpView o) {
        version = o.version;
        headerOffset = o.headerOffset;
        headerLength = o.headerLength;
        totalLength = o.totalLength;
        lengthFromFrame = o.lengthFromFrame;
        protocol = o.protocol;
        ttl = o.ttl;
        trafficClass = o.trafficClass;
        flowLabel = o.flowLabel;
        identification = o.identification;
        fragment = o.fragment;
        moreFragments = o.moreFragments;
        dontFragment = o.dontFragment;
        fragmentOffset = o.fragmentOffset;
        srcV4 = o.srcV4;
        dstV4 = o.dstV4;
        srcHigh = o.srcHigh;
        srcLow = o.srcLow;
        dstHigh = o.dstHigh;
        dstLow = o.dstLow;
        extensionCount = o.extensionCount;
        System.arraycopy(o.extensionTypes, 0, extensionTypes, 0, Math.min(o.extensionCount, MAX_EXTENSION_HEADERS));
        payloadOffset = o.payloadOffset;
    }

    /** 4 or 6 (0 when the packet has no IP layer). */
    public int version() { return version; }
    /** Offset of the IP header from the frame start. */
    public int headerOffset() { return headerOffset; }
    /** IPv4: IHL * 4. IPv6: 40 plus the extension headers that were followed. */
    public int headerLength() { return headerLength; }
    /**
     * IPv4 total length, IPv6 40 + payload length. When an IPv4 header says 0 (segmentation offload on the sending
     * host) the frame's length is used and {@link #lengthFromFrame()} is true.
     */
    public int totalLength() { return totalLength; }
    /** True when {@link #totalLength()} came from the frame rather than the header (TSO, IPv6 jumbogram). */
    public boolean lengthFromFrame() { return lengthFromFrame; }
    /** The upper-layer protocol after the extension chain (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 50 ESP, 59 none…). */
    public int protocol() { return protocol; }
    /** TTL or hop limit. */
    public int ttl() { return ttl; }
    /** IPv4 TOS byte or IPv6 traffic class. */
    public int trafficClass() { return trafficClass; }
    /** IPv6 flow label (0 for IPv4). */
    public int flowLabel() { return flowLabel; }
    /** IPv4 identification, IPv6 fragment-header identification, or -1 (IPv6 without a fragment header). */
    public long identification() { return identification; }
    /** True for any fragment (more-fragments set or a non-zero offset). */
    public boolean isFragment() { return fragment; }
    /** More-fragments flag. */
    public boolean moreFragments() { return moreFragments; }
    /** IPv4 don't-fragment flag. */
    public boolean dontFragment() { return dontFragment; }
    /** Fragment offset in bytes. */
    public int fragmentOffset() { return fragmentOffset; }
    /** IPv4 source address (0 for IPv6). */
    public int srcV4() { return srcV4; }
    /** IPv4 destination address (0 for IPv6). */
    public int dstV4() { return dstV4; }
    /** High 64 bits of the source address (IPv4-mapped for IPv4). */
    public long srcHigh() { return srcHigh; }
    /** Low 64 bits of the source address (IPv4-mapped for IPv4). */
    public long srcLow() { return srcLow; }
    /** High 64 bits of the destination address (IPv4-mapped for IPv4). */
    public long dstHigh() { return dstHigh; }
    /** Low 64 bits of the destination address (IPv4-mapped for IPv4). */
    public long dstLow() { return dstLow; }
    /** Number of IPv6 extension headers followed. */
    public int extensionCount() { return extensionCount; }
    /** Type (next-header value) of extension header {@code i < MAX_EXTENSION_HEADERS}, in chain order. */
    public int extensionType(int i) {
        if (i < 0 || i >= Math.min(extensionCount, MAX_EXTENSION_HEADERS)) {
            throw new IndexOutOfBoundsException("index " + i + " of " + extensionCount);
        }
        return extensionTypes[i];
    }
    /** Offset of the IP payload (after options / extension headers) from the frame start. */
    public int payloadOffset() { return payloadOffset; }
    /** Declared payload length: {@link #totalLength()} minus {@link #headerLength()}. */
    public int payloadLength() { return totalLength - headerLength; }

    /** The source address as text (allocates; for display, not for the hot path). */
    public String srcAddress() { return IpAddressText.of(srcHigh, srcLow); }
    /** The destination address as text (allocates; for display, not for the hot path). */
    public String dstAddress() { return IpAddressText.of(dstHigh, dstLow); }
}
