package io.netsieve.core.bpf;

import io.netsieve.core.bpf.internal.Block;
import io.netsieve.core.bpf.internal.CodeGen;
import io.netsieve.core.bpf.internal.CompileError;
import io.netsieve.core.bpf.internal.Lexer;
import io.netsieve.core.bpf.internal.Linearizer;
import io.netsieve.core.bpf.internal.Optimizer;
import io.netsieve.core.bpf.internal.Parser;
import io.netsieve.core.bpf.internal.RejectsAllCheck;
import io.netsieve.core.packet.LinkType;
import java.util.Objects;

/**
 * Compiles pcap-filter expressions (pcap-filter(7)) into classic BPF, in Java, with libpcap's semantics: the
 * unoptimised program is the one libpcap generates for the same link type, instruction for instruction; the
 * optimised one is equivalent and no larger than libpcap's for the expressions measured (see docs/benchmarks.md).
 *
 * <pre>{@code
 * FilterCompiler compiler = FilterCompiler.builder().linkType(LinkType.ETHERNET).build();
 * BpfProgram program = compiler.compile("tcp port 80 and host 198.18.0.1");
 * }</pre>
 *
 * Immutable and thread-safe; each {@link #compile} call is independent.
 */
public final class FilterCompiler {
    /** libpcap's default snapshot length, returned by accepting programs. */
    public static final int DEFAULT_SNAPLEN = 262144;

    private final int linkType;
    private final int snaplen;
    private final int netmask;
    private final boolean netmaskKnown;
    private final boolean optimize;
    private final boolean linuxExtensions;
    private final boolean savefile;
    private final boolean savefileSwapped;
    private final HostResolver resolver;
    private final boolean exactShortPackets;

    private FilterCompiler(Builder b) {
        this.exactShortPackets = b.exactShortPackets;
        this.linkType = b.linkType;
        this.snaplen = b.snaplen;
        this.netmask = b.netmask;
        this.netmaskKnown = b.netmaskKnown;
        this.optimize = b.optimize;
        this.linuxExtensions = b.linuxExtensions;
        this.savefile = b.savefile;
        this.savefileSwapped = b.savefileSwapped;
        this.resolver = b.resolver;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int linkType() {
        return linkType;
    }

    public boolean optimizes() {
        return optimize;
    }

    /**
     * Compiles an expression ({@code ""} accepts every packet).
     *
     * @throws FilterCompileException with libpcap's message (and a column) if libpcap would refuse it, or if it
     *                                uses a part of the language this compiler does not support
     */
    public BpfProgram compile(String expression) {
        Objects.requireNonNull(expression, "expression");
        try {
            CodeGen cg = new CodeGen(new CodeGen.Options(linkType, snaplen, netmask, netmaskKnown, linuxExtensions,
                    savefile, savefileSwapped));
            Block root = new Parser(Lexer.tokenize(expression), cg, resolver).parse();
            if (root == null) {
                return BpfProgram.of(BpfInstruction.stmt(Bpf.RET | Bpf.K, snaplen));
            }
            if (optimize && !cg.noOptimize) {
                root = Optimizer.optimize(root, exactShortPackets);
                if (root.code == (Bpf.RET | Bpf.K) && root.k == 0) {
                    throw new FilterCompileException("expression rejects all packets", expression, -1);
                }
                BpfProgram program = Linearizer.linearize(root);
                if (RejectsAllCheck.provablyRejectsAll(program)) {
                    // contradictions libpcap's reordering optimiser finds and ours leaves in place
                    throw new FilterCompileException("expression rejects all packets", expression, -1);
                }
                return program;
            }
            return Linearizer.linearize(root);
        } catch (CompileError e) {
            throw new FilterCompileException(e.getMessage(), expression, e.column());
        } catch (StackOverflowError e) {
            throw new FilterCompileException("expression too deeply nested", expression, -1);
        }
    }

    /** Builder: each setter may be called once; {@link #build()} needs at least {@link #linkType}. */
    public static final class Builder {
        private int linkType = -1;
        private int snaplen = DEFAULT_SNAPLEN;
        private boolean snaplenSet;
        private int netmask;
        private boolean netmaskKnown;
        private boolean netmaskSet;
        private boolean optimizeSet;
        private boolean optimize = true;
        private boolean linuxSet;
        private boolean linuxExtensions;
        private boolean savefileSet;
        private boolean savefile;
        private boolean savefileSwapped;
        private HostResolver resolver;
        private boolean exactSet;
        private boolean exactShortPackets = true;

        private Builder() {
        }

        private static void requireUnset(boolean alreadySet, String setting) {
            if (alreadySet) {
                throw new IllegalStateException(setting + " was already set");
            }
        }

        /**
         * Keep the unoptimised program's result on packets too short for a load whose value is unused (default
         * true: the optimised program returns exactly what the unoptimised one returns, on every packet). With
         * false such loads are removed, as libpcap's optimiser removes some of them; on truncated packets the
         * verdict may then differ from the unoptimised program's, as libpcap's does.
         */
        public Builder exactShortPackets(boolean exact) {
            requireUnset(exactSet, "exactShortPackets");
            this.exactShortPackets = exact;
            this.exactSet = true;
            return this;
        }

        /**
         * The link type of the packets the program will see: a {@link LinkType} value, or one of the link types
         * only the filter compiler knows (SLIP 8, C_HDLC 104, ARCNET_LINUX 129, MTP2 140, BACNET_MS_TP 165,
         * DSA_TAG_BRCM 281, DSA_TAG_DSA 284, and the 802.11 family IEEE802_11 105, PRISM_HEADER 119,
         * IEEE802_11_RADIO 127, IEEE802_11_RADIO_AVS 163, PPI 192) for filtering captures netsieve does not
         * otherwise decode.
         */
        public Builder linkType(int linkType) {
            requireUnset(this.linkType != -1, "linkType");
            switch (linkType) {
                case LinkType.ETHERNET: case LinkType.RAW: case LinkType.DLT_RAW_12: case LinkType.DLT_RAW_14:
                case LinkType.IPV4: case LinkType.IPV6: case LinkType.LINUX_SLL: case LinkType.LINUX_SLL2:
                case LinkType.NULL: case LinkType.LOOP:
                case CodeGen.DLT_SLIP: case CodeGen.DLT_C_HDLC: case CodeGen.DLT_ARCNET_LINUX: case CodeGen.DLT_MTP2:
                case CodeGen.DLT_BACNET_MS_TP: case CodeGen.DLT_DSA_TAG_BRCM: case CodeGen.DLT_DSA_TAG_DSA:
                case CodeGen.DLT_IEEE802_11: case CodeGen.DLT_PRISM_HEADER: case CodeGen.DLT_IEEE802_11_RADIO:
                case CodeGen.DLT_IEEE802_11_RADIO_AVS: case CodeGen.DLT_PPI:
                    break;
                default:
                    throw new IllegalArgumentException("link type " + LinkType.name(linkType)
                            + " is not supported by the filter compiler");
            }
            this.linkType = linkType;
            return this;
        }

        /** The value accepting programs return (default 262144, libpcap's default snapshot length). */
        public Builder snaplen(int snaplen) {
            requireUnset(snaplenSet, "snaplen");
            if (snaplen <= 0) {
                throw new IllegalArgumentException("snaplen of " + snaplen + " rejects all packets");
            }
            this.snaplen = snaplen;
            this.snaplenSet = true;
            return this;
        }

        /**
         * The IPv4 netmask of the capture network, needed by {@code ip broadcast} (default: unknown;
         * 255.255.255.255 is libpcap's PCAP_NETMASK_UNKNOWN and means unknown too).
         */
        public Builder netmask(int netmask) {
            requireUnset(netmaskSet, "netmask");
            this.netmask = netmask;
            this.netmaskKnown = netmask != 0xffffffff;
            this.netmaskSet = true;
            return this;
        }

        /** Run the optimiser (default true). */
        public Builder optimize(boolean optimize) {
            requireUnset(optimizeSet, "optimize");
            this.optimize = optimize;
            this.optimizeSet = true;
            return this;
        }

        /**
         * Allow Linux socket-filter extensions ({@code inbound}, {@code outbound}, {@code ifindex} and VLAN tags
         * through ancillary loads), as libpcap does for live captures on Linux. Default false: files.
         */
        public Builder linuxExtensions(boolean enabled) {
            requireUnset(linuxSet, "linuxExtensions");
            this.linuxExtensions = enabled;
            this.linuxSet = true;
            return this;
        }

        /**
         * Compile for packets read from a capture file, as {@code tcpdump -r} does: on NULL links IPv6 is then
         * matched by every BSD's AF_INET6 value, and {@code swapped} says whether the file was written on a
         * machine of the other byte order than this one (little-endian).
         */
        public Builder savefile(boolean swapped) {
            requireUnset(savefileSet, "savefile");
            this.savefile = true;
            this.savefileSwapped = swapped;
            this.savefileSet = true;
            return this;
        }

        /** How host, ether and network names are resolved (default: /etc files only, never DNS). */
        public Builder resolver(HostResolver resolver) {
            requireUnset(this.resolver != null, "resolver");
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        public FilterCompiler build() {
            if (linkType == -1) {
                throw new IllegalStateException("linkType is required");
            }
            if (resolver == null) {
                resolver = HostResolver.etcFiles();
            }
            return new FilterCompiler(this);
        }
    }
}
