package io.netsieve.core.bpf;

/**
 * Classic BPF opcode constants ({@code <pcap/bpf.h>}, {@code <linux/filter.h>}) and the Linux ancillary offsets.
 * An opcode is {@code class | size | mode} for loads and stores, {@code class | op | src} for ALU and jumps,
 * {@code class | rval} for returns.
 */
public final class Bpf {
    // classes
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06,
            MISC = 0x07;
    // sizes
    public static final int W = 0x00, H = 0x08, B = 0x10;
    // modes
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    // ALU ops
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60,
            RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0;
    // jump ops
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    // sources
    public static final int K = 0x00, X = 0x08;
    /** Return value source: the accumulator ({@code BPF_A}). */
    public static final int A = 0x10;
    // misc ops
    public static final int TAX = 0x00, TXA = 0x80;

    /** Scratch memory words ({@code BPF_MEMWORDS}). */
    public static final int MEMWORDS = 16;
    /** Largest program the Linux kernel accepts ({@code BPF_MAXINSNS}). */
    public static final int MAXINSNS = 4096;

    /** Linux {@code SKF_AD_OFF}: loads at {@code SKF_AD_OFF + SKF_AD_*} read socket-buffer metadata. */
    public static final int SKF_AD_OFF = -0x1000;
    public static final int SKF_AD_PROTOCOL = 0, SKF_AD_PKTTYPE = 4, SKF_AD_IFINDEX = 8, SKF_AD_NLATTR = 12,
            SKF_AD_NLATTR_NEST = 16, SKF_AD_MARK = 20, SKF_AD_QUEUE = 24, SKF_AD_HATYPE = 28, SKF_AD_RXHASH = 32,
            SKF_AD_CPU = 36, SKF_AD_ALU_XOR_X = 40, SKF_AD_VLAN_TAG = 44, SKF_AD_VLAN_TAG_PRESENT = 48,
            SKF_AD_PAY_OFFSET = 52, SKF_AD_RANDOM = 56, SKF_AD_VLAN_TPID = 60, SKF_AD_MAX = 64;

    private Bpf() {
    }

    public static int cls(int code) { return code & 0x07; }

    public static int size(int code) { return code & 0x18; }

    public static int mode(int code) { return code & 0xe0; }

    public static int op(int code) { return code & 0xf0; }

    public static int src(int code) { return code & 0x08; }

    public static int rval(int code) { return code & 0x18; }

    public static int miscop(int code) { return code & 0xf8; }

    /** True for the conditional jumps (JEQ, JGT, JGE, JSET; K or X). */
    public static boolean isConditionalJump(int code) {
        return cls(code) == JMP && op(code) != JA;
    }

    /** True if {@code k} is a Linux ancillary offset the kernel knows ({@code SKF_AD_OFF + SKF_AD_*}). */
    public static boolean isKnownAncillary(int k) {
        int rel = k - SKF_AD_OFF;
        return k < 0 && rel >= 0 && rel < SKF_AD_MAX && (rel & 3) == 0;
    }
}
