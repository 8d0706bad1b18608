package io.netsieve.core.bpf;

import io.netsieve.core.bpf.internal.LastTestFirst;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JIT's reordering of conjunctive filters ({@link LastTestFirst}): when it applies, and that it is exact. */
class BpfJitLastTestFirstTest {
    /** Random frames, and frames patched so that the tests of a program pass (see {@link ProgramPackets}). */
    private static final ProgramPackets PACKETS;

    static {
        try {
            PACKETS = new ProgramPackets(null, 0x7e57L, 0);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static BpfProgram compile(String expr) {
        return FilterCompiler.builder().linkType(1).build().compile(expr);
    }

    private static BpfProgram asm(String... lines) {
        return BpfAssembler.parse(String.join("\n", lines));
    }

    @Test
    void theFlagsTestOfSynOrFinRunsFirst() {
        BpfProgram reordered = LastTestFirst.reorder(compile("tcp[tcpflags] & (tcp-syn|tcp-fin) != 0"));
        // libpcap's program with its last test (the header length, the flags byte, jset) moved to the front
        BpfProgram expected = asm(
                "(000) ldxb 4*([14]&0xf)",
                "(001) ldb [x + 27]",
                "(002) jset #0x3 jt 3 jf 10",
                "(003) ldh [12]",
                "(004) jeq #0x800 jt 5 jf 10",
                "(005) ldb [23]",
                "(006) jeq #0x6 jt 7 jf 10",
                "(007) ldh [20]",
                "(008) jset #0x1fff jt 10 jf 9",
                "(009) ret #262144",
                "(010) ret #0");
        assertEquals(expected.dump(BpfDumpFormat.ASSEMBLY), reordered.dump(BpfDumpFormat.ASSEMBLY));
    }

    @Test
    void programsThatAreNotAPlainConjunctionStayAsTheyAre() {
        for (String expr : new String[] {"tcp port 80", "host 198.18.200.1 and tcp", "ip6 and udp port 53", "ip",
                "tcp or udp", "not tcp"}) {
            BpfProgram p = compile(expr);
            assertSame(p, LastTestFirst.reorder(p), expr);
        }
        // the last test reads X set by an earlier one
        BpfProgram usesEarlierX = asm(
                "(000) ldxb 4*([14]&0xf)",
                "(001) ldh [12]",
                "(002) jeq #0x800 jt 3 jf 6",
                "(003) ldb [x + 27]",
                "(004) jset #0x3 jt 5 jf 6",
                "(005) ret #1",
                "(006) ret #0");
        assertSame(usesEarlierX, LastTestFirst.reorder(usesEarlierX));
        // an earlier test reads X (0 at entry) that the last test's segment sets
        BpfProgram earlierReadsX = asm(
                "(000) ldb [x + 14]",
                "(001) jeq #0x45 jt 2 jf 6",
                "(002) ldxb 4*([14]&0xf)",
                "(003) ldb [x + 27]",
                "(004) jset #0x3 jt 5 jf 6",
                "(005) ret #1",
                "(006) ret #0");
        assertSame(earlierReadsX, LastTestFirst.reorder(earlierReadsX));
        // the accepted value is A, not a constant
        BpfProgram returnsA = asm(
                "(000) ldh [12]",
                "(001) jeq #0x800 jt 2 jf 5",
                "(002) ldb [23]",
                "(003) jeq #0x6 jt 4 jf 5",
                "(004) ret a",
                "(005) ret #0");
        assertSame(returnsA, LastTestFirst.reorder(returnsA));
    }

    /**
     * Compiled conjunctive filters: the reordered program returns what the original returns on frames built for
     * the program's tests, cut at every length; the JIT (which reorders) agrees with the interpreter on the original.
     */
    @Test
    void compiledConjunctionsAreExactForEveryTruncation() {
        int reordered = 0;
        Random r = new Random(0x1a57L);
        for (String expr : new String[] {"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "tcp dst port 80",
                "udp and udp[8:4] = 0x01020304", "ip[0:4] = 0 and ether[6] = 2", "len > 50 and tcp",
                "tcp[0:2] > 1000 and tcp[2:2] < 2000", "icmp[icmptype] = icmp-echo", "ip and ether[90] != 7",
                "vlan 100 and tcp dst port 22", "ip6 and ip6[6] = 6", "ip proto 47 and len < 200"}) {
            for (boolean optimize : new boolean[] {true, false}) {
                BpfProgram p = FilterCompiler.builder().linkType(1).optimize(optimize).build().compile(expr);
                BpfProgram q = LastTestFirst.reorder(p);
                reordered += q != p ? 1 : 0;
                assertSameResults(p, q, r, expr);
            }
        }
        System.out.println("last test first: " + reordered + " of 22 compiled conjunctions reordered");
        assertTrue(reordered >= 10, "reordered: " + reordered);
    }

    /** Random conjunctive programs (loads, ALU, scratch, X transfers, every jump kind): exact whenever reordered. */
    @Test
    void randomConjunctionsAreExact() {
        Random r = new Random(0x20_1127L);
        int reordered = 0;
        int programs = 0;
        while (programs < 3000) {
            BpfProgram p = randomConjunction(r);
            if (!BpfValidator.isValid(p, BpfValidator.Mode.LIBPCAP)) {
                continue;
            }
            programs++;
            BpfProgram q = LastTestFirst.reorder(p);
            if (q != p) {
                reordered++;
                assertTrue(BpfValidator.isValid(q, BpfValidator.Mode.LIBPCAP), q.toString());
            }
            assertSameResults(p, q, r, "random program " + programs);
        }
        System.out.println("last test first: " + reordered + " of " + programs + " random conjunctions reordered");
        // enough of them must qualify for this to test anything, and enough must be refused (dependencies)
        assertTrue(reordered > programs / 4, "reordered " + reordered + " of " + programs);
        assertTrue(reordered < programs, "reordered " + reordered + " of " + programs);
    }

    private static void assertSameResults(BpfProgram p, BpfProgram q, Random r, String what) {
        BpfFilter original = BpfInterpreter.of(p);
        BpfFilter moved = BpfInterpreter.of(q);
        BpfFilter jit = BpfJit.compile(p);
        List<byte[]> frames = new ArrayList<>(PACKETS.packetsFor(40, p));
        for (int i = 0; i < 20; i++) {
            byte[] f = new byte[100];
            r.nextBytes(f);
            if (r.nextBoolean()) {
                f[12] = 8;
                f[13] = 0;
                f[14] = 0x45;
                f[20] = 0;
                f[21] = 0;
                f[23] = (byte) (r.nextBoolean() ? 6 : 17);
            }
            frames.add(f);
        }
        for (byte[] f : frames) {
            for (int caplen = 0; caplen <= f.length; caplen += caplen < 80 ? 1 : 7) {
                byte[] cut = java.util.Arrays.copyOf(f, caplen);
                int wire = f.length + 4;
                int expected = original.apply(ByteBuffer.wrap(cut), 0, caplen, wire, null);
                int c = caplen;
                java.util.function.Supplier<String> where = () -> what + " caplen " + c + " frame "
                        + java.util.HexFormat.of().formatHex(f) + "\n" + p + "\nreordered\n" + q;
                assertEquals(expected, moved.apply(ByteBuffer.wrap(cut), 0, caplen, wire, null), where);
                assertEquals(expected, jit.apply(cut, 0, caplen, wire, null), where);
            }
        }
    }

    private static final int[] LOADS = {Bpf.LD | Bpf.B | Bpf.ABS, Bpf.LD | Bpf.H | Bpf.ABS, Bpf.LD | Bpf.W | Bpf.ABS,
            Bpf.LD | Bpf.B | Bpf.IND, Bpf.LD | Bpf.H | Bpf.IND, Bpf.LD | Bpf.W | Bpf.LEN, Bpf.LD | Bpf.IMM};
    private static final int[] ALU = {Bpf.ADD, Bpf.SUB, Bpf.AND, Bpf.OR, Bpf.RSH, Bpf.LSH, Bpf.DIV, Bpf.MOD, Bpf.XOR};
    private static final int[] JUMPS = {Bpf.JEQ, Bpf.JGT, Bpf.JGE, Bpf.JSET};

    /**
     * 2..4 tests, each after (mostly) a load and 0..3 random statements; each test's failing side is {@code ret #0}; one
     * {@code ret #k} at the end. Statements may read X or scratch words set (or not) by earlier tests.
     */
    private static BpfProgram randomConjunction(Random r) {
        List<BpfInstruction> body = new ArrayList<>();
        List<Integer> testAt = new ArrayList<>();
        List<Boolean> rejectTrue = new ArrayList<>();
        int tests = 2 + r.nextInt(3);
        for (int t = 0; t < tests; t++) {
            int statements = r.nextInt(4);
            if (r.nextInt(4) != 0) {
                // most tests load what they test, as compiled filters do (otherwise they read an earlier A)
                if (r.nextBoolean()) {
                    body.add(BpfInstruction.stmt(Bpf.LDX | Bpf.MSH | Bpf.B, 14));
                }
                body.add(BpfInstruction.stmt(LOADS[r.nextInt(LOADS.length)], r.nextInt(40)));
            }
            for (int s = 0; s < statements; s++) {
                body.add(randomStatement(r));
            }
            int op = JUMPS[r.nextInt(JUMPS.length)];
            boolean byX = r.nextInt(5) == 0;
            int k = r.nextInt(3) == 0 ? r.nextInt(256) : r.nextInt(8);
            testAt.add(body.size());
            rejectTrue.add(r.nextBoolean());
            body.add(BpfInstruction.jump(Bpf.JMP | op | (byX ? Bpf.X : Bpf.K), k, 0, 0));
        }
        int acceptAt = body.size();
        int rejectAt = acceptAt + 1;
        for (int t = 0; t < testAt.size(); t++) {
            int at = testAt.get(t);
            int pass = (t + 1 < testAt.size() ? at + 1 : acceptAt) - (at + 1);
            int reject = rejectAt - (at + 1);
            BpfInstruction j = body.get(at);
            body.set(at, BpfInstruction.jump(j.code(), j.k(), rejectTrue.get(t) ? reject : pass,
                    rejectTrue.get(t) ? pass : reject));
        }
        body.add(BpfInstruction.stmt(Bpf.RET | Bpf.K, 1 + r.nextInt(1000)));
        body.add(BpfInstruction.stmt(Bpf.RET | Bpf.K, 0));
        return BpfProgram.of(body);
    }

    private static BpfInstruction randomStatement(Random r) {
        switch (r.nextInt(8)) {
            case 0: case 1: case 2: {
                int code = LOADS[r.nextInt(LOADS.length)];
                return BpfInstruction.stmt(code, r.nextInt(40));
            }
            case 3:
                return r.nextBoolean() ? BpfInstruction.stmt(Bpf.LDX | Bpf.MSH | Bpf.B, 14)
                        : BpfInstruction.stmt(Bpf.LDX | Bpf.IMM, r.nextInt(30));
            case 4: {
                int op = ALU[r.nextInt(ALU.length)];
                boolean byX = r.nextBoolean();
                int k = op == Bpf.DIV || op == Bpf.MOD ? 1 + r.nextInt(7) : r.nextInt(9);
                return BpfInstruction.stmt(Bpf.ALU | op | (byX ? Bpf.X : Bpf.K), k);
            }
            case 5:
                return r.nextBoolean() ? BpfInstruction.stmt(Bpf.ST, r.nextInt(2))
                        : BpfInstruction.stmt(Bpf.STX, r.nextInt(2));
            case 6:
                return r.nextBoolean() ? BpfInstruction.stmt(Bpf.LD | Bpf.MEM, r.nextInt(2))
                        : BpfInstruction.stmt(Bpf.LDX | Bpf.MEM, r.nextInt(2));
            default:
                return BpfInstruction.stmt(Bpf.MISC | (r.nextBoolean() ? Bpf.TAX : Bpf.TXA), 0);
        }
    }
}
