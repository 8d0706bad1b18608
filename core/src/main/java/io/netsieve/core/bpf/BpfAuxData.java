package io.netsieve.core.bpf;

/**
 * Per-packet metadata for the Linux ancillary loads ({@code SKF_AD_OFF + SKF_AD_*}) that a program compiled with
 * Linux extensions reads instead of packet bytes: packet type ({@code inbound}/{@code outbound}), interface index,
 * the VLAN tag stripped by the NIC, and so on. Live capture fills one per packet from the SLL header or the
 * socket; files have none, and then every ancillary load makes the filter return 0, as libpcap does without aux
 * data. Mutable and reused: not thread-safe.
 */
public final class BpfAuxData {
    /** {@code SKF_AD_PROTOCOL}: the link-layer protocol (EtherType) in host order. */
    public int protocol;
    /** {@code SKF_AD_PKTTYPE}: PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4. */
    public int packetType;
    /** {@code SKF_AD_IFINDEX}: the interface index. */
    public int ifIndex;
    /** {@code SKF_AD_MARK}. */
    public int mark;
    /** {@code SKF_AD_QUEUE}. */
    public int queue;
    /** {@code SKF_AD_HATYPE}: the ARPHRD_ type of the device. */
    public int hardwareType;
    /** {@code SKF_AD_RXHASH}. */
    public int rxHash;
    /** {@code SKF_AD_CPU}. */
    public int cpu;
    /** {@code SKF_AD_VLAN_TAG}: the TCI of the tag the NIC stripped. */
    public int vlanTag;
    /** {@code SKF_AD_VLAN_TAG_PRESENT}: 1 if the NIC stripped a VLAN tag. */
    public int vlanTagPresent;
    /** {@code SKF_AD_VLAN_TPID}: the TPID of the stripped tag. */
    public int vlanTpid;
    /** {@code SKF_AD_PAY_OFFSET}: offset of the transport payload. */
    public int payloadOffset;

    /** The value of ancillary field {@code ad} ({@code SKF_AD_*}), given the current A and X registers. */
    int load(int ad, int a, int x) {
        switch (ad) {
            case Bpf.SKF_AD_PROTOCOL: return protocol;
            case Bpf.SKF_AD_PKTTYPE: return packetType;
            case Bpf.SKF_AD_IFINDEX: return ifIndex;
            case Bpf.SKF_AD_MARK: return mark;
            case Bpf.SKF_AD_QUEUE: return queue;
            case Bpf.SKF_AD_HATYPE: return hardwareType;
            case Bpf.SKF_AD_RXHASH: return rxHash;
            case Bpf.SKF_AD_CPU: return cpu;
            case Bpf.SKF_AD_ALU_XOR_X: return a ^ x;
            case Bpf.SKF_AD_VLAN_TAG: return vlanTag;
            case Bpf.SKF_AD_VLAN_TAG_PRESENT: return vlanTagPresent;
            case Bpf.SKF_AD_VLAN_TPID: return vlanTpid;
            case Bpf.SKF_AD_PAY_OFFSET: return payloadOffset;
            case Bpf.SKF_AD_RANDOM: return 4; // chosen by a fair dice roll: deterministic, so the JIT can match it
            default: return 0; // NLATTR, NLATTR_NEST need the netlink message: not available here
        }
    }

    /** Static entry for generated code. */
    public static int loadAncillary(BpfAuxData aux, int ad, int a, int x) {
        return aux.load(ad, a, x);
    }
}
