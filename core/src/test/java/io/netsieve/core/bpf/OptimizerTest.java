package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.bpf.internal.Block;
import io.netsieve.core.bpf.internal.Linearizer;
import io.netsieve.core.bpf.internal.Optimizer;
import io.netsieve.core.bpf.internal.Stmt;
import io.netsieve.core.packet.LinkType;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per optimiser transformation that closes a gap to libpcap's optimiser: the program is libpcap's (as
 * {@code tcpdump -d} prints it) and returns what the unoptimised program returns on packets built to satisfy each of
 * its comparisons, truncated ones included.
 */
class OptimizerTest {

    /**
     * {@code ld #k; add x; tax; ld [x + j]} becomes {@code ld [x + k + j]} also when the header length in X was
     * loaded by an earlier block (value numbering removed the block's own {@code ldxb}): libpcap's opt_peep.
     */
    @Test
    void indexedLoadFoldsAConstantIntoTheOffsetWhenXComesFromAnEarlierBlock() throws Exception {
        String expr = "tcp port 8080 and tcp[tcpflags] & tcp-push != 0";
        // libpcap ends with "ldb [x + 27]; jset #0x8" (16 instructions), not "ld #0xd; add x; tax; ldb [x + 14]"
        assertIsLibpcaps(expr);
        assertSameVerdicts(expr, LinkType.ETHERNET, false, null);
        // the same fold in one block, and after an or of two header-length tests
        assertSameVerdicts("tcp[13] = 2 and tcp[2:2] > 1000", LinkType.ETHERNET, false, null);
        assertSameVerdicts("(tcp[0:2] = 80 or udp[0:2] = 53) and tcp[13] & 2 != 0", LinkType.ETHERNET, false,
                null);
    }

    /**
     * {@code vlan N} with Linux extensions has a block whose statements jump (tag from metadata, or from the packet,
     * then {@code ja} to the mask). It stays as it is, and the graph around it is optimised: the dead VLAN offset
     * stores and the repeated EtherType loads go, as in libpcap's program.
     */
    @Test
    void blocksWithStatementJumpsStayAsTheyAreAndTheRestIsOptimised() throws Exception {
        BpfProgram opt = compiler(LinkType.ETHERNET, true).build().compile("vlan 10");
        // filter-accept.txt, vlan_eth_linuxext_unary, libpcap's optimised program
        assertEquals("""
                (000) ldb      [vlanp]
                (001) jeq      #0x1             jt 6	jf 2
                (002) ldh      [12]
                (003) jeq      #0x8100          jt 6	jf 4
                (004) jeq      #0x88a8          jt 6	jf 5
                (005) jeq      #0x9100          jt 6	jf 14
                (006) ldb      [vlanp]
                (007) jeq      #0x1             jt 8	jf 10
                (008) ldh      [vlan_tci]
                (009) ja       11
                (010) ldh      [14]
                (011) and      #0xfff
                (012) jeq      #0xa             jt 13	jf 14
                (013) ret      #262144
                (014) ret      #0
                """, LibpcapCorpus.assembly(opt));
        for (String expr : List.of("vlan 10", "vlan 10 and tcp port 80", "vlan 10 or vlan 20", "vlan 10 and vlan 20",
                "tcp port 80 or vlan 100 and host 10.0.0.1")) {
            BpfProgram o = compiler(LinkType.ETHERNET, true).build().compile(expr);
            BpfProgram u = compiler(LinkType.ETHERNET, true).optimize(false).build().compile(expr);
            assertTrue(o.length() < u.length(), expr + ": " + o.length() + " vs " + u.length());
            BpfValidator.validate(o, BpfValidator.Mode.KERNEL); // throws if the kernel would refuse it
            for (int tagged = 0; tagged < 2; tagged++) {
                BpfAuxData aux = new BpfAuxData();
                aux.vlanTagPresent = tagged;
                aux.vlanTag = 10;
                assertSameVerdicts(expr, LinkType.ETHERNET, true, aux);
                aux.vlanTag = 20;
                assertSameVerdicts(expr, LinkType.ETHERNET, true, aux);
            }
        }
    }

    /**
     * Or pull-up: in the or-chain of a host name with four IPv4 addresses the tests of the field already in A come
     * first ("src a1" and "dst a1" must run first, so that a frame too short for the destination still ends as in
     * the unoptimised program; then "dst a2…a4" need no reload and "src a2…a4" one).
     */
    @Test
    void orPullUpStartsWithTheFieldAlreadyInA() throws Exception {
        HostResolver resolver = HostResolver.lines(List.of("192.168.241.3 quad", "192.168.242.4 quad",
                "192.168.243.1 quad", "192.168.244.2 quad"), List.of(), List.of());
        String expr = "ip host quad";
        FilterCompiler opt = compiler(LinkType.ETHERNET, false).resolver(resolver).build();
        FilterCompiler unopt = compiler(LinkType.ETHERNET, false).resolver(resolver).optimize(false).build();
        String dump = LibpcapCorpus.assembly(opt.compile(expr));
        // ldh [12]; jeq; ld [26]; jeq a1; ld [30]; jeq a1…a4; ld [26]; jeq a2…a4; two returns (libpcap: 14, with
        // one load of each field, but on frames of 30 to 33 bytes it then accepts src a2…a4 where its own
        // unoptimised program returns 0)
        assertEquals(15, opt.compile(expr).length(), dump);
        assertEquals(1, dump.split("ld       \\[30\\]", -1).length - 1, dump);
        assertEquals(2, dump.split("ld       \\[26\\]", -1).length - 1, dump);
        BpfInterpreter o = BpfInterpreter.of(opt.compile(expr));
        BpfInterpreter u = BpfInterpreter.of(unopt.compile(expr));
        int[] addrs = {0xc0a8f103, 0xc0a8f204, 0xc0a8f301, 0xc0a8f402, 0x0a000001};
        int accepted = 0;
        for (int src : addrs) {
            for (int dst : addrs) {
                byte[] f = new byte[34];
                f[12] = 0x08;
                f[14] = 0x45;
                java.nio.ByteBuffer.wrap(f).putInt(26, src).putInt(30, dst);
                for (int len = 26; len <= f.length; len++) {
                    int ro = o.apply(f, 0, len, f.length, null);
                    assertEquals(u.apply(f, 0, len, f.length, null), ro, expr + " on " + HexFormat.of()
                            .formatHex(f, 0, len));
                    accepted += ro != 0 ? 1 : 0;
                }
            }
        }
        assertTrue(accepted > 0);
        // with libpcap's short-frame semantics the first loads move too: one load per field, libpcap's program
        FilterCompiler loose = compiler(LinkType.ETHERNET, false).resolver(resolver).exactShortPackets(false).build();
        String looseDump = LibpcapCorpus.assembly(loose.compile(expr));
        assertEquals(14, loose.compile(expr).length(), looseDump);
        assertEquals(1, looseDump.split("ld       \\[26\\]", -1).length - 1, looseDump);
        assertEquals(1, looseDump.split("ld       \\[30\\]", -1).length - 1, looseDump);
    }

    /**
     * Two tests of an or-chain whose loads already ran are swapped when the second compares the value already in A:
     * after "port 1792" left the destination port in A, "not port 7000" tests it before reloading the source port.
     */
    @Test
    void twoTestsAreSwappedToCompareTheValueAlreadyInAFirst() throws Exception {
        String expr = "ip and (tcp port 1792 or not tcp port 7000)";
        // libpcap: "jeq #0x1b58" on the destination port in A, then "ldh [x + 14]; jeq #0x1b58" (16 instructions)
        assertIsLibpcaps(expr);
        assertSameVerdicts(expr, LinkType.ETHERNET, false, null);
    }

    /**
     * The pull-up leaves a chain alone when one of its tests reads an X another one sets: here the second test's
     * {@code ldh [x + 16]} relies on the first's {@code ldxb}, and A on entry holds that very value, so the swap
     * above would otherwise move it in front, where X holds another header length.
     */
    @Test
    void pullUpDoesNotMoveATestAwayFromTheXItReads() {
        int accept = 262144;
        byte[] f = new byte[64];
        f[14] = 0x45; // X = 20: [x + 14] is byte 34, [x + 16] byte 36
        f[30] = 0x46; // X = 24 on entry to the chain: [x + 16] would be byte 40
        f[36] = 0x07; // 1792
        f[37] = 0x00;
        for (boolean optimize : new boolean[] {false, true}) {
            Block accepted = new Block(Bpf.RET | Bpf.K, accept);
            Block rejected = new Block(Bpf.RET | Bpf.K, 0);
            // ldxb 4*([14]&0xf); ldh [x + 14]; ldh [x + 16]; ldxb 4*([30]&0xf); jeq #5
            Block first = block(Bpf.JMP | Bpf.JEQ | Bpf.K, 5, Bpf.LDX | Bpf.MSH | Bpf.B, 14,
                    Bpf.LD | Bpf.H | Bpf.IND, 14, Bpf.LD | Bpf.H | Bpf.IND, 16, Bpf.LDX | Bpf.MSH | Bpf.B, 30);
            // ldxb 4*([14]&0xf); ldh [x + 14]; jeq #1792, then ldxb 4*([14]&0xf); ldh [x + 16]; jeq #1792 (value
            // numbering removes this ldxb: X holds it already)
            Block src = block(Bpf.JMP | Bpf.JEQ | Bpf.K, 1792, Bpf.LDX | Bpf.MSH | Bpf.B, 14,
                    Bpf.LD | Bpf.H | Bpf.IND, 14);
            Block dst = block(Bpf.JMP | Bpf.JEQ | Bpf.K, 1792, Bpf.LDX | Bpf.MSH | Bpf.B, 14,
                    Bpf.LD | Bpf.H | Bpf.IND, 16);
            first.jt = accepted;
            first.jf = src;
            src.jt = accepted;
            src.jf = dst;
            dst.jt = accepted;
            dst.jf = rejected;
            Block root = optimize ? Optimizer.optimize(first, true) : first;
            BpfProgram p = Linearizer.linearize(root);
            assertEquals(accept, BpfInterpreter.of(p).apply(f, f.length), (optimize ? "optimised" : "unoptimised")
                    + "\n" + p.dump(BpfDumpFormat.ASSEMBLY));
        }
    }

    /** Our optimised Ethernet program for {@code expr} is the machine's libpcap's ({@code tcpdump -d}). */
    private static void assertIsLibpcaps(String expr) {
        try {
            LibpcapOracle.pcap_lib_version();
        } catch (Throwable t) {
            io.netsieve.core.testing.Prerequisites.require(false, "libpcap is not loadable through JNA: " + t);
            return;
        }
        String[] err = new String[1];
        try (LibpcapOracle oracle = new LibpcapOracle(LinkType.ETHERNET, 262144);
             LibpcapOracle.Compiled theirs = oracle.compile(expr, true, 0xffffffff, err)) {
            assertEquals(LibpcapCorpus.assembly(theirs.instructions), LibpcapCorpus.assembly(
                    compiler(LinkType.ETHERNET, false).build().compile(expr)), expr + " (libpcap: "
                    + LibpcapOracle.pcap_lib_version() + ")");
        }
    }

    /** A block of statements (code, k pairs) ending in the test {@code code k}. */
    private static Block block(int code, int k, int... stmts) {
        Block b = new Block(code, k);
        for (int i = stmts.length - 2; i >= 0; i -= 2) {
            Stmt s = new Stmt(stmts[i], stmts[i + 1]);
            s.next = b.stmts;
            b.stmts = s;
        }
        return b;
    }

    private static FilterCompiler.Builder compiler(int linkType, boolean linuxExtensions) {
        return FilterCompiler.builder().linkType(linkType).linuxExtensions(linuxExtensions);
    }

    /** The optimised program returns what the unoptimised one returns on packets built for both, and truncations. */
    private static void assertSameVerdicts(String expr, int linkType, boolean linuxExtensions, BpfAuxData aux)
            throws Exception {
        BpfProgram opt = compiler(linkType, linuxExtensions).build().compile(expr);
        BpfProgram unopt = compiler(linkType, linuxExtensions).optimize(false).build().compile(expr);
        BpfInterpreter o = BpfInterpreter.of(opt);
        BpfInterpreter u = BpfInterpreter.of(unopt);
        ProgramPackets packets = new ProgramPackets(LibpcapCorpus.dir().resolve("filter"), 7, 20);
        int accepted = 0;
        List<byte[]> frames = new java.util.ArrayList<>(packets.packetsFor(300, opt, unopt));
        for (int ihl = 5; ihl <= 7; ihl++) {
            for (int flags : new int[] {0x02, 0x08, 0x18}) {
                for (int[] ports : new int[][] {{8080, 1}, {1, 8080}, {80, 53}, {53, 80}, {1000, 2000}, {1792, 7000},
                        {7000, 1}, {1, 7000}}) {
                    frames.add(tcpFrame(ihl, ports[0], ports[1], flags));
                }
            }
        }
        for (byte[] pkt : frames) {
            for (int len : new int[] {pkt.length, Math.min(pkt.length, 40), Math.min(pkt.length, 50)}) {
                int ro = o.apply(pkt, 0, len, pkt.length, aux);
                int ru = u.apply(pkt, 0, len, pkt.length, aux);
                assertEquals(ru, ro, expr + " on " + HexFormat.of().formatHex(pkt, 0, len));
                accepted += ro != 0 ? 1 : 0;
            }
        }
        assertTrue(accepted > 0 || aux != null, expr + ": no packet accepted, the comparison proves little");
    }

    /** An Ethernet/IPv4/TCP frame with an IP header of {@code ihl} words (options make X differ from 20). */
    private static byte[] tcpFrame(int ihl, int srcPort, int dstPort, int tcpFlags) {
        int ip = 14;
        int tcp = ip + 4 * ihl;
        byte[] f = new byte[tcp + 20];
        f[12] = 0x08;
        f[ip] = (byte) (0x40 | ihl);
        f[ip + 9] = 6;
        f[tcp] = (byte) (srcPort >> 8);
        f[tcp + 1] = (byte) srcPort;
        f[tcp + 2] = (byte) (dstPort >> 8);
        f[tcp + 3] = (byte) dstPort;
        f[tcp + 12] = 0x50;
        f[tcp + 13] = (byte) tcpFlags;
        return f;
    }
}
