package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.packet.LinkType;

/**
 * Code generation for the pcap-filter language: builds the control-flow graph of {@link Block}s that libpcap's
 * {@code gencode.c} builds for the same expression, so that the unoptimised program is libpcap's instruction for
 * instruction. Supports the link types netsieve decodes (EN10MB, RAW, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, NULL,
 * LOOP) plus the PPP and Ethernet headers that {@code pppoes}, {@code vxlan} and {@code geneve} switch to.
 *
 * <p>The block/edge-list representation, the order in which sub-expressions are generated and the scratch
 * register allocation follow libpcap exactly, because the layout of the final program depends on all three.
 * One instance compiles one expression; not thread-safe.
 */
public final class CodeGen {
    static final int OFFSET_NOT_SET = -1;
    static final int PROTO_UNDEF = -1;
    static final int ETHERMTU = 1500;

    // EtherTypes
    static final int ETHERTYPE_IP = 0x0800, ETHERTYPE_ARP = 0x0806, ETHERTYPE_REVARP = 0x8035,
            ETHERTYPE_IPV6 = 0x86dd, ETHERTYPE_8021Q = 0x8100, ETHERTYPE_8021AD = 0x88a8,
            ETHERTYPE_8021QINQ = 0x9100, ETHERTYPE_MPLS = 0x8847, ETHERTYPE_PPPOED = 0x8863,
            ETHERTYPE_PPPOES = 0x8864, ETHERTYPE_ATALK = 0x809b, ETHERTYPE_AARP = 0x80f3, ETHERTYPE_DN = 0x6003,
            ETHERTYPE_LAT = 0x6004, ETHERTYPE_SCA = 0x6007, ETHERTYPE_MOPDL = 0x6001, ETHERTYPE_MOPRC = 0x6002,
            ETHERTYPE_IPX = 0x8137, ETHERTYPE_TEB = 0x6558, ETHERTYPE_NS = 0x0600;
    // LLC SAPs
    static final int LLCSAP_IP = 0x06, LLCSAP_ISONS = 0xfe, LLCSAP_NETBEUI = 0xf0, LLCSAP_IPX = 0xe0,
            LLCSAP_8021D = 0x42, LLCSAP_SNAP = 0xaa;
    static final int LINUX_SLL_P_802_3 = 0x0001, LINUX_SLL_P_802_2 = 0x0004, LINUX_SLL_OUTGOING = 4;
    // PPP protocols
    static final int PPP_IP = 0x0021, PPP_IPV6 = 0x0057, PPP_DECNET = 0x0027, PPP_APPLE = 0x0029,
            PPP_NS = 0x0025, PPP_OSI = 0x0023, PPP_BRPDU = 0x0031, PPP_IPX = 0x002b;
    // IP protocols
    static final int IPPROTO_ICMP = 1, IPPROTO_IGMP = 2, IPPROTO_TCP = 6, IPPROTO_IGRP = 9, IPPROTO_UDP = 17,
            IPPROTO_ROUTING = 43, IPPROTO_FRAGMENT = 44, IPPROTO_ESP = 50, IPPROTO_AH = 51, IPPROTO_ICMPV6 = 58,
            IPPROTO_NONE = 59, IPPROTO_DSTOPTS = 60, IPPROTO_PIM = 103, IPPROTO_VRRP = 112, IPPROTO_SCTP = 132,
            IPPROTO_HOPOPTS = 0;
    static final int ISO8473_CLNP = 0x81, ISO9542_ESIS = 0x82, ISO10589_ISIS = 0x83;
    static final int DLT_PPP = 9;
    // link types the compiler supports beyond the decoder's (filters only)
    public static final int DLT_SLIP = 8, DLT_C_HDLC = 104, DLT_ARCNET_LINUX = 129, DLT_MTP2 = 140,
            DLT_BACNET_MS_TP = 165, DLT_DSA_TAG_BRCM = 281, DLT_DSA_TAG_DSA = 284;
    // the 802.11 family: bare 802.11, and 802.11 behind a Prism, radiotap, AVS or PPI radio header
    public static final int DLT_IEEE802_11 = 105, DLT_PRISM_HEADER = 119, DLT_IEEE802_11_RADIO = 127,
            DLT_IEEE802_11_RADIO_AVS = 163, DLT_PPI = 192;
    // 802.11 frame control: type and subtype bits of the first byte, direction bits of the second
    static final int FC0_TYPE_MASK = 0x0c, FC0_SUBTYPE_MASK = 0xf0, FC0_TYPE_CTL = 0x04, FC0_TYPE_DATA = 0x08,
            FC0_SUBTYPE_QOS = 0x80, FC0_SUBTYPE_CTS = 0xc0, FC0_SUBTYPE_ACK = 0xd0, FC1_DIR_MASK = 0x03,
            FC1_DIR_TODS = 0x01, FC1_DIR_FROMDS = 0x02, FC1_DIR_DSTODS = 0x03;
    private int offLi = OFFSET_NOT_SET, offLiHsl = OFFSET_NOT_SET, offSio = OFFSET_NOT_SET,
            offOpc = OFFSET_NOT_SET, offDpc = OFFSET_NOT_SET, offSls = OFFSET_NOT_SET;

    /** Static behaviour of one compilation. */
    public record Options(int linkType, int snaplen, int netmask, boolean netmaskKnown, boolean linuxExtensions,
                          boolean savefile, boolean savefileSwapped) {
    }

    private static final class AbsOffset {
        boolean isVariable;
        int constantPart;
        int reg = -1;

        AbsOffset copy() {
            AbsOffset o = new AbsOffset();
            o.isVariable = isVariable;
            o.constantPart = constantPart;
            o.reg = reg;
            return o;
        }
    }

    private final Options options;
    int linktype;
    private int prevlinktype;
    private final int outermostlinktype;
    private AbsOffset offLinkhdr = new AbsOffset();
    private AbsOffset offPrevlinkhdr = new AbsOffset();
    private AbsOffset offOutermostlinkhdr = new AbsOffset();
    private AbsOffset offLinkpl = new AbsOffset();
    private AbsOffset offLinktype = new AbsOffset();
    private int offNl;
    private int offNlNosnap;
    private boolean isEncap;
    private boolean isVlanVloffset;
    private int labelStackDepth;
    private int vlanStackDepth;
    private final boolean[] regused = new boolean[Bpf.MEMWORDS];
    private int curreg;
    /** Set by constructs whose code the optimiser must not touch (protochain, Geneve). */
    public boolean noOptimize;

    public CodeGen(Options options) {
        this.options = options;
        int lt = canonical(options.linkType());
        this.outermostlinktype = lt;
        this.linktype = lt;
        this.prevlinktype = lt;
        switch (lt) {
            case LinkType.ETHERNET:
                offLinktype.constantPart = 12;
                offLinkpl.constantPart = 14;
                offNl = 0;
                offNlNosnap = 3;
                break;
            case LinkType.NULL:
            case LinkType.LOOP:
                offLinktype.constantPart = 0;
                offLinkpl.constantPart = 4;
                break;
            case LinkType.RAW:
            case LinkType.IPV4:
            case LinkType.IPV6:
                offLinktype.constantPart = OFFSET_NOT_SET;
                offLinkpl.constantPart = 0;
                break;
            case LinkType.LINUX_SLL:
                offLinktype.constantPart = 14;
                offLinkpl.constantPart = 16;
                break;
            case LinkType.LINUX_SLL2:
                offLinktype.constantPart = 0;
                offLinkpl.constantPart = 20;
                break;
            case DLT_SLIP:
                offLinktype.constantPart = OFFSET_NOT_SET;
                offLinkpl.constantPart = 16;
                break;
            case DLT_C_HDLC:
                offLinktype.constantPart = 2;
                offLinkpl.constantPart = 4;
                break;
            case DLT_ARCNET_LINUX:
                offLinktype.constantPart = 4;
                offLinkpl.constantPart = 8;
                break;
            case DLT_DSA_TAG_BRCM:
            case DLT_DSA_TAG_DSA:
                offLinktype.constantPart = 16;
                offLinkpl.constantPart = 18;
                offNl = 0;
                offNlNosnap = 3;
                break;
            case DLT_MTP2:
                offLi = 2;
                offLiHsl = 4;
                offSio = 3;
                offOpc = 4;
                offDpc = 4;
                offSls = 7;
                offLinktype.constantPart = OFFSET_NOT_SET;
                offLinkpl.constantPart = OFFSET_NOT_SET;
                offNl = OFFSET_NOT_SET;
                offNlNosnap = OFFSET_NOT_SET;
                break;
            case DLT_BACNET_MS_TP:
                offLinktype.constantPart = OFFSET_NOT_SET;
                offLinkpl.constantPart = OFFSET_NOT_SET;
                offNl = OFFSET_NOT_SET;
                offNlNosnap = OFFSET_NOT_SET;
                break;
            case DLT_PRISM_HEADER:
            case DLT_IEEE802_11_RADIO_AVS:
            case DLT_IEEE802_11_RADIO:
            case DLT_PPI:
                // a radio header of run-time length precedes the 802.11 header
                offLinkhdr.isVariable = true;
                // fall through
            case DLT_IEEE802_11:
                // no type field: "linktype" is where the LLC header of a data frame without QoS starts; the
                // payload offset (802.11 header length) is computed at run time
                offLinktype.constantPart = 24;
                offLinkpl.constantPart = 0;
                offLinkpl.isVariable = true;
                offNl = 8;
                offNlNosnap = 3;
                break;
            default:
                throw new CompileError("unknown data link type " + options.linkType());
        }
        offOutermostlinkhdr = offLinkhdr.copy();
        offPrevlinkhdr = offLinkhdr.copy();
    }

    /** DLT_RAW has two numeric aliases; LINKTYPE_RAW is the canonical one. */
    static int canonical(int linkType) {
        return linkType == LinkType.DLT_RAW_12 || linkType == LinkType.DLT_RAW_14 ? LinkType.RAW : linkType;
    }

    // ---------------------------------------------------------------- errors

    static CompileError error(String message) {
        return new CompileError(message);
    }

    static String dltString(int lt) {
        switch (lt) {
            case LinkType.ETHERNET: return "DLT_EN10MB (Ethernet)";
            case LinkType.RAW: return "DLT_RAW (Raw IP)";
            case LinkType.IPV4: return "DLT_IPV4 (Raw IPv4)";
            case LinkType.IPV6: return "DLT_IPV6 (Raw IPv6)";
            case LinkType.LINUX_SLL: return "DLT_LINUX_SLL (Linux cooked v1)";
            case LinkType.LINUX_SLL2: return "DLT_LINUX_SLL2 (Linux cooked v2)";
            case LinkType.NULL: return "DLT_NULL (BSD loopback)";
            case LinkType.LOOP: return "DLT_LOOP (OpenBSD loopback)";
            case DLT_PPP: return "DLT_PPP (PPP)";
            case DLT_SLIP: return "DLT_SLIP (SLIP)";
            case DLT_C_HDLC: return "DLT_C_HDLC (Cisco HDLC)";
            case DLT_ARCNET_LINUX: return "DLT_ARCNET_LINUX (Linux ARCNET)";
            case DLT_MTP2: return "DLT_MTP2 (SS7 MTP2)";
            case DLT_BACNET_MS_TP: return "DLT_BACNET_MS_TP (BACnet MS/TP)";
            case DLT_DSA_TAG_BRCM: return "DLT_DSA_TAG_BRCM (Broadcom tag)";
            case DLT_DSA_TAG_DSA: return "DLT_DSA_TAG_DSA (Marvell DSA)";
            case DLT_IEEE802_11: return "DLT_IEEE802_11 (802.11)";
            case DLT_PRISM_HEADER: return "DLT_PRISM_HEADER (802.11 plus Prism header)";
            case DLT_IEEE802_11_RADIO: return "DLT_IEEE802_11_RADIO (802.11 plus radiotap header)";
            case DLT_IEEE802_11_RADIO_AVS: return "DLT_IEEE802_11_RADIO_AVS (802.11 plus AVS radio header)";
            case DLT_PPI: return "DLT_PPI (Per-Packet Information)";
            default: return "DLT " + lt;
        }
    }

    CompileError failKeywordOnDlt(String keyword) {
        return error("'" + keyword + "' not supported on " + dltString(linktype));
    }

    static void assertMaxval(String name, long val, long max) {
        if (Integer.toUnsignedLong((int) val) > max) {
            throw error(name + " " + Integer.toUnsignedString((int) val) + " greater than maximum " + max);
        }
    }

    static CompileError invalidQual(String qual, String context) {
        return error("'" + qual + "' is not a valid qualifier for '" + context + "'");
    }

    // ---------------------------------------------------------------- blocks and edges

    private static Block newBlock(int code) {
        return new Block(code, 0);
    }

    static Block jmpK(int jtype, int v, Stmt stmts) {
        Block b = new Block(Bpf.JMP | jtype | Bpf.K, v);
        b.stmts = stmts;
        return b;
    }

    static Block jmpX(int jtype, Stmt stmts) {
        Block b = new Block(Bpf.JMP | jtype | Bpf.X, 0);
        b.stmts = stmts;
        return b;
    }

    static Block retblk(int v) {
        return new Block(Bpf.RET | Bpf.K, v);
    }

    private static void backpatch(Block list, Block target) {
        while (list != null) {
            Block next;
            if (!list.sense) {
                next = list.jt;
                list.jt = target;
            } else {
                next = list.jf;
                list.jf = target;
            }
            list = next;
        }
    }

    private static void merge(Block b0, Block b1) {
        // walk the list of unresolved edges to its end
        Block p = b0;
        while (true) {
            Block next = !p.sense ? p.jt : p.jf;
            if (next == null) {
                if (!p.sense) {
                    p.jt = b1;
                } else {
                    p.jf = b1;
                }
                return;
            }
            p = next;
        }
    }

    public static Block and(Block b0, Block b1) {
        if (b0.meaning == Block.IS_FALSE) {
            return b0;
        }
        if (b1.meaning == Block.IS_FALSE) {
            return b1;
        }
        if (b0.meaning == Block.IS_TRUE) {
            return b1;
        }
        if (b1.meaning == Block.IS_TRUE) {
            return b0;
        }
        backpatch(b0, b1.head);
        b0.sense = !b0.sense;
        b1.sense = !b1.sense;
        merge(b1, b0);
        b1.sense = !b1.sense;
        b1.head = b0.head;
        return b1;
    }

    public static Block or(Block b0, Block b1) {
        if (b0.meaning == Block.IS_FALSE) {
            return b1;
        }
        if (b1.meaning == Block.IS_FALSE) {
            return b0;
        }
        if (b0.meaning == Block.IS_TRUE) {
            return b0;
        }
        if (b1.meaning == Block.IS_TRUE) {
            return b1;
        }
        b0.sense = !b0.sense;
        backpatch(b0, b1.head);
        b0.sense = !b0.sense;
        merge(b1, b0);
        b1.head = b0.head;
        return b1;
    }

    public static Block not(Block b) {
        b.sense = !b.sense;
        if (b.meaning == Block.IS_TRUE) {
            b.meaning = Block.IS_FALSE;
        } else if (b.meaning == Block.IS_FALSE) {
            b.meaning = Block.IS_TRUE;
        }
        return b;
    }

    /** Closes the expression: variable-offset preamble, then the two return blocks. Returns the root. */
    public Block finish(Block p) {
        insertComputeVloffsets(p.head);
        if (linktype == DLT_PPI) {
            // only PPI records that carry 802.11 (the DLT field, little-endian, at byte 4) can match
            p = and(cmp(OffRel.PACKET, 4, Bpf.W, Integer.reverseBytes(DLT_IEEE802_11)), p);
        }
        backpatch(p, retblk(options.snaplen()));
        p.sense = !p.sense;
        backpatch(p, retblk(0));
        return p.head;
    }

    private static Block sprependToBlock(Stmt s, Block b) {
        if (s != null) {
            if (b.stmts != null) {
                Stmt.append(s, b.stmts);
            }
            b.stmts = s;
            b.meaning = Block.UNCERTAIN;
        }
        return b;
    }

    Block uncond(boolean rsense) {
        Stmt s = new Stmt(Bpf.LD | Bpf.IMM, rsense ? 0 : 1);
        Block b = jmpK(Bpf.JEQ, 0, s);
        b.meaning = rsense ? Block.IS_TRUE : Block.IS_FALSE;
        return b;
    }

    Block genTrue() {
        return uncond(true);
    }

    Block genFalse() {
        return uncond(false);
    }

    // ---------------------------------------------------------------- loads and comparisons

    enum OffRel { PACKET, LINKHDR, PREVLINKHDR, LLC, PREVMPLSHDR, LINKTYPE, LINKPL, LINKPL_NOSNAP, TRAN_IPV4, TRAN_IPV6 }

    Block cmp(OffRel rel, int offset, int size, int v) {
        return ncmp(rel, offset, size, 0xffffffff, Bpf.JEQ, false, v);
    }

    Block cmpGt(OffRel rel, int offset, int size, int v) {
        return ncmp(rel, offset, size, 0xffffffff, Bpf.JGT, false, v);
    }

    Block cmpGe(OffRel rel, int offset, int size, int v) {
        return ncmp(rel, offset, size, 0xffffffff, Bpf.JGE, false, v);
    }

    Block cmpLt(OffRel rel, int offset, int size, int v) {
        return ncmp(rel, offset, size, 0xffffffff, Bpf.JGE, true, v);
    }

    Block cmpLe(OffRel rel, int offset, int size, int v) {
        return ncmp(rel, offset, size, 0xffffffff, Bpf.JGT, true, v);
    }

    Block cmpNe(OffRel rel, int offset, int size, int v) {
        return ncmp(rel, offset, size, 0xffffffff, Bpf.JEQ, true, v);
    }

    Block mcmp(OffRel rel, int offset, int size, int v, int mask) {
        if (mask == 0) {
            return v != 0 ? genFalse() : genTrue();
        }
        return ncmp(rel, offset, size, mask, Bpf.JEQ, false, v);
    }

    Block mcmpNe(OffRel rel, int offset, int size, int v, int mask) {
        return ncmp(rel, offset, size, mask, Bpf.JEQ, true, v);
    }

    Block bcmp(OffRel rel, int offset, int size, byte[] v) {
        Block b = null;
        while (size >= 4) {
            int p = size - 4;
            int word = ((v[p] & 0xff) << 24) | ((v[p + 1] & 0xff) << 16) | ((v[p + 2] & 0xff) << 8) | (v[p + 3] & 0xff);
            Block tmp = cmp(rel, offset + size - 4, Bpf.W, word);
            b = b != null ? and(b, tmp) : tmp;
            size -= 4;
        }
        while (size >= 2) {
            int p = size - 2;
            Block tmp = cmp(rel, offset + size - 2, Bpf.H, ((v[p] & 0xff) << 8) | (v[p + 1] & 0xff));
            b = b != null ? and(b, tmp) : tmp;
            size -= 2;
        }
        if (size > 0) {
            Block tmp = cmp(rel, offset, Bpf.B, v[0] & 0xff);
            b = b != null ? and(b, tmp) : tmp;
        }
        return b;
    }

    Block ncmp(OffRel rel, int offset, int size, int mask, int jtype, boolean reverse, int v) {
        Stmt s = loadA(rel, offset, size);
        if (mask != 0xffffffff) {
            Stmt.append(s, new Stmt(Bpf.ALU | Bpf.AND | Bpf.K, mask));
        }
        Block b = jmpK(jtype, v, s);
        return reverse ? not(b) : b;
    }

    private Stmt loadAbsOffsetRel(Stmt s, int offset, int size) {
        if (s != null) {
            Stmt.append(s, new Stmt(Bpf.LD | Bpf.IND | size, offset));
            return s;
        }
        return new Stmt(Bpf.LD | Bpf.ABS | size, offset);
    }

    private Stmt loadAbsOffsetArthRel(Stmt varpart, int constpart, Arth arth, int size) {
        if (varpart == null) {
            varpart = xferToX(arth);
        } else {
            Stmt.append(varpart, xferToA(arth));
            Stmt.append(varpart, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.X, 0));
            Stmt.append(varpart, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        }
        return loadAbsOffsetRel(varpart, constpart, size);
    }

    Stmt loadA(OffRel rel, int offset, int size) {
        Stmt s = null;
        switch (rel) {
            case PACKET:
                break;
            case LINKHDR:
                s = absOffsetVarpart(offLinkhdr);
                offset += offLinkhdr.constantPart;
                break;
            case PREVLINKHDR:
                s = absOffsetVarpart(offPrevlinkhdr);
                offset += offPrevlinkhdr.constantPart;
                break;
            case LLC:
                s = absOffsetVarpart(offLinkpl);
                offset += offLinkpl.constantPart;
                break;
            case PREVMPLSHDR:
                s = absOffsetVarpart(offLinkpl);
                offset += offLinkpl.constantPart + offNl - 4;
                break;
            case LINKPL:
                s = absOffsetVarpart(offLinkpl);
                offset += offLinkpl.constantPart + offNl;
                break;
            case LINKPL_NOSNAP:
                s = absOffsetVarpart(offLinkpl);
                offset += offLinkpl.constantPart + offNlNosnap;
                break;
            case LINKTYPE:
                s = absOffsetVarpart(offLinktype);
                offset += offLinktype.constantPart;
                break;
            case TRAN_IPV4:
                s = loadxIphdrlen();
                offset += offLinkpl.constantPart + offNl;
                break;
            case TRAN_IPV6:
                s = absOffsetVarpart(offLinkpl);
                offset += offLinkpl.constantPart + offNl + 40;
                break;
            default:
                break;
        }
        return loadAbsOffsetRel(s, offset, size);
    }

    private Stmt loadxIphdrlen() {
        Stmt s = absOffsetVarpart(offLinkpl);
        if (s != null) {
            Stmt.append(s, new Stmt(Bpf.LD | Bpf.IND | Bpf.B, offLinkpl.constantPart + offNl));
            Stmt.append(s, new Stmt(Bpf.ALU | Bpf.AND | Bpf.K, 0xf));
            Stmt.append(s, new Stmt(Bpf.ALU | Bpf.LSH | Bpf.K, 2));
            Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.X, 0));
            Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        } else {
            s = new Stmt(Bpf.LDX | Bpf.MSH | Bpf.B, offLinkpl.constantPart + offNl);
        }
        return s;
    }

    private Stmt absOffsetVarpart(AbsOffset off) {
        if (off.isVariable) {
            if (off.reg == -1) {
                off.reg = allocReg();
            }
            return new Stmt(Bpf.LDX | Bpf.MEM, off.reg);
        }
        return null;
    }

    static boolean is80211(int lt) {
        return lt == DLT_IEEE802_11 || lt == DLT_PRISM_HEADER || lt == DLT_IEEE802_11_RADIO
                || lt == DLT_IEEE802_11_RADIO_AVS || lt == DLT_PPI;
    }

    /**
     * The preamble of the program: the radio header length into the link header's register, then the 802.11
     * header length into the payload's register. As in libpcap this looks at the registers of the offsets in
     * force at the end of the expression (after {@code geneve} those are the inner ones).
     */
    private void insertComputeVloffsets(Block b) {
        if (offLinkpl.reg != -1 && offLinkhdr.isVariable && offLinkhdr.reg == -1) {
            offLinkhdr.reg = allocReg();
        }
        Stmt s = null;
        switch (outermostlinktype) {
            case DLT_PRISM_HEADER:
                s = prismPrefixLength();
                break;
            case DLT_IEEE802_11_RADIO_AVS:
                s = avsPrefixLength();
                break;
            case DLT_IEEE802_11_RADIO:
            case DLT_PPI:
                s = littleEndianLengthAt2();
                break;
            default:
                break;
        }
        if (is80211(outermostlinktype)) {
            s = ieee80211HeaderLength(s, b.stmts);
        }
        if (s == null && isVlanVloffset) {
            if (offLinkpl.reg == -1) {
                offLinkpl.reg = allocReg();
            }
            if (offLinktype.reg == -1) {
                offLinktype.reg = allocReg();
            }
            s = new Stmt(Bpf.LD | Bpf.W | Bpf.IMM, 0);
            Stmt.append(s, new Stmt(Bpf.ST, offLinkpl.reg));
            Stmt.append(s, new Stmt(Bpf.ST, offLinktype.reg));
        }
        sprependToBlock(s, b);
    }

    /** Prism or AVS (Linux drivers use either): AVS if the masked cookie says so, else Prism's fixed 144. */
    private Stmt prismPrefixLength() {
        noOptimize = true; // libpcap disables the optimiser for every Prism program
        if (offLinkhdr.reg == -1) {
            return null;
        }
        Stmt s = new Stmt(Bpf.LD | Bpf.W | Bpf.ABS, 0);
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.AND | Bpf.K, 0xfffff000));
        Stmt isAvs = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x80211000);
        Stmt.append(s, isAvs);
        Stmt avsLength = new Stmt(Bpf.LD | Bpf.W | Bpf.ABS, 4);
        Stmt.append(s, avsLength);
        isAvs.jt = avsLength;
        Stmt skip = new Stmt(Bpf.JMP | Bpf.JA, 1);
        Stmt.append(s, skip);
        Stmt prismLength = new Stmt(Bpf.LD | Bpf.W | Bpf.IMM, 144);
        Stmt.append(s, prismLength);
        isAvs.jf = prismLength;
        Stmt store = new Stmt(Bpf.ST, offLinkhdr.reg);
        Stmt.append(s, store);
        skip.jf = store;
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        return s;
    }

    /** AVS: big-endian header length at byte 4. */
    private Stmt avsPrefixLength() {
        if (offLinkhdr.reg == -1) {
            return null;
        }
        Stmt s = new Stmt(Bpf.LD | Bpf.W | Bpf.ABS, 4);
        Stmt.append(s, new Stmt(Bpf.ST, offLinkhdr.reg));
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        return s;
    }

    /** Radiotap and PPI: little-endian 16-bit header length at byte 2, assembled a byte at a time. */
    private Stmt littleEndianLengthAt2() {
        if (offLinkhdr.reg == -1) {
            return null;
        }
        Stmt s = new Stmt(Bpf.LD | Bpf.B | Bpf.ABS, 3);
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.LSH | Bpf.K, 8));
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        Stmt.append(s, new Stmt(Bpf.LD | Bpf.B | Bpf.ABS, 2));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.OR | Bpf.X, 0));
        Stmt.append(s, new Stmt(Bpf.ST, offLinkhdr.reg));
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        return s;
    }

    /**
     * The offset of the 802.11 payload (the LLC header) into the payload's register: link header offset + 24,
     * + 2 for a QoS data frame, rounded up to 4 when radiotap says the driver padded the header. {@code prefix}
     * leaves the link header offset in X (null: it is constant). Jumps inside the list go on to {@code next}.
     */
    private Stmt ieee80211HeaderLength(Stmt prefix, Stmt next) {
        if (offLinkpl.reg == -1) {
            return prefix;
        }
        noOptimize = true; // statement-level jumps
        int reg = offLinkpl.reg;
        Stmt s = prefix != null ? prefix : new Stmt(Bpf.LDX | Bpf.IMM, offOutermostlinkhdr.constantPart);
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TXA, 0));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 24));
        Stmt.append(s, new Stmt(Bpf.ST, reg));
        Stmt.append(s, new Stmt(Bpf.LD | Bpf.IND | Bpf.B, 0));
        Stmt typeBit3 = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, FC0_TYPE_DATA);
        Stmt.append(s, typeBit3);
        Stmt typeBit2 = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, FC0_TYPE_CTL);
        Stmt.append(s, typeBit2);
        typeBit3.jt = typeBit2;
        typeBit3.jf = next;
        Stmt qos = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, FC0_SUBTYPE_QOS);
        Stmt.append(s, qos);
        typeBit2.jt = next;
        typeBit2.jf = qos;
        Stmt plus2 = new Stmt(Bpf.LD | Bpf.MEM, reg);
        Stmt.append(s, plus2);
        qos.jt = plus2;
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 2));
        Stmt.append(s, new Stmt(Bpf.ST, reg));
        if (linktype != DLT_IEEE802_11_RADIO) {
            qos.jf = next;
            return s;
        }
        // radiotap fields are little-endian: the constants are byte-swapped. Only the first presence word is
        // looked at (no extension bit), as libpcap does.
        Stmt present = new Stmt(Bpf.LD | Bpf.W | Bpf.ABS, 4);
        Stmt.append(s, present);
        qos.jf = present;
        Stmt flagsPresent = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, Integer.reverseBytes(0x00000002));
        Stmt.append(s, flagsPresent);
        flagsPresent.jf = next;
        Stmt extPresent = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, Integer.reverseBytes(0x80000000));
        Stmt.append(s, extPresent);
        flagsPresent.jt = extPresent;
        extPresent.jt = next;
        Stmt tsftPresent = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, Integer.reverseBytes(0x00000001));
        Stmt.append(s, tsftPresent);
        extPresent.jf = tsftPresent;
        Stmt flagsAfterTsft = new Stmt(Bpf.LD | Bpf.B | Bpf.ABS, 16);
        Stmt.append(s, flagsAfterTsft);
        tsftPresent.jt = flagsAfterTsft;
        Stmt padAfterTsft = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, 0x20);
        Stmt.append(s, padAfterTsft);
        Stmt flagsNoTsft = new Stmt(Bpf.LD | Bpf.B | Bpf.ABS, 8);
        Stmt.append(s, flagsNoTsft);
        tsftPresent.jf = flagsNoTsft;
        Stmt padNoTsft = new Stmt(Bpf.JMP | Bpf.JSET | Bpf.K, 0x20);
        Stmt.append(s, padNoTsft);
        Stmt roundUp = new Stmt(Bpf.LD | Bpf.MEM, reg);
        Stmt.append(s, roundUp);
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 3));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.AND | Bpf.K, ~3));
        Stmt.append(s, new Stmt(Bpf.ST, reg));
        padAfterTsft.jt = roundUp;
        padAfterTsft.jf = next;
        padNoTsft.jt = roundUp;
        padNoTsft.jf = next;
        return s;
    }

    // ---------------------------------------------------------------- registers

    int allocReg() {
        int n = Bpf.MEMWORDS;
        while (--n >= 0) {
            if (regused[curreg]) {
                curreg = (curreg + 1) % Bpf.MEMWORDS;
            } else {
                regused[curreg] = true;
                return curreg;
            }
        }
        throw error("too many registers needed to evaluate expression");
    }

    void freeReg(int n) {
        regused[n] = false;
    }

    // ---------------------------------------------------------------- link types

    private Block etherLinktype(int llProto) {
        Block b0;
        Block b1;
        switch (llProto) {
            case LLCSAP_ISONS:
            case LLCSAP_IP:
            case LLCSAP_NETBEUI:
                b0 = cmpLe(OffRel.LINKTYPE, 0, Bpf.H, ETHERMTU);
                b1 = cmp(OffRel.LLC, 0, Bpf.H, (llProto << 8) | llProto);
                return and(b0, b1);
            case LLCSAP_IPX:
                b0 = cmp(OffRel.LLC, 0, Bpf.B, LLCSAP_IPX);
                b1 = cmp(OffRel.LLC, 0, Bpf.H, 0xffff);
                b1 = or(b0, b1);
                b0 = snap(0x000000, ETHERTYPE_IPX);
                b1 = or(b0, b1);
                b0 = cmpLe(OffRel.LINKTYPE, 0, Bpf.H, ETHERMTU);
                b1 = and(b0, b1);
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, ETHERTYPE_IPX);
                return or(b0, b1);
            case ETHERTYPE_ATALK:
            case ETHERTYPE_AARP:
                b0 = cmpLe(OffRel.LINKTYPE, 0, Bpf.H, ETHERMTU);
                b1 = llProto == ETHERTYPE_ATALK ? snap(0x080007, ETHERTYPE_ATALK) : snap(0x000000, ETHERTYPE_AARP);
                b1 = and(b0, b1);
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, llProto);
                return or(b0, b1);
            default:
                if (Integer.compareUnsigned(llProto, ETHERMTU) <= 0) {
                    assertMaxval("LLC DSAP", llProto, 255);
                    b0 = cmpLe(OffRel.LINKTYPE, 0, Bpf.H, ETHERMTU);
                    b1 = cmp(OffRel.LINKTYPE, 2, Bpf.B, llProto);
                    return and(b0, b1);
                }
                assertMaxval("EtherType", llProto, 0xffff);
                return cmp(OffRel.LINKTYPE, 0, Bpf.H, llProto);
        }
    }

    /**
     * NULL carries the AF_ value in the writer's byte order. Live (this little-endian host): htonl of the value.
     * From a savefile both byte orders are matched, the other one first, as libpcap does.
     */
    private Block loopbackLinktype(int llProto) {
        if (linktype == LinkType.NULL && options.savefile()) {
            int actual = options.savefileSwapped() ? llProto : Integer.reverseBytes(llProto);
            return cmp(OffRel.LINKHDR, 0, Bpf.W, actual);
        }
        if (linktype == LinkType.NULL) {
            llProto = Integer.reverseBytes(llProto); // htonl on a little-endian host
        }
        return cmp(OffRel.LINKHDR, 0, Bpf.W, llProto);
    }

    private Block loopbackLinktypeOtherOrder(int llProto) {
        int other = options.savefileSwapped() ? Integer.reverseBytes(llProto) : llProto;
        return cmp(OffRel.LINKHDR, 0, Bpf.W, other);
    }

    private Block loopbackGroup(int llProto, boolean otherOrder) {
        java.util.function.IntFunction<Block> g = otherOrder ? this::loopbackLinktypeOtherOrder
                : this::loopbackLinktype;
        if (llProto == ETHERTYPE_IP) {
            return g.apply(2);
        }
        Block b0 = g.apply(24);
        Block b1 = g.apply(28);
        b1 = or(b0, b1);
        b0 = g.apply(30);
        return or(b0, b1);
    }

    private Block linuxSllLinktype(int llProto) {
        Block b0;
        Block b1;
        switch (llProto) {
            case LLCSAP_ISONS:
            case LLCSAP_IP:
            case LLCSAP_NETBEUI:
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, LINUX_SLL_P_802_2);
                b1 = cmp(OffRel.LLC, 0, Bpf.H, (llProto << 8) | llProto);
                return and(b0, b1);
            case LLCSAP_IPX:
                b0 = cmp(OffRel.LLC, 0, Bpf.B, LLCSAP_IPX);
                b1 = snap(0x000000, ETHERTYPE_IPX);
                b1 = or(b0, b1);
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, LINUX_SLL_P_802_2);
                b1 = and(b0, b1);
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, LINUX_SLL_P_802_3);
                b1 = or(b0, b1);
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, ETHERTYPE_IPX);
                return or(b0, b1);
            case ETHERTYPE_ATALK:
            case ETHERTYPE_AARP:
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, LINUX_SLL_P_802_2);
                b1 = llProto == ETHERTYPE_ATALK ? snap(0x080007, ETHERTYPE_ATALK) : snap(0x000000, ETHERTYPE_AARP);
                b1 = and(b0, b1);
                b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, llProto);
                return or(b0, b1);
            default:
                if (Integer.compareUnsigned(llProto, ETHERMTU) <= 0) {
                    assertMaxval("LLC DSAP", llProto, 255);
                    b0 = cmp(OffRel.LINKTYPE, 0, Bpf.H, LINUX_SLL_P_802_2);
                    b1 = cmp(OffRel.LINKHDR, offLinkpl.constantPart, Bpf.B, llProto);
                    return and(b0, b1);
                }
                assertMaxval("EtherType", llProto, 0xffff);
                return cmp(OffRel.LINKTYPE, 0, Bpf.H, llProto);
        }
    }

    private Block snap(int orgcode, int ptype) {
        byte[] snapblock = {
                (byte) LLCSAP_SNAP, (byte) LLCSAP_SNAP, 0x03, (byte) (orgcode >> 16), (byte) (orgcode >> 8),
                (byte) orgcode, (byte) (ptype >> 8), (byte) ptype};
        return bcmp(OffRel.LLC, 0, 8, snapblock);
    }

    private Block ipVersion(OffRel rel, int ver) {
        return mcmp(rel, 0, Bpf.B, ver << 4, 0xf0);
    }

    private int ethertypeToPpptype(int llProto) {
        switch (llProto) {
            case ETHERTYPE_IP: return PPP_IP;
            case ETHERTYPE_IPV6: return PPP_IPV6;
            case ETHERTYPE_DN: return PPP_DECNET;
            case ETHERTYPE_ATALK: return PPP_APPLE;
            case ETHERTYPE_NS: return PPP_NS;
            case LLCSAP_ISONS: return PPP_OSI;
            case LLCSAP_8021D: return PPP_BRPDU;
            case LLCSAP_IPX: return PPP_IPX;
            default:
                assertMaxval("PPP protocol", llProto, 0xffff);
                return llProto;
        }
    }

    Block linktype(int llProto) {
        if (labelStackDepth > 0) {
            return mplsLinktype(llProto);
        }
        switch (linktype) {
            case LinkType.ETHERNET:
            case DLT_DSA_TAG_BRCM:
            case DLT_DSA_TAG_DSA:
                return etherLinktype(llProto);
            case DLT_C_HDLC:
                assertMaxval("HDLC protocol", llProto, 0xffff);
                return cmp(OffRel.LINKTYPE, 0, Bpf.H, llProto == LLCSAP_ISONS ? (LLCSAP_ISONS << 8) | LLCSAP_ISONS
                        : llProto);
            case DLT_SLIP:
                if (llProto == ETHERTYPE_IP) {
                    return ipVersion(OffRel.LINKHDR, 4);
                }
                if (llProto == ETHERTYPE_IPV6) {
                    return ipVersion(OffRel.LINKHDR, 6);
                }
                return genFalse();
            case DLT_ARCNET_LINUX:
                switch (llProto) {
                    case ETHERTYPE_IPV6: return cmp(OffRel.LINKTYPE, 0, Bpf.B, 0xc4);
                    case ETHERTYPE_IP: return cmp(OffRel.LINKTYPE, 0, Bpf.B, 212);
                    case ETHERTYPE_ARP: return cmp(OffRel.LINKTYPE, 0, Bpf.B, 213);
                    case ETHERTYPE_REVARP: return cmp(OffRel.LINKTYPE, 0, Bpf.B, 214);
                    case ETHERTYPE_ATALK: return cmp(OffRel.LINKTYPE, 0, Bpf.B, 221);
                    default: return genFalse();
                }
            case LinkType.LINUX_SLL:
                return linuxSllLinktype(llProto);
            case LinkType.RAW:
                if (llProto == ETHERTYPE_IP) {
                    return ipVersion(OffRel.LINKHDR, 4);
                }
                if (llProto == ETHERTYPE_IPV6) {
                    return ipVersion(OffRel.LINKHDR, 6);
                }
                return genFalse();
            case LinkType.IPV4:
                return llProto == ETHERTYPE_IP ? genTrue() : genFalse();
            case LinkType.IPV6:
                return llProto == ETHERTYPE_IPV6 ? genTrue() : genFalse();
            case DLT_PPP:
                return cmp(OffRel.LINKTYPE, 0, Bpf.H, ethertypeToPpptype(llProto));
            case DLT_IEEE802_11:
            case DLT_PRISM_HEADER:
            case DLT_IEEE802_11_RADIO_AVS:
            case DLT_IEEE802_11_RADIO:
            case DLT_PPI: {
                // only data frames carry LLC
                Block b0 = mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_TYPE_DATA, FC0_TYPE_MASK);
                return and(b0, llcLinktype(llProto));
            }
            case LinkType.NULL:
            case LinkType.LOOP:
                if (llProto != ETHERTYPE_IP && llProto != ETHERTYPE_IPV6) {
                    return genFalse();
                }
                if (linktype == LinkType.NULL && options.savefile()) {
                    return or(loopbackGroup(llProto, true), loopbackGroup(llProto, false));
                }
                if (llProto == ETHERTYPE_IP) {
                    return loopbackLinktype(2);
                }
                if (options.savefile()) {
                    return loopbackGroup(llProto, false);
                }
                return loopbackLinktype(10); // AF_INET6 on Linux
            default:
                if (offLinktype.constantPart != OFFSET_NOT_SET) {
                    assertMaxval("EtherType", llProto, 0xffff);
                    return cmp(OffRel.LINKTYPE, 0, Bpf.H, llProto);
                }
                throw error("link-layer type filtering not implemented for " + dltString(linktype));
        }
    }

    /** The protocol in an 802.2 LLC header (SNAP's EtherType assumed to be at its usual place). */
    private Block llcLinktype(int llProto) {
        switch (llProto) {
            case LLCSAP_IP:
            case LLCSAP_ISONS:
            case LLCSAP_NETBEUI:
                return cmp(OffRel.LLC, 0, Bpf.H, (llProto << 8) | llProto);
            case LLCSAP_IPX:
                return cmp(OffRel.LLC, 0, Bpf.B, LLCSAP_IPX);
            case ETHERTYPE_ATALK:
                return snap(0x080007, ETHERTYPE_ATALK);
            default:
                if (Integer.compareUnsigned(llProto, ETHERMTU) <= 0) {
                    assertMaxval("LLC DSAP", llProto, 255);
                    return cmp(OffRel.LLC, 0, Bpf.B, llProto);
                }
                assertMaxval("EtherType", llProto, 0xffff);
                return cmp(OffRel.LLC, 6, Bpf.H, llProto);
        }
    }

    private Block justAfterMplsStack() {
        return jmpK(Bpf.JSET, 0x01, loadA(OffRel.PREVMPLSHDR, 2, Bpf.B));
    }

    private Block mplsLinktype(int llProto) {
        switch (llProto) {
            case ETHERTYPE_IP:
                return and(justAfterMplsStack(), ipVersion(OffRel.LINKPL, 4));
            case ETHERTYPE_IPV6:
                return and(justAfterMplsStack(), ipVersion(OffRel.LINKPL, 6));
            default:
                throw error("unsupported protocol over mpls");
        }
    }

    private Block prevlinkhdrCheck() {
        if (isEncap) {
            return encapLlCheck();
        }
        return null;
    }

    private Block encapLlCheck() {
        Stmt s = new Stmt(Bpf.LD | Bpf.MEM, offLinkhdr.reg);
        Stmt.append(s, new Stmt(Bpf.LDX | Bpf.MEM, offLinkpl.reg));
        return not(jmpX(Bpf.JEQ, s));
    }

    // ---------------------------------------------------------------- hosts, nets

    private Block hostop(int addr, int mask, int dir, int srcOff, int dstOff) {
        int offset;
        switch (dir) {
            case Q.SRC:
                offset = srcOff;
                break;
            case Q.DST:
                offset = dstOff;
                break;
            case Q.AND:
                return and(hostop(addr, mask, Q.SRC, srcOff, dstOff), hostop(addr, mask, Q.DST, srcOff, dstOff));
            case Q.DEFAULT:
            case Q.OR:
                return or(hostop(addr, mask, Q.SRC, srcOff, dstOff), hostop(addr, mask, Q.DST, srcOff, dstOff));
            default:
                throw error("'" + Q.dirKeyword(dir) + "' is valid for 802.11 syntax only");
        }
        return mcmp(OffRel.LINKPL, offset, Bpf.W, addr, mask);
    }

    private Block hostop6(int[] a, int[] m, int dir) {
        int offset;
        switch (dir) {
            case Q.SRC:
                offset = 8;
                break;
            case Q.DST:
                offset = 24;
                break;
            case Q.AND:
                return and(hostop6(a, m, Q.SRC), hostop6(a, m, Q.DST));
            case Q.DEFAULT:
            case Q.OR:
                return or(hostop6(a, m, Q.SRC), hostop6(a, m, Q.DST));
            default:
                throw error("'" + Q.dirKeyword(dir) + "' is valid for 802.11 syntax only");
        }
        Block b1 = genTrue();
        for (int i = 3; i >= 0; i--) {
            Block b0 = mcmp(OffRel.LINKPL, offset + 4 * i, Bpf.W, a[i], m[i]);
            b1 = and(b0, b1);
        }
        return b1;
    }

    Block host(int[] a, int[] m, int proto, int dir, boolean negate, String context) {
        Block b0;
        Block b1;
        int llproto;
        int srcOff;
        int dstOff;
        switch (proto) {
            case Q.DEFAULT:
                b0 = host(a, m, Q.IP, dir, negate, context);
                if (labelStackDepth == 0) {
                    b1 = host(a, m, Q.ARP, dir, negate, context);
                    b1 = or(b0, b1);
                    b0 = host(a, m, Q.RARP, dir, negate, context);
                    b0 = or(b1, b0);
                }
                return b0;
            case Q.IP:
                llproto = ETHERTYPE_IP;
                srcOff = 12;
                dstOff = 16;
                break;
            case Q.RARP:
                llproto = ETHERTYPE_REVARP;
                srcOff = 14;
                dstOff = 24;
                break;
            case Q.ARP:
                llproto = ETHERTYPE_ARP;
                srcOff = 14;
                dstOff = 24;
                break;
            default:
                throw invalidQual(Q.protoKeyword(proto), context);
        }
        b0 = linktype(llproto);
        if (b0.meaning == Block.IS_FALSE) {
            return b0;
        }
        b1 = genFalse();
        for (int i = 0; i < a.length; i++) {
            b1 = or(b1, hostop(a[i], m[i], dir, srcOff, dstOff));
        }
        return and(b0, negate ? not(b1) : b1);
    }

    Block host6(int[][] a, int[][] m, int proto, int dir, boolean negate, String context) {
        if (proto != Q.DEFAULT && proto != Q.IPV6) {
            throw invalidQual(Q.protoKeyword(proto), context);
        }
        Block linkproto = linktype(ETHERTYPE_IPV6);
        Block host = genFalse();
        for (int i = 0; i < a.length; i++) {
            host = or(host, hostop6(a[i], m[i], dir));
        }
        return and(linkproto, negate ? not(host) : host);
    }

    Block mac48host(byte[] eaddr, int dir, String keyword) {
        Block b1 = null;
        int srcOff;
        int dstOff;
        if (linktype == LinkType.ETHERNET || linktype == DLT_DSA_TAG_BRCM || linktype == DLT_DSA_TAG_DSA) {
            b1 = prevlinkhdrCheck();
            srcOff = 6;
            dstOff = 0;
        } else if (is80211(linktype)) {
            return wlanhostop(eaddr, dir);
        } else {
            throw failKeywordOnDlt(keyword);
        }
        Block b0;
        switch (dir) {
            case Q.SRC:
                b0 = bcmp(OffRel.LINKHDR, srcOff, 6, eaddr);
                break;
            case Q.DST:
                b0 = bcmp(OffRel.LINKHDR, dstOff, 6, eaddr);
                break;
            case Q.AND: {
                Block tmp = bcmp(OffRel.LINKHDR, srcOff, 6, eaddr);
                b0 = and(tmp, bcmp(OffRel.LINKHDR, dstOff, 6, eaddr));
                break;
            }
            case Q.DEFAULT:
            case Q.OR: {
                Block tmp = bcmp(OffRel.LINKHDR, srcOff, 6, eaddr);
                b0 = or(tmp, bcmp(OffRel.LINKHDR, dstOff, 6, eaddr));
                break;
            }
            default:
                throw error("'" + Q.dirKeyword(dir) + "' is valid for 802.11 syntax only");
        }
        return b1 != null ? and(b1, b0) : b0;
    }

    private Block fcJset(int offset, int bits) {
        return jmpK(Bpf.JSET, bits, loadA(OffRel.LINKHDR, offset, Bpf.B));
    }

    /**
     * {@code test(offset)} for the address that plays {@code dir}'s role in an 802.11 header, whose position
     * depends on the frame type and the DS bits: a header's source address is addr2 unless the frame comes
     * from the DS (addr3) or goes DS to DS (addr4); its destination is addr1 unless it goes to the DS (addr3).
     * Control frames have neither.
     */
    private Block wlanAddrop(java.util.function.IntFunction<Block> test, int dir) {
        Block b0;
        switch (dir) {
            case Q.SRC: {
                // data frames from the DS: addr4 if also to the DS, else addr3
                Block tods = fcJset(1, FC1_DIR_TODS);
                b0 = elseTest(tods, test.apply(24), 1, FC1_DIR_TODS, test, 16);
                // other data frames: addr2
                b0 = elseTest(fcJset(1, FC1_DIR_FROMDS), b0, 1, FC1_DIR_FROMDS, test, 10);
                // management frames: addr2
                return dataElseManagement(b0, test, 10);
            }
            case Q.DST: {
                Block tods = fcJset(1, FC1_DIR_TODS);
                b0 = elseTest(tods, test.apply(16), 1, FC1_DIR_TODS, test, 4);
                return dataElseManagement(b0, test, 4);
            }
            case Q.AND:
                return and(wlanAddrop(test, Q.SRC), wlanAddrop(test, Q.DST));
            case Q.DEFAULT:
            case Q.OR:
                return or(wlanAddrop(test, Q.SRC), wlanAddrop(test, Q.DST));
            default:
                throw error("internal error: 802.11 direction " + dir);
        }
    }

    /**
     * {@code then} where the frame control bits {@code bits} of byte {@code off} are set ({@code set} tests them),
     * else {@code test(elseOff)}; {@code set} and {@code then} are made by the caller, in libpcap's order.
     */
    private Block elseTest(Block set, Block then, int off, int bits, java.util.function.IntFunction<Block> test,
                           int elseOff) {
        Block b0 = and(set, then);
        Block b2 = not(fcJset(off, bits));
        Block b1 = test.apply(elseOff);
        b1 = and(b2, b1);
        return or(b1, b0);
    }

    /** {@code data} in data frames, {@code test(managementOff)} in management frames, nothing in control frames. */
    private Block dataElseManagement(Block data, java.util.function.IntFunction<Block> test, int managementOff) {
        Block b0 = elseTest(fcJset(0, FC0_TYPE_DATA), data, 0, FC0_TYPE_DATA, test, managementOff);
        Block b1 = not(fcJset(0, FC0_TYPE_CTL));
        return and(b1, b0);
    }

    /** A MAC address in an 802.11 header: {@code src}/{@code dst} by role, or a field ({@code addr1}…, ra, ta). */
    private Block wlanhostop(byte[] eaddr, int dir) {
        Block b0;
        Block b1;
        Block b2;
        switch (dir) {
            case Q.RA:
                // as libpcap: only data frames are looked at
                b1 = fcJset(0, FC0_TYPE_DATA);
                b0 = bcmp(OffRel.LINKHDR, 4, 6, eaddr);
                return and(b1, b0);
            case Q.TA:
                b0 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_TYPE_CTL, FC0_TYPE_MASK));
                b1 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_SUBTYPE_CTS, FC0_SUBTYPE_MASK));
                b2 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_SUBTYPE_ACK, FC0_SUBTYPE_MASK));
                b2 = and(b1, b2);
                b2 = or(b0, b2);
                b1 = fcJset(0, FC0_TYPE_DATA);
                b2 = and(b1, b2);
                return and(b2, bcmp(OffRel.LINKHDR, 10, 6, eaddr));
            case Q.ADDR1:
                return bcmp(OffRel.LINKHDR, 4, 6, eaddr);
            case Q.ADDR2:
                // not in CTS and ACK control frames
                b0 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_TYPE_CTL, FC0_TYPE_MASK));
                b1 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_SUBTYPE_CTS, FC0_SUBTYPE_MASK));
                b2 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_SUBTYPE_ACK, FC0_SUBTYPE_MASK));
                b2 = and(b1, b2);
                b2 = or(b0, b2);
                return and(b2, bcmp(OffRel.LINKHDR, 10, 6, eaddr));
            case Q.ADDR3:
                // not in control frames
                b0 = not(mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_TYPE_CTL, FC0_TYPE_MASK));
                return and(b0, bcmp(OffRel.LINKHDR, 16, 6, eaddr));
            case Q.ADDR4:
                // only in DS-to-DS frames
                b0 = mcmp(OffRel.LINKHDR, 1, Bpf.B, FC1_DIR_DSTODS, FC1_DIR_MASK);
                return and(b0, bcmp(OffRel.LINKHDR, 24, 6, eaddr));
            default:
                return wlanAddrop(off -> bcmp(OffRel.LINKHDR, off, 6, eaddr), dir);
        }
    }

    /** {@code type …}, {@code subtype …}: the frame control's type/subtype bits under {@code mask}. */
    public Block p80211Type(int type, int mask) {
        if (!is80211(linktype)) {
            throw error("802.11 link-layer types supported only on 802.11");
        }
        return mcmp(OffRel.LINKHDR, 0, Bpf.B, type, mask);
    }

    /** {@code dir …}: the frame control's DS bits. */
    public Block p80211Fcdir(int fcdir) {
        if (!is80211(linktype)) {
            throw error("frame direction supported only with 802.11 headers");
        }
        return mcmp(OffRel.LINKHDR, 1, Bpf.B, fcdir, FC1_DIR_MASK);
    }

    // ---------------------------------------------------------------- protocols

    static int pqToIpproto(int pqual) {
        switch (pqual) {
            case Q.AH: return IPPROTO_AH;
            case Q.CARP: return IPPROTO_VRRP;
            case Q.ESP: return IPPROTO_ESP;
            case Q.ICMP: return IPPROTO_ICMP;
            case Q.ICMPV6: return IPPROTO_ICMPV6;
            case Q.IGMP: return IPPROTO_IGMP;
            case Q.IGRP: return IPPROTO_IGRP;
            case Q.PIM: return IPPROTO_PIM;
            case Q.SCTP: return IPPROTO_SCTP;
            case Q.TCP: return IPPROTO_TCP;
            case Q.UDP: return IPPROTO_UDP;
            case Q.VRRP: return IPPROTO_VRRP;
            default: throw error("Proto qualifier '" + Q.protoKeyword(pqual) + "' has no IP protocol");
        }
    }

    static int pqToEthertype(int pqual) {
        switch (pqual) {
            case Q.AARP: return ETHERTYPE_AARP;
            case Q.ARP: return ETHERTYPE_ARP;
            case Q.ATALK: return ETHERTYPE_ATALK;
            case Q.DECNET: return ETHERTYPE_DN;
            case Q.IP: return ETHERTYPE_IP;
            case Q.IPV6: return ETHERTYPE_IPV6;
            case Q.LAT: return ETHERTYPE_LAT;
            case Q.MOPDL: return ETHERTYPE_MOPDL;
            case Q.MOPRC: return ETHERTYPE_MOPRC;
            case Q.RARP: return ETHERTYPE_REVARP;
            case Q.SCA: return ETHERTYPE_SCA;
            default: throw error("Proto qualifier '" + Q.protoKeyword(pqual) + "' has no EtherType");
        }
    }

    static int pqToLlcsap(int pqual) {
        switch (pqual) {
            case Q.IPX: return LLCSAP_IPX;
            case Q.ISO: return LLCSAP_ISONS;
            case Q.NETBEUI: return LLCSAP_NETBEUI;
            case Q.STP: return LLCSAP_8021D;
            default: throw error("Proto qualifier '" + Q.protoKeyword(pqual) + "' has no LLC SAP");
        }
    }

    static int pqToIsoproto(int pqual) {
        switch (pqual) {
            case Q.ESIS: return ISO9542_ESIS;
            case Q.ISIS: return ISO10589_ISIS;
            case Q.CLNP: return ISO8473_CLNP;
            default: throw error("Proto qualifier '" + Q.protoKeyword(pqual) + "' has no ISO protocol");
        }
    }

    public Block protoAbbrev(int proto) {
        int protonum;
        int basepqual;
        Block b0;
        Block b1;
        switch (proto) {
            case Q.SCTP: case Q.TCP: case Q.UDP: case Q.AH: case Q.ESP: case Q.PIM:
                basepqual = Q.DEFAULT;
                protonum = pqToIpproto(proto);
                break;
            case Q.ICMP: case Q.IGMP: case Q.IGRP: case Q.VRRP: case Q.CARP:
                basepqual = Q.IP;
                protonum = pqToIpproto(proto);
                break;
            case Q.ICMPV6:
                basepqual = Q.IPV6;
                protonum = pqToIpproto(proto);
                break;
            case Q.IP: case Q.ARP: case Q.RARP: case Q.ATALK: case Q.AARP: case Q.DECNET: case Q.SCA: case Q.LAT:
            case Q.MOPDL: case Q.MOPRC: case Q.IPV6:
                basepqual = Q.LINK;
                protonum = pqToEthertype(proto);
                break;
            case Q.ISO: case Q.STP: case Q.IPX: case Q.NETBEUI:
                basepqual = Q.LINK;
                protonum = pqToLlcsap(proto);
                break;
            case Q.ESIS: case Q.ISIS: case Q.CLNP:
                basepqual = Q.ISO;
                protonum = pqToIsoproto(proto);
                break;
            case Q.ISIS_L1:
                b0 = proto(15, Q.ISIS);
                b1 = proto(17, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(18, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(24, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(26, Q.ISIS);
                return or(b0, b1);
            case Q.ISIS_L2:
                b0 = proto(16, Q.ISIS);
                b1 = proto(17, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(20, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(25, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(27, Q.ISIS);
                return or(b0, b1);
            case Q.ISIS_IIH:
                b0 = proto(15, Q.ISIS);
                b1 = proto(16, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(17, Q.ISIS);
                return or(b0, b1);
            case Q.ISIS_LSP:
                return or(proto(18, Q.ISIS), proto(20, Q.ISIS));
            case Q.ISIS_SNP:
                b0 = proto(24, Q.ISIS);
                b1 = proto(25, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(26, Q.ISIS);
                b1 = or(b0, b1);
                b0 = proto(27, Q.ISIS);
                return or(b0, b1);
            case Q.ISIS_CSNP:
                return or(proto(24, Q.ISIS), proto(25, Q.ISIS));
            case Q.ISIS_PSNP:
                return or(proto(26, Q.ISIS), proto(27, Q.ISIS));
            default:
                throw error("'" + Q.protoKeyword(proto) + "' cannot be used as an abbreviation");
        }
        return proto(protonum, basepqual);
    }

    private Block ipProto(int proto) {
        return cmp(OffRel.LINKPL, 9, Bpf.B, proto);
    }

    private Block ip6Proto(int proto) {
        return cmp(OffRel.LINKPL, 6, Bpf.B, proto);
    }

    private Block ipfrag() {
        Stmt s = loadA(OffRel.LINKPL, 6, Bpf.H);
        return not(jmpK(Bpf.JSET, 0x1fff, s));
    }

    public Block proto(int v, int proto) {
        Block b0;
        Block b1;
        Block b2;
        switch (proto) {
            case Q.DEFAULT:
                b0 = proto(v, Q.IP);
                b1 = proto(v, Q.IPV6);
                return or(b0, b1);
            case Q.LINK:
                return linktype(v);
            case Q.IP:
                assertMaxval("protocol number", v, 255);
                b0 = linktype(ETHERTYPE_IP);
                b1 = ipProto(v);
                return and(b0, b1);
            case Q.IPV6:
                assertMaxval("protocol number", v, 255);
                b0 = linktype(ETHERTYPE_IPV6);
                b2 = ip6Proto(IPPROTO_FRAGMENT);
                b1 = cmp(OffRel.LINKPL, 40, Bpf.B, v);
                b1 = and(b2, b1);
                b2 = ip6Proto(v);
                b1 = or(b2, b1);
                return and(b0, b1);
            case Q.ISO:
                assertMaxval("ISO protocol", v, 255);
                if (linktype == DLT_C_HDLC) {
                    // Cisco HDLC carries OSI behind an EtherType look-alike (0xfefe) and a fudge byte
                    b0 = linktype((LLCSAP_ISONS << 8) | LLCSAP_ISONS);
                    b1 = cmp(OffRel.LINKPL_NOSNAP, 1, Bpf.B, v);
                    return and(b0, b1);
                }
                b0 = linktype(LLCSAP_ISONS);
                b1 = cmp(OffRel.LINKPL_NOSNAP, 0, Bpf.B, v);
                return and(b0, b1);
            case Q.ISIS:
                assertMaxval("IS-IS PDU type", v, 0x1f);
                b0 = proto(ISO10589_ISIS, Q.ISO);
                b1 = mcmp(OffRel.LINKPL_NOSNAP, linktype == DLT_C_HDLC ? 5 : 4, Bpf.B, v, 0x1f);
                return and(b0, b1);
            default:
                throw invalidQual(Q.protoKeyword(proto), "proto");
        }
    }

    public Block protochain(int v, int proto) {
        // allocated before the qualifier is looked at and never freed on the Q_DEFAULT path: libpcap does the
        // same, and the register numbers in the program depend on it
        int reg2 = allocReg();
        switch (proto) {
            case Q.IP:
            case Q.IPV6:
                assertMaxval("protocol number", v, 255);
                break;
            case Q.DEFAULT: {
                Block b0 = protochain(v, Q.IP);
                Block b = protochain(v, Q.IPV6);
                return or(b0, b);
            }
            default:
                throw invalidQual(Q.protoKeyword(proto), "protochain");
        }
        if (offLinkpl.isVariable) {
            throw error("'protochain' not supported with variable length headers");
        }
        noOptimize = true;
        Stmt[] s = new Stmt[100];
        int i = 0;
        s[i++] = new Stmt(0, 0); // dummy
        Block b0;
        if (proto == Q.IP) {
            b0 = linktype(ETHERTYPE_IP);
            s[i++] = loadA(OffRel.LINKPL, 9, Bpf.B);
            s[i++] = loadxIphdrlen();
        } else {
            b0 = linktype(ETHERTYPE_IPV6);
            s[i++] = loadA(OffRel.LINKPL, 6, Bpf.B);
            s[i++] = new Stmt(Bpf.LDX | Bpf.IMM, 40);
        }
        int base = offLinkpl.constantPart + offNl;
        int again = i;
        s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, v);
        int fix5 = i;
        i++;
        s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, IPPROTO_NONE);
        s[fix5].jf = s[i];
        int fix2 = i;
        i++;
        int fix3 = 0;
        if (proto == Q.IPV6) {
            int v6start = i;
            s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, IPPROTO_HOPOPTS);
            s[fix2].jf = s[i];
            i++;
            s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, IPPROTO_DSTOPTS);
            s[i - 1].jf = s[i];
            i++;
            s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, IPPROTO_ROUTING);
            s[i - 1].jf = s[i];
            i++;
            s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, IPPROTO_FRAGMENT);
            s[i - 1].jf = s[i];
            fix3 = i;
            int v6end = i;
            i++;
            int v6advance = i;
            s[i++] = new Stmt(Bpf.LD | Bpf.IND | Bpf.B, base);
            s[i++] = new Stmt(Bpf.ST, reg2);
            s[i++] = new Stmt(Bpf.LD | Bpf.IND | Bpf.B, base + 1);
            s[i++] = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 1);
            s[i++] = new Stmt(Bpf.ALU | Bpf.MUL | Bpf.K, 8);
            s[i++] = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
            s[i++] = new Stmt(Bpf.MISC | Bpf.TAX, 0);
            s[i++] = new Stmt(Bpf.LD | Bpf.MEM, reg2);
            s[i] = new Stmt(Bpf.JMP | Bpf.JA, again - i - 1);
            s[i - 1].jf = s[i];
            i++;
            for (int j = v6start; j <= v6end; j++) {
                s[j].jt = s[v6advance];
            }
        } else {
            s[i] = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 0);
            s[fix2].jf = s[i];
            i++;
        }
        int ahcheck = i;
        s[i] = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, IPPROTO_AH);
        if (fix3 != 0) {
            s[fix3].jf = s[ahcheck];
        }
        int fix4 = i;
        i++;
        s[i] = new Stmt(Bpf.LD | Bpf.IND | Bpf.B, base);
        s[i - 1].jt = s[i];
        i++;
        s[i++] = new Stmt(Bpf.ST, reg2);
        s[i] = new Stmt(Bpf.MISC | Bpf.TXA, 0);
        s[i - 1].jt = s[i];
        i++;
        s[i++] = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 1);
        s[i++] = new Stmt(Bpf.MISC | Bpf.TAX, 0);
        s[i++] = new Stmt(Bpf.LD | Bpf.IND | Bpf.B, base);
        s[i++] = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 2);
        s[i++] = new Stmt(Bpf.ALU | Bpf.MUL | Bpf.K, 4);
        s[i++] = new Stmt(Bpf.MISC | Bpf.TAX, 0);
        s[i++] = new Stmt(Bpf.LD | Bpf.MEM, reg2);
        s[i] = new Stmt(Bpf.JMP | Bpf.JA, again - i - 1);
        i++;
        int end = i;
        s[i] = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 0);
        s[fix2].jt = s[end];
        s[fix4].jf = s[end];
        s[fix5].jt = s[end];
        i++;
        int max = i;
        for (i = 0; i < max - 1; i++) {
            // the slist chain: link each statement list's tail to the next one
            Stmt tail = s[i];
            while (tail.next != null) {
                tail = tail.next;
            }
            tail.next = s[i + 1];
        }
        Block b = jmpK(Bpf.JEQ, v, s[1]);
        freeReg(reg2);
        return and(b0, b);
    }

    // ---------------------------------------------------------------- ports

    private Block portatom(int off, int v) {
        return cmp(OffRel.TRAN_IPV4, off, Bpf.H, v);
    }

    private Block portatom6(int off, int v) {
        return cmp(OffRel.TRAN_IPV6, off, Bpf.H, v);
    }

    /**
     * {@code atom(0)} (source port) and/or {@code atom(2)} (destination port) as {@code dir} asks; for both, the
     * source atom is generated first, as libpcap does, since the order decides the block numbering.
     */
    private Block portDir(int dir, java.util.function.IntFunction<Block> atom, String context) {
        switch (dir) {
            case Q.SRC:
                return atom.apply(0);
            case Q.DST:
                return atom.apply(2);
            case Q.AND:
                return and(atom.apply(0), atom.apply(2));
            case Q.DEFAULT:
            case Q.OR:
                return or(atom.apply(0), atom.apply(2));
            default:
                throw invalidQual(Q.dirKeyword(dir), context);
        }
    }

    /** The transport protocol test of a port: {@code proto}, or TCP, UDP or SCTP when none was given. */
    private Block portProto(int proto, java.util.function.IntFunction<Block> protoTest) {
        switch (proto) {
            case IPPROTO_UDP:
            case IPPROTO_TCP:
            case IPPROTO_SCTP:
                return protoTest.apply(proto);
            case PROTO_UNDEF: {
                Block tmp = protoTest.apply(IPPROTO_SCTP);
                tmp = or(protoTest.apply(IPPROTO_UDP), tmp);
                return or(protoTest.apply(IPPROTO_TCP), tmp);
            }
            default:
                throw error("internal error: proto " + proto);
        }
    }

    Block port(int port, int proto, int dir, int addr) {
        return portCommon(proto, portDir(dir, off -> portatom(off, port), Q.addrKeyword(addr)));
    }

    private Block portCommon(int proto, Block b1) {
        Block tmp = portProto(proto, this::ipProto);
        Block b0 = ipfrag();
        b0 = and(tmp, b0);
        b1 = and(b0, b1);
        return and(linktype(ETHERTYPE_IP), b1);
    }

    Block port6(int port, int proto, int dir, int addr) {
        return port6Common(proto, portDir(dir, off -> portatom6(off, port), Q.addrKeyword(addr)));
    }

    private Block port6Common(int proto, Block b1) {
        Block tmp = portProto(proto, this::ip6Proto);
        b1 = and(tmp, b1);
        return and(linktype(ETHERTYPE_IPV6), b1);
    }

    private Block portrangeatom(int off, int v1, int v2) {
        if (v1 == v2) {
            return portatom(off, v1);
        }
        Block b1 = cmpGe(OffRel.TRAN_IPV4, off, Bpf.H, Math.min(v1, v2));
        Block b2 = cmpLe(OffRel.TRAN_IPV4, off, Bpf.H, Math.max(v1, v2));
        return and(b1, b2);
    }

    private Block portrangeatom6(int off, int v1, int v2) {
        if (v1 == v2) {
            return portatom6(off, v1);
        }
        Block b1 = cmpGe(OffRel.TRAN_IPV6, off, Bpf.H, Math.min(v1, v2));
        Block b2 = cmpLe(OffRel.TRAN_IPV6, off, Bpf.H, Math.max(v1, v2));
        return and(b1, b2);
    }

    Block portrange(int p1, int p2, int proto, int dir) {
        return portCommon(proto, portDir(dir, off -> portrangeatom(off, p1, p2), "portrange"));
    }

    Block portrange6(int p1, int p2, int proto, int dir) {
        return port6Common(proto, portDir(dir, off -> portrangeatom6(off, p1, p2), "portrange"));
    }

    // ---------------------------------------------------------------- arithmetic

    private static Stmt xferToX(Arth a) {
        return new Stmt(Bpf.LDX | Bpf.MEM, a.regno);
    }

    private static Stmt xferToA(Arth a) {
        return new Stmt(Bpf.LD | Bpf.MEM, a.regno);
    }

    public Arth load(int proto, Arth inst, int size) {
        int regno = allocReg();
        freeReg(inst.regno);
        int sizeCode;
        switch (size) {
            case 1: sizeCode = Bpf.B; break;
            case 2: sizeCode = Bpf.H; break;
            case 4: sizeCode = Bpf.W; break;
            default: throw error("data size must be 1, 2, or 4");
        }
        Block b = null;
        Stmt s = null;
        int constpart = 0;
        switch (proto) {
            case Q.RADIO:
                // relative to the start of the packet, i.e. of the radio header
                if (linktype != DLT_IEEE802_11_RADIO_AVS && linktype != DLT_IEEE802_11_RADIO
                        && linktype != DLT_PRISM_HEADER) {
                    throw error("radio information not present in capture");
                }
                break;
            case Q.LINK:
                s = absOffsetVarpart(offLinkhdr);
                constpart = offLinkhdr.constantPart;
                break;
            case Q.IP: case Q.ARP: case Q.RARP: case Q.ATALK: case Q.DECNET: case Q.SCA: case Q.LAT:
            case Q.MOPRC: case Q.MOPDL: case Q.IPV6:
                s = absOffsetVarpart(offLinkpl);
                constpart = offLinkpl.constantPart + offNl;
                b = protoAbbrev(proto);
                break;
            case Q.SCTP: case Q.TCP: case Q.UDP: case Q.ICMP: case Q.IGMP: case Q.IGRP: case Q.PIM: case Q.VRRP:
            case Q.CARP:
                s = loadxIphdrlen();
                constpart = offLinkpl.constantPart + offNl;
                b = protoAbbrev(Q.IP);
                b = and(b, ipProto(pqToIpproto(proto)));
                b = and(b, ipfrag());
                break;
            case Q.ICMPV6:
                b = protoAbbrev(Q.IPV6);
                b = and(b, ip6Proto(IPPROTO_ICMPV6));
                s = absOffsetVarpart(offLinkpl);
                constpart = offLinkpl.constantPart + offNl + 40;
                break;
            default:
                throw error("'" + Q.protoKeyword(proto) + "' does not support the index operation");
        }
        if (b != null) {
            inst.b = inst.b != null ? and(inst.b, b) : b;
        }
        Stmt.append(inst.s, loadAbsOffsetArthRel(s, constpart, inst, sizeCode));
        inst.regno = regno;
        Stmt.append(inst.s, new Stmt(Bpf.ST, regno));
        return inst;
    }

    public Block relation(int code, Arth a0, Arth a1, boolean reversed) {
        Stmt s0 = xferToX(a1);
        Stmt s1 = xferToA(a0);
        Stmt.append(s0, s1);
        Stmt.append(a1.s, s0);
        Stmt.append(a0.s, a1.s);
        Block b = jmpX(code, a0.s);
        if (reversed) {
            not(b);
        }
        freeReg(a0.regno);
        freeReg(a1.regno);
        if (a0.b != null) {
            b = and(a0.b, b);
        }
        if (a1.b != null) {
            b = and(a1.b, b);
        }
        return b;
    }

    public Arth loadlen() {
        int regno = allocReg();
        Arth a = new Arth();
        Stmt s = new Stmt(Bpf.LD | Bpf.LEN, 0);
        s.next = new Stmt(Bpf.ST, regno);
        a.s = s;
        a.regno = regno;
        return a;
    }

    public Arth loadi(int val) {
        Arth a = new Arth();
        int reg = allocReg();
        Stmt s = new Stmt(Bpf.LD | Bpf.IMM, val);
        s.next = new Stmt(Bpf.ST, reg);
        a.s = s;
        a.regno = reg;
        return a;
    }

    public Arth neg(Arth a) {
        Stmt.append(a.s, xferToA(a));
        Stmt.append(a.s, new Stmt(Bpf.ALU | Bpf.NEG, 0));
        Stmt.append(a.s, new Stmt(Bpf.ST, a.regno));
        return a;
    }

    public Arth arth(int code, Arth a0, Arth a1) {
        if (code == Bpf.DIV) {
            if (a1.s.code == (Bpf.LD | Bpf.IMM) && a1.s.k == 0) {
                throw error("division by zero");
            }
        } else if (code == Bpf.MOD) {
            if (a1.s.code == (Bpf.LD | Bpf.IMM) && a1.s.k == 0) {
                throw error("modulus by zero");
            }
        } else if (code == Bpf.LSH || code == Bpf.RSH) {
            if (a1.s.code == (Bpf.LD | Bpf.IMM) && Integer.compareUnsigned(a1.s.k, 31) > 0) {
                throw error("shift by more than 31 bits");
            }
        }
        Stmt s0 = xferToX(a1);
        Stmt s1 = xferToA(a0);
        Stmt s2 = new Stmt(Bpf.ALU | Bpf.X | code, 0);
        Stmt.append(s1, s2);
        Stmt.append(s0, s1);
        Stmt.append(a1.s, s0);
        Stmt.append(a0.s, a1.s);
        freeReg(a0.regno);
        freeReg(a1.regno);
        Stmt st = new Stmt(Bpf.ST, 0);
        a0.regno = st.k = allocReg();
        Stmt.append(a0.s, st);
        return a0;
    }

    // ---------------------------------------------------------------- other primitives

    public Block greater(int n) {
        return jmpK(Bpf.JGE, n, new Stmt(Bpf.LD | Bpf.LEN, 0));
    }

    public Block less(int n) {
        return not(jmpK(Bpf.JGT, n, new Stmt(Bpf.LD | Bpf.LEN, 0)));
    }

    public Block byteop(int op, int idx, int val) {
        assertMaxval("byte argument", val, 255);
        Stmt s;
        switch (op) {
            case '=':
                return cmp(OffRel.LINKHDR, idx, Bpf.B, val);
            case '<':
                return cmpLt(OffRel.LINKHDR, idx, Bpf.B, val);
            case '>':
                return cmpGt(OffRel.LINKHDR, idx, Bpf.B, val);
            case '|':
                s = new Stmt(Bpf.ALU | Bpf.OR | Bpf.K, val);
                break;
            case '&':
                s = new Stmt(Bpf.ALU | Bpf.AND | Bpf.K, val);
                break;
            default:
                throw error("internal error: byte op " + op);
        }
        Stmt s0 = loadA(OffRel.LINKHDR, idx, Bpf.B);
        Stmt.append(s0, s);
        return not(jmpK(Bpf.JEQ, 0, s0));
    }

    public Block broadcast(int proto) {
        switch (proto) {
            case Q.DEFAULT:
            case Q.LINK:
                if (linktype == DLT_ARCNET_LINUX) {
                    return mac8host(0, Q.DST, "broadcast");
                }
                if (linktype == DLT_BACNET_MS_TP) {
                    return mac8host(0xff, Q.DST, "broadcast");
                }
                return mac48host(new byte[] {-1, -1, -1, -1, -1, -1}, Q.DST, "broadcast");
            case Q.IP: {
                if (!options.netmaskKnown()) {
                    throw error("netmask not known, so 'ip broadcast' not supported");
                }
                Block b0 = linktype(ETHERTYPE_IP);
                int hostmask = ~options.netmask();
                Block b1 = mcmp(OffRel.LINKPL, 16, Bpf.W, 0, hostmask);
                Block b2 = mcmp(OffRel.LINKPL, 16, Bpf.W, hostmask, hostmask);
                return and(b0, or(b1, b2));
            }
            default:
                throw invalidQual(Q.protoKeyword(proto), "broadcast");
        }
    }

    public Block multicast(int proto) {
        switch (proto) {
            case Q.DEFAULT:
            case Q.LINK: {
                if (linktype == DLT_ARCNET_LINUX) {
                    return mac8host(0, Q.DST, "multicast");
                }
                if (linktype == LinkType.ETHERNET || linktype == DLT_DSA_TAG_BRCM || linktype == DLT_DSA_TAG_DSA) {
                    Block b1 = prevlinkhdrCheck();
                    Block b0 = jmpK(Bpf.JSET, 1, loadA(OffRel.LINKHDR, 0, Bpf.B));
                    return b1 != null ? and(b1, b0) : b0;
                }
                if (is80211(linktype)) {
                    // the group bit of the destination address, wherever the frame has it
                    return wlanAddrop(off -> jmpK(Bpf.JSET, 1, loadA(OffRel.LINKHDR, off, Bpf.B)), Q.DST);
                }
                throw failKeywordOnDlt("multicast");
            }
            case Q.IP:
                return and(linktype(ETHERTYPE_IP), mcmp(OffRel.LINKPL, 16, Bpf.B, 0xe0, 0xf0));
            case Q.IPV6:
                return and(linktype(ETHERTYPE_IPV6), cmp(OffRel.LINKPL, 24, Bpf.B, 255));
            default:
                throw invalidQual(Q.protoKeyword(proto), "multicast");
        }
    }

    private void requireBasicExtensions(String keyword) {
        if (!options.linuxExtensions()) {
            throw error("not a live capture, '" + keyword + "' not supported on " + dltString(linktype));
        }
    }

    public Block ifindex(int ifindex) {
        if (linktype == LinkType.LINUX_SLL2) {
            return cmp(OffRel.LINKHDR, 4, Bpf.W, ifindex);
        }
        requireBasicExtensions("ifindex");
        return cmp(OffRel.LINKHDR, Bpf.SKF_AD_OFF + Bpf.SKF_AD_IFINDEX, Bpf.W, ifindex);
    }

    public Block inboundOutbound(boolean outbound) {
        Block b0;
        switch (linktype) {
            case DLT_SLIP:
                return cmp(OffRel.LINKHDR, 0, Bpf.B, outbound ? 1 : 0);
            case DLT_DSA_TAG_BRCM:
                return mcmp(OffRel.LINKHDR, 12, Bpf.B, outbound ? 0x20 : 0x00, 0xe0);
            case DLT_DSA_TAG_DSA:
                return mcmp(OffRel.LINKHDR, 12, Bpf.B, outbound ? 0x40 : 0x00, outbound ? 0xc0 : 0x40);
            case LinkType.LINUX_SLL:
                b0 = cmp(OffRel.LINKHDR, 0, Bpf.H, LINUX_SLL_OUTGOING);
                return outbound ? b0 : not(b0);
            case LinkType.LINUX_SLL2:
                b0 = cmp(OffRel.LINKHDR, 10, Bpf.B, LINUX_SLL_OUTGOING);
                return outbound ? b0 : not(b0);
            default:
                requireBasicExtensions(outbound ? "outbound" : "inbound");
                b0 = cmp(OffRel.LINKHDR, Bpf.SKF_AD_OFF + Bpf.SKF_AD_PKTTYPE, Bpf.H, 4);
                return outbound ? b0 : not(b0);
        }
    }

    private Block vlanTpidTest() {
        Block b0 = linktype(ETHERTYPE_8021Q);
        Block b1 = linktype(ETHERTYPE_8021AD);
        b0 = or(b0, b1);
        b1 = linktype(ETHERTYPE_8021QINQ);
        return or(b0, b1);
    }

    private Block vlanVidTest(int vlanNum) {
        assertMaxval("VLAN tag", vlanNum, 0x0fff);
        return mcmp(OffRel.LINKPL, 0, Bpf.H, vlanNum, 0x0fff);
    }

    private Block vlanNoBpfExtensions(int vlanNum, boolean hasTag) {
        Block b0 = vlanTpidTest();
        if (hasTag) {
            b0 = and(b0, vlanVidTest(vlanNum));
        }
        offLinkpl.constantPart += 4;
        offLinktype.constantPart += 4;
        return b0;
    }

    private void vlanVloffsetAdd(AbsOffset off, int v, Stmt s) {
        if (!off.isVariable) {
            off.isVariable = true;
        }
        if (off.reg == -1) {
            off.reg = allocReg();
        }
        Stmt.append(s, new Stmt(Bpf.LD | Bpf.MEM, off.reg));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.IMM, v));
        Stmt.append(s, new Stmt(Bpf.ST, off.reg));
    }

    private void vlanPatchTpidTest(Block bTpid) {
        Stmt s = new Stmt(0, 0);
        isVlanVloffset = true;
        vlanVloffsetAdd(offLinkpl, 4, s);
        vlanVloffsetAdd(offLinktype, 4, s);
        sprependToBlock(s.next, bTpid.head);
    }

    private void vlanPatchVidTest(Block bVid) {
        Stmt s = new Stmt(Bpf.LD | Bpf.B | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_VLAN_TAG_PRESENT);
        Stmt sjeq = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, 1);
        sjeq.jf = bVid.stmts;
        Stmt.append(s, sjeq);
        Stmt s2 = new Stmt(Bpf.LD | Bpf.H | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_VLAN_TAG);
        Stmt.append(s, s2);
        sjeq.jt = s2;
        int cnt = 0;
        for (Stmt t = bVid.stmts; t != null; t = t.next) {
            cnt++;
        }
        Stmt.append(s, new Stmt(Bpf.JMP | Bpf.JA, cnt - 1));
        sprependToBlock(s, bVid);
    }

    private Block vlanBpfExtensions(int vlanNum, boolean hasTag) {
        Stmt s = new Stmt(Bpf.LD | Bpf.B | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_VLAN_TAG_PRESENT);
        Block b0 = jmpK(Bpf.JEQ, 1, s);
        Block bTpid = vlanTpidTest();
        Block bVid = null;
        if (hasTag) {
            bVid = vlanVidTest(vlanNum);
        }
        vlanPatchTpidTest(bTpid);
        b0 = or(b0, bTpid);
        if (hasTag) {
            vlanPatchVidTest(bVid);
            b0 = and(b0, bVid);
        }
        return b0;
    }

    public Block vlan(int vlanNum, boolean hasTag) {
        if (labelStackDepth > 0) {
            throw error("no VLAN match after MPLS");
        }
        Block b0;
        if (linktype == DLT_DSA_TAG_BRCM || linktype == DLT_DSA_TAG_DSA || linktype == DLT_IEEE802_11
                || linktype == DLT_PRISM_HEADER || linktype == DLT_IEEE802_11_RADIO_AVS
                || linktype == DLT_IEEE802_11_RADIO) {
            b0 = vlanNoBpfExtensions(vlanNum, hasTag);
        } else if (linktype == LinkType.ETHERNET) {
            if (vlanStackDepth == 0 && !offLinkhdr.isVariable
                    && offLinkhdr.constantPart == offOutermostlinkhdr.constantPart && options.linuxExtensions()) {
                b0 = vlanBpfExtensions(vlanNum, hasTag);
            } else {
                b0 = vlanNoBpfExtensions(vlanNum, hasTag);
            }
        } else {
            throw failKeywordOnDlt("vlan");
        }
        vlanStackDepth++;
        return b0;
    }

    public Block mpls(int labelNum, boolean hasLabel) {
        Block b0;
        if (labelStackDepth > 0) {
            b0 = not(justAfterMplsStack());
        } else {
            switch (linktype) {
                case LinkType.ETHERNET:
                case DLT_DSA_TAG_BRCM:
                case DLT_DSA_TAG_DSA:
                case DLT_C_HDLC:
                    b0 = linktype(ETHERTYPE_MPLS);
                    break;
                case DLT_PPP:
                    b0 = linktype(0x0281);
                    break;
                default:
                    throw failKeywordOnDlt("mpls");
            }
        }
        if (hasLabel) {
            assertMaxval("MPLS label", labelNum, 0xfffff);
            Block b1 = mcmp(OffRel.LINKPL, 0, Bpf.W, labelNum << 12, 0xfffff << 12);
            b0 = and(b0, b1);
        }
        offNlNosnap += 4;
        offNl += 4;
        labelStackDepth++;
        return b0;
    }

    public Block pppoed() {
        return linktype(ETHERTYPE_PPPOED);
    }

    public Block pppoes(int sessNum, boolean hasSess) {
        Block b0 = linktype(ETHERTYPE_PPPOES);
        if (hasSess) {
            assertMaxval("PPPoE session number", sessNum, 0xffff);
            b0 = and(b0, cmp(OffRel.LINKPL, 2, Bpf.H, sessNum));
        }
        pushLinkhdr(DLT_PPP, offLinkpl.isVariable, offLinkpl.constantPart + offNl + 6, offLinkpl.reg);
        offLinktype = offLinkhdr.copy();
        offLinkpl.constantPart = offLinkhdr.constantPart + 2;
        offNl = 0;
        offNlNosnap = 0;
        return b0;
    }

    private void pushLinkhdr(int newLinktype, boolean isVariable, int constantPart, int reg) {
        prevlinktype = linktype;
        offPrevlinkhdr = offLinkhdr.copy();
        linktype = newLinktype;
        offLinkhdr = new AbsOffset();
        offLinkhdr.isVariable = isVariable;
        offLinkhdr.constantPart = constantPart;
        offLinkhdr.reg = reg;
        isEncap = false;
    }

    private Block geneveCheck(boolean v6, int vni, boolean hasVni) {
        OffRel rel = v6 ? OffRel.TRAN_IPV6 : OffRel.TRAN_IPV4;
        Block b0 = v6 ? port6(6081, IPPROTO_UDP, Q.DST, Q.PORT) : port(6081, IPPROTO_UDP, Q.DST, Q.PORT);
        Block b1 = mcmp(rel, 8, Bpf.B, 0, 0xc0);
        b0 = and(b0, b1);
        if (hasVni) {
            assertMaxval("Geneve VNI", vni, 0xffffff);
            b1 = mcmp(rel, 12, Bpf.W, vni << 8, 0xffffff00);
            b0 = and(b0, b1);
        }
        return b0;
    }

    private Block vxlanCheck(boolean v6, int vni, boolean hasVni) {
        OffRel rel = v6 ? OffRel.TRAN_IPV6 : OffRel.TRAN_IPV4;
        Block b0 = v6 ? port6(4789, IPPROTO_UDP, Q.DST, Q.PORT) : port(4789, IPPROTO_UDP, Q.DST, Q.PORT);
        Block b1 = cmp(rel, 8, Bpf.B, 0x08);
        b0 = and(b0, b1);
        if (hasVni) {
            assertMaxval("VXLAN VNI", vni, 0xffffff);
            b1 = mcmp(rel, 12, Bpf.W, vni << 8, 0xffffff00);
            b0 = and(b0, b1);
        }
        return b0;
    }

    private Block encap4(Block check) {
        Stmt s = loadxIphdrlen();
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TXA, 0));
        return and(check, jmpX(Bpf.JEQ, s));
    }

    private Block encap6(Block check) {
        Stmt s = absOffsetVarpart(offLinkpl);
        if (s != null) {
            Stmt.append(s, new Stmt(Bpf.LD | Bpf.IMM, 40));
            Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.X, 0));
        } else {
            s = new Stmt(Bpf.LD | Bpf.IMM, 40);
        }
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        return and(check, jmpX(Bpf.JEQ, s));
    }

    private Stmt geneveOffsets() {
        Stmt s = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, offLinkpl.constantPart + offNl + 8);
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 2));
        offLinktype.reg = allocReg();
        offLinktype.isVariable = true;
        offLinktype.constantPart = 0;
        Stmt.append(s, new Stmt(Bpf.ST, offLinktype.reg));
        Stmt.append(s, new Stmt(Bpf.LD | Bpf.IND | Bpf.B, 0));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.AND | Bpf.K, 0x3f));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.MUL | Bpf.K, 4));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 8));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.X, 0));
        pushLinkhdr(LinkType.ETHERNET, true, 0, allocReg());
        Stmt.append(s, new Stmt(Bpf.ST, offLinkhdr.reg));
        noOptimize = true;
        Stmt.append(s, new Stmt(Bpf.LD | Bpf.IND | Bpf.H, 2));
        Stmt.append(s, new Stmt(Bpf.LDX | Bpf.MEM, offLinkhdr.reg));
        Stmt sProto = new Stmt(Bpf.JMP | Bpf.JEQ | Bpf.K, ETHERTYPE_TEB);
        Stmt.append(s, sProto);
        Stmt s1 = new Stmt(Bpf.MISC | Bpf.TXA, 0);
        Stmt.append(s, s1);
        sProto.jt = s1;
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 12));
        Stmt.append(s, new Stmt(Bpf.ST, offLinktype.reg));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 2));
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        offLinkpl.reg = allocReg();
        offLinkpl.isVariable = true;
        offLinkpl.constantPart = 0;
        s1 = new Stmt(Bpf.STX, offLinkpl.reg);
        Stmt.append(s, s1);
        sProto.jf = s1;
        offNl = 0;
        return s;
    }

    private Stmt vxlanOffsets() {
        Stmt s = new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, offLinkpl.constantPart + offNl + 8);
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 8));
        pushLinkhdr(LinkType.ETHERNET, true, 0, allocReg());
        Stmt.append(s, new Stmt(Bpf.ST, offLinkhdr.reg));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 12));
        offLinktype.reg = allocReg();
        offLinktype.isVariable = true;
        offLinktype.constantPart = 0;
        Stmt.append(s, new Stmt(Bpf.ST, offLinktype.reg));
        Stmt.append(s, new Stmt(Bpf.ALU | Bpf.ADD | Bpf.K, 2));
        Stmt.append(s, new Stmt(Bpf.MISC | Bpf.TAX, 0));
        offLinkpl.reg = allocReg();
        offLinkpl.isVariable = true;
        offLinkpl.constantPart = 0;
        Stmt.append(s, new Stmt(Bpf.STX, offLinkpl.reg));
        offNl = 0;
        return s;
    }

    public Block geneve(int vni, boolean hasVni) {
        Block b0 = encap4(geneveCheck(false, vni, hasVni));
        Block b1 = encap6(geneveCheck(true, vni, hasVni));
        Block offsets = sprependToBlock(geneveOffsets(), genTrue());
        isEncap = true;
        return and(or(b0, b1), offsets);
    }

    public Block vxlan(int vni, boolean hasVni) {
        Block b0 = encap4(vxlanCheck(false, vni, hasVni));
        Block b1 = encap6(vxlanCheck(true, vni, hasVni));
        Block offsets = sprependToBlock(vxlanOffsets(), genTrue());
        isEncap = true;
        return and(or(b0, b1), offsets);
    }

    public Block llc() {
        if (linktype == LinkType.ETHERNET || linktype == DLT_DSA_TAG_BRCM || linktype == DLT_DSA_TAG_DSA) {
            Block b0 = cmpLe(OffRel.LINKTYPE, 0, Bpf.H, ETHERMTU);
            Block b1 = cmpNe(OffRel.LLC, 0, Bpf.H, 0xffff);
            return and(b0, b1);
        }
        if (is80211(linktype)) {
            // 802.11 data frames are LLC
            return mcmp(OffRel.LINKHDR, 0, Bpf.B, FC0_TYPE_DATA, FC0_TYPE_MASK);
        }
        throw failKeywordOnDlt("llc");
    }

    /** {@code llc i|s|u} and the S and U frame subtypes ({@code llc rr}, {@code llc ui}…). */
    public Block llcSubtype(String name) {
        Block b0 = llc();
        switch (name) {
            case "i":
                return and(b0, not(jmpK(Bpf.JSET, 0x01, loadA(OffRel.LLC, 2, Bpf.B))));
            case "s":
                return and(b0, mcmp(OffRel.LLC, 2, Bpf.B, 0x01, 0x03));
            case "u":
                return and(b0, mcmp(OffRel.LLC, 2, Bpf.B, 0x03, 0x03));
            default:
                break;
        }
        int s = switch (name) {
            case "rr" -> 0x01;
            case "rnr" -> 0x05;
            case "rej" -> 0x09;
            default -> -1;
        };
        if (s >= 0) {
            return and(b0, mcmp(OffRel.LLC, 2, Bpf.B, s, 0x0f));
        }
        int u = switch (name) {
            case "ui" -> 0x03;
            case "ua" -> 0x63;
            case "disc" -> 0x43;
            case "dm" -> 0x0f;
            case "sabme" -> 0x6f;
            case "test" -> 0xe3;
            case "xid" -> 0xaf;
            case "frmr" -> 0x87;
            default -> -1;
        };
        if (u >= 0) {
            return and(b0, mcmp(OffRel.LLC, 2, Bpf.B, u, 0xef));
        }
        throw error("unknown LLC type name '" + name + "'");
    }

    /** {@code decnet [src|dst] host AREA.NODE}. */
    public Block dnhost(String s, int dir) {
        int dot = s == null ? -1 : s.indexOf('.');
        if (s == null || dot < 0 || s.indexOf('.', dot + 1) >= 0) {
            throw error("invalid DECnet address '" + s + "'");
        }
        int area;
        int node;
        try {
            area = Integer.parseInt(s.substring(0, dot));
            node = Integer.parseInt(s.substring(dot + 1));
        } catch (NumberFormatException e) {
            throw error("invalid DECnet address '" + s + "'");
        }
        if (area > 63 || node > 1023) {
            throw error("invalid DECnet address '" + s + "'");
        }
        int addr = (area << 10) | node;
        return and(linktype(ETHERTYPE_DN), dnhostop(addr, dir));
    }

    private Block dnhostop(int addr, int dir) {
        int offsetSh;
        int offsetLh;
        switch (dir) {
            case Q.DST:
                offsetSh = 1;
                offsetLh = 7;
                break;
            case Q.SRC:
                offsetSh = 3;
                offsetLh = 15;
                break;
            case Q.AND:
                return and(dnhostop(addr, Q.SRC), dnhostop(addr, Q.DST));
            case Q.DEFAULT:
            case Q.OR:
                return or(dnhostop(addr, Q.SRC), dnhostop(addr, Q.DST));
            default:
                throw error("'" + Q.dirKeyword(dir) + "' is valid for 802.11 syntax only");
        }
        int swapped = ((addr & 0xff) << 8) | ((addr >> 8) & 0xff);
        Block tmp = mcmp(OffRel.LINKPL, 2, Bpf.H, 0x8106, 0xff07);
        Block b1 = cmp(OffRel.LINKPL, 2 + 1 + offsetLh, Bpf.H, swapped);
        b1 = and(tmp, b1);
        tmp = mcmp(OffRel.LINKPL, 2, Bpf.B, 0x06, 0x07);
        Block b2 = cmp(OffRel.LINKPL, 2 + offsetLh, Bpf.H, swapped);
        b2 = and(tmp, b2);
        b1 = or(b2, b1);
        if (dir == Q.DST) {
            b2 = mcmp(OffRel.LINKPL, 2, Bpf.W, 0x81020000 | swapped, 0xff07ffff);
        } else {
            tmp = mcmp(OffRel.LINKPL, 2, Bpf.H, 0x8102, 0xff07);
            b2 = cmp(OffRel.LINKPL, 2 + 1 + offsetSh, Bpf.H, swapped);
            b2 = and(tmp, b2);
        }
        b1 = or(b2, b1);
        if (dir == Q.DST) {
            b2 = mcmp(OffRel.LINKPL, 2, Bpf.W, 0x02000000 | swapped << 8, 0x07ffff00);
        } else {
            tmp = mcmp(OffRel.LINKPL, 2, Bpf.B, 0x02, 0x07);
            b2 = cmp(OffRel.LINKPL, 2 + offsetSh, Bpf.H, swapped);
            b2 = and(tmp, b2);
        }
        return or(b2, b1);
    }

    /** One-byte station addresses: ARCnet (src 0, dst 1) and BACnet MS/TP (src 4, dst 3). */
    public Block mac8host(int mac8, int dir, String context) {
        int srcOff;
        int dstOff;
        if (linktype == DLT_ARCNET_LINUX) {
            srcOff = 0;
            dstOff = 1;
        } else if (linktype == DLT_BACNET_MS_TP) {
            srcOff = 4;
            dstOff = 3;
        } else {
            throw failKeywordOnDlt(context);
        }
        switch (dir) {
            case Q.SRC:
                return cmp(OffRel.LINKHDR, srcOff, Bpf.B, mac8);
            case Q.DST:
                return cmp(OffRel.LINKHDR, dstOff, Bpf.B, mac8);
            case Q.AND:
                return and(cmp(OffRel.LINKHDR, srcOff, Bpf.B, mac8), cmp(OffRel.LINKHDR, dstOff, Bpf.B, mac8));
            case Q.DEFAULT:
            case Q.OR:
                return or(cmp(OffRel.LINKHDR, srcOff, Bpf.B, mac8), cmp(OffRel.LINKHDR, dstOff, Bpf.B, mac8));
            default:
                throw error("'" + Q.dirKeyword(dir) + "' is valid for 802.11 syntax only");
        }
    }

    private void assertSs7(String kw) {
        if (linktype != DLT_MTP2) {
            throw error("'" + kw + "' supported only on SS7");
        }
    }

    /** {@code fisu, lssu, msu, hfisu, hlssu, hmsu}: MTP2 message kinds by their length indicator. */
    public Block mtp2type(String type) {
        if (linktype != DLT_MTP2) {
            throw error("'" + type + "' supported only on MTP2");
        }
        switch (type) {
            case "fisu":
                return ncmp(OffRel.PACKET, offLi, Bpf.B, 0x3f, Bpf.JEQ, false, 0);
            case "lssu":
                return and(ncmp(OffRel.PACKET, offLi, Bpf.B, 0x3f, Bpf.JGT, false, 0),
                        ncmp(OffRel.PACKET, offLi, Bpf.B, 0x3f, Bpf.JGT, true, 2));
            case "msu":
                return ncmp(OffRel.PACKET, offLi, Bpf.B, 0x3f, Bpf.JGT, false, 2);
            case "hfisu":
                return ncmp(OffRel.PACKET, offLiHsl, Bpf.H, 0xff80, Bpf.JEQ, false, 0);
            case "hlssu":
                return and(ncmp(OffRel.PACKET, offLiHsl, Bpf.H, 0xff80, Bpf.JGT, false, 0),
                        ncmp(OffRel.PACKET, offLiHsl, Bpf.H, 0xff80, Bpf.JGT, true, 0x0100));
            default:
                return ncmp(OffRel.PACKET, offLiHsl, Bpf.H, 0xff80, Bpf.JGT, false, 0x0100);
        }
    }

    private static int swapLong(int v) {
        return Integer.reverseBytes(v);
    }

    /** {@code sio, opc, dpc, sls} (and the {@code h…} high-speed variants) compared with a value. */
    public Block mtp3field(String field, int jtype, boolean reverse, int value) {
        assertSs7(field);
        boolean high = field.startsWith("h");
        String base = high ? field.substring(1) : field;
        switch (base) {
            case "sio":
                assertMaxval(field, value, 0xff);
                return ncmp(OffRel.PACKET, offSio + (high ? 3 : 0), Bpf.B, 0xffffffff, jtype, reverse, value);
            case "opc":
                assertMaxval(field, value, 0x3fff);
                return ncmp(OffRel.PACKET, offOpc + (high ? 3 : 0), Bpf.W, swapLong(0x3fff << 14), jtype, reverse,
                        swapLong(value << 14));
            case "dpc":
                assertMaxval(field, value, 0x3fff);
                // DPC: 14 bits little-endian at the start of the routing label, read as a big-endian half-word
                return ncmp(OffRel.PACKET, offDpc + (high ? 3 : 0), Bpf.H, 0xff3f, jtype, reverse,
                        ((value & 0xff) << 8) | ((value >>> 8) & 0x3f));
            default:
                assertMaxval(field, value, 0xf);
                return ncmp(OffRel.PACKET, offSls + (high ? 3 : 0), Bpf.B, 0xf << 4, jtype, reverse, value << 4);
        }
    }

    public int labelStackDepth() {
        return labelStackDepth;
    }

    public boolean isEncap() {
        return isEncap;
    }

    public int linktypeNow() {
        return linktype;
    }
}
