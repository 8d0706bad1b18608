package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.packet.LinkType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * {@link BpfJit}'s speculation on the IPv4 header length: an indirect load {@code ld [x + k]} whose X comes from
 * {@code ldxb 4*([k']&0xf)} on every path is emitted, in the {@code byte[]} code, as
 * {@code X == 20 ? P[20 + k] : P[X + k]}, each branch with its own bounds test. Checked here: which programs get
 * the split (the pattern, and near misses that must not: X from {@code ldx #20}, from {@code tax}, from scratch
 * memory, an ldxb on one path only, offsets where 20 + k would overflow), and that the results equal the
 * interpreter's for every header length 0..60 and every truncation of the frame, on hand-written programs, on
 * {@code tcp port 80} as the compiler emits it and on random programs built around ldxb.
 */
class BpfJitSpeculationTest {

    private static BpfInstruction s(int code, int k) {
        return BpfInstruction.stmt(code, k);
    }

    private static BpfInstruction j(int code, int k, int jt, int jf) {
        return BpfInstruction.jump(code, k, jt, jf);
    }

    private static final BpfInstruction MSH14 = s(Bpf.LDX | Bpf.MSH | Bpf.B, 14);

    /** Packet reads (calls of the u8/u16/u32 readers) in the generated {@code apply(byte[], …)}. */
    private static int arrayReads(BpfProgram p) {
        int[] reads = {0};
        new ClassReader(BpfJit.generate(p)).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if (!name.equals("apply") || !descriptor.startsWith("([B")) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (opcode == Opcodes.INVOKESTATIC && method.matches("u(8|16|32)")) {
                            reads[0]++;
                        }
                    }
                };
            }
        }, 0);
        return reads[0];
    }

    /** A frame of {@code length} bytes: IPv4 version/IHL byte {@code vihl} at 14, the rest a counting pattern. */
    private static byte[] frame(int length, int vihl, Random r) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (r == null ? i * 7 : r.nextInt(256));
        }
        if (length > 14) {
            f[14] = (byte) vihl;
        }
        return f;
    }

    /**
     * Runs {@code p} with every IHL nibble (X = 0, 4, …, 60) on a 100-byte frame at offsets 0 and 3, truncated to
     * every length 0..100, through all entry points; all must equal the interpreter.
     */
    private static void assertExactForEveryHeaderLengthAndTruncation(BpfProgram p) {
        BpfFilter jit = BpfJit.compile(p);
        BpfFilter interpreter = BpfInterpreter.of(p);
        ByteBuffer direct = ByteBuffer.allocateDirect(128);
        for (int ihl = 0; ihl < 16; ihl++) {
            for (int offset : new int[] {0, 3}) {
                byte[] f = frame(100, 0x40 | ihl, null);
                byte[] a = new byte[offset + f.length];
                System.arraycopy(f, 0, a, offset, f.length);
                for (int caplen = 0; caplen <= f.length; caplen++) {
                    // The array ends where the capture does: a read past caplen would throw.
                    byte[] exact = java.util.Arrays.copyOf(a, offset + caplen);
                    int expected = interpreter.apply(ByteBuffer.wrap(exact), offset, caplen, 100, null);
                    String where = "ihl " + ihl + " offset " + offset + " caplen " + caplen + "\n" + p;
                    assertEquals(expected, jit.apply(exact, offset, caplen, 100, null), where);
                    assertEquals(expected, jit.apply(ByteBuffer.wrap(exact), offset, caplen, 100, null), where);
                    ByteBuffer d = direct.slice(0, exact.length);
                    d.put(0, exact);
                    assertEquals(expected, jit.apply(d, offset, caplen, 100, null), where);
                }
            }
        }
    }

    /** ldxb 4*([14]&0xf); ld?? [x + k]; ret a (+1, to tell a 0 that was loaded from a failed load). */
    private static BpfProgram loadAfterMsh(int size, int k) {
        return BpfProgram.of(MSH14, s(Bpf.LD | size | Bpf.IND, k), s(Bpf.ALU | Bpf.ADD | Bpf.K, 1),
                s(Bpf.RET | Bpf.A, 0));
    }

    @Test
    void indirectLoadsAfterLdxbAreSplit() {
        for (int size : new int[] {Bpf.B, Bpf.H, Bpf.W}) {
            for (int k : new int[] {0, 1, 14, 16, 27, 40, 79}) {
                BpfProgram p = loadAfterMsh(size, k);
                // one read for the ldxb, two for the split load
                assertEquals(3, arrayReads(p), () -> "split expected:\n" + p);
                assertExactForEveryHeaderLengthAndTruncation(p);
            }
        }
        // 20 + k + size just fits an int: still split, and always out of bounds.
        BpfProgram edge = loadAfterMsh(Bpf.W, Integer.MAX_VALUE - 24);
        assertEquals(3, arrayReads(edge));
        assertExactForEveryHeaderLengthAndTruncation(edge);
    }

    @Test
    void nearMissesAreNotSplit() {
        List<BpfProgram> misses = new ArrayList<>();
        // X = 20 from a constant, not from a header length.
        misses.add(BpfProgram.of(s(Bpf.LDX | Bpf.IMM, 20), s(Bpf.LD | Bpf.H | Bpf.IND, 14), s(Bpf.RET | Bpf.A, 0)));
        // ldxb, then X replaced by tax (A = a byte of the packet).
        misses.add(BpfProgram.of(MSH14, s(Bpf.LD | Bpf.B | Bpf.ABS, 15), s(Bpf.MISC | Bpf.TAX, 0),
                s(Bpf.LD | Bpf.H | Bpf.IND, 14), s(Bpf.RET | Bpf.A, 0)));
        // ldxb, stx, ldx M[]: the same value, but through scratch memory.
        misses.add(BpfProgram.of(MSH14, s(Bpf.STX, 2), s(Bpf.LDX | Bpf.MEM, 2), s(Bpf.LD | Bpf.H | Bpf.IND, 14),
                s(Bpf.RET | Bpf.A, 0)));
        // ldxb on one path, ldx #20 on the other, then the load.
        misses.add(BpfProgram.of(s(Bpf.LD | Bpf.B | Bpf.ABS, 0), j(Bpf.JMP | Bpf.JSET | Bpf.K, 1, 0, 2), MSH14,
                s(Bpf.JMP | Bpf.JA, 1), s(Bpf.LDX | Bpf.IMM, 20), s(Bpf.LD | Bpf.H | Bpf.IND, 14),
                s(Bpf.RET | Bpf.A, 0)));
        // 20 + k + size overflows an int.
        misses.add(loadAfterMsh(Bpf.W, Integer.MAX_VALUE - 23));
        misses.add(loadAfterMsh(Bpf.B, -1));
        for (BpfProgram p : misses) {
            int loads = 0;
            for (BpfInstruction insn : p.instructions()) {
                int cls = Bpf.cls(insn.code());
                loads += (cls == Bpf.LD || cls == Bpf.LDX) && (Bpf.mode(insn.code()) == Bpf.ABS
                        || Bpf.mode(insn.code()) == Bpf.IND || Bpf.mode(insn.code()) == Bpf.MSH) ? 1 : 0;
            }
            assertEquals(loads, arrayReads(p), () -> "no split expected:\n" + p);
            assertExactForEveryHeaderLengthAndTruncation(p);
        }
        // ldxb on both paths (different offsets): split.
        BpfProgram both = BpfProgram.of(s(Bpf.LD | Bpf.B | Bpf.ABS, 0), j(Bpf.JMP | Bpf.JSET | Bpf.K, 1, 0, 2),
                MSH14, s(Bpf.JMP | Bpf.JA, 1), s(Bpf.LDX | Bpf.MSH | Bpf.B, 18), s(Bpf.LD | Bpf.H | Bpf.IND, 14),
                s(Bpf.RET | Bpf.A, 0));
        assertEquals(5, arrayReads(both));
        assertExactForEveryHeaderLengthAndTruncation(both);
    }

    @Test
    void tcpPort80AsCompiled() {
        BpfProgram p = FilterCompiler.builder().linkType(LinkType.ETHERNET).build().compile("tcp port 80");
        // IPv4 (ldxb, then the source and destination port loads split) besides the IPv6 branch.
        assertExactForEveryHeaderLengthAndTruncation(p);
        BpfFilter jit = BpfJit.compile(p);
        BpfFilter interpreter = BpfInterpreter.of(p);
        for (int ihl : new int[] {5, 6, 15}) {
            for (int[] ports : new int[][] {{80, 1234}, {1234, 80}, {80, 80}, {1234, 4321}}) {
                int ipLen = 4 * ihl;
                byte[] f = new byte[14 + ipLen + 20];
                f[12] = 0x08;
                f[14] = (byte) (0x40 | ihl);
                f[23] = 6;
                f[14 + ipLen] = (byte) (ports[0] >> 8);
                f[14 + ipLen + 1] = (byte) ports[0];
                f[14 + ipLen + 2] = (byte) (ports[1] >> 8);
                f[14 + ipLen + 3] = (byte) ports[1];
                boolean match = ports[0] == 80 || ports[1] == 80;
                assertEquals(match ? 262144 : 0, jit.apply(f, 0, f.length, f.length, null), "ihl " + ihl);
                // Truncated frames: a source port of 80 matches as soon as it is captured, a destination port
                // of 80 needs both ports captured; every cut agrees with the interpreter.
                for (int caplen = 0; caplen <= f.length; caplen++) {
                    byte[] cut = java.util.Arrays.copyOf(f, caplen);
                    assertEquals(interpreter.apply(ByteBuffer.wrap(cut), 0, caplen, f.length, null),
                            jit.apply(cut, 0, caplen, f.length, null), "ihl " + ihl + " caplen " + caplen);
                }
                int srcEnd = 14 + ipLen + 2;
                assertEquals(ports[0] == 80 ? 262144 : 0,
                        jit.apply(java.util.Arrays.copyOf(f, srcEnd), 0, srcEnd, f.length, null));
            }
        }
    }

    /**
     * Random programs around ldxb: header-length loads at a few offsets, indirect loads of every size at offsets
     * near and far (including ones where 20 + k overflows), X overwritten now and then (ldx #k, tax, ldx M[]),
     * forward jumps, returns of A, X or constants.
     */
    private static BpfProgram randomMshProgram(Random r) {
        int n = 2 + r.nextInt(16);
        List<BpfInstruction> l = new ArrayList<>(n);
        boolean stored = false;
        for (int pc = 0; pc < n - 1; pc++) {
            int left = n - 1 - pc; // instructions after this one
            switch (r.nextInt(10)) {
                case 0, 1 -> l.add(s(Bpf.LDX | Bpf.MSH | Bpf.B, r.nextInt(4) == 0 ? r.nextInt(80) : 14));
                case 2, 3, 4 -> {
                    int[] sizes = {Bpf.B, Bpf.H, Bpf.W};
                    int k = switch (r.nextInt(8)) {
                        case 0 -> Integer.MAX_VALUE - 20 - r.nextInt(8);
                        case 1 -> -1 - r.nextInt(4);
                        default -> r.nextInt(60);
                    };
                    l.add(s(Bpf.LD | sizes[r.nextInt(3)] | Bpf.IND, k));
                }
                case 5 -> {
                    int c = r.nextInt(3);
                    if (c == 0) {
                        l.add(s(Bpf.LDX | Bpf.IMM, r.nextBoolean() ? 20 : r.nextInt(64)));
                    } else if (c == 1) {
                        l.add(s(Bpf.MISC | Bpf.TAX, 0));
                    } else if (stored) {
                        l.add(s(Bpf.LDX | Bpf.MEM, 0));
                    } else {
                        l.add(s(Bpf.STX, 0));
                        stored = true;
                    }
                }
                case 6 -> l.add(s(Bpf.LD | Bpf.B | Bpf.ABS, r.nextInt(40)));
                case 7, 8 -> {
                    int[] ops = {Bpf.JEQ, Bpf.JGT, Bpf.JSET};
                    l.add(j(Bpf.JMP | ops[r.nextInt(3)] | Bpf.K, r.nextInt(4) == 0 ? 20 : r.nextInt(256),
                            r.nextInt(left), r.nextInt(left)));
                }
                default -> l.add(s(Bpf.ALU | Bpf.ADD | Bpf.K, 1));
            }
        }
        int[] rets = {Bpf.RET | Bpf.A, Bpf.RET | Bpf.X, Bpf.RET | Bpf.K};
        l.add(s(rets[r.nextInt(3)], 7));
        BpfProgram p = BpfProgram.of(l);
        return BpfValidator.isValid(p, BpfValidator.Mode.LIBPCAP) ? p : randomMshProgram(r);
    }

    @Test
    void randomProgramsAroundLdxbMatchTheInterpreter() {
        int programs = 4000;
        int split = 0;
        Random seeds = new Random(0x20_1411L);
        List<BpfProgram> made = new ArrayList<>();
        BpfJitTest.Differential d = BpfJitTest.differential(seeds, programs, 30, r -> {
            BpfProgram p = randomMshProgram(r);
            made.add(p);
            return p;
        }, r -> {
            // Header lengths mostly 20 (IHL 5), as on real traffic; frames cut anywhere up to 100 bytes.
            int caplen = r.nextInt(4) == 0 ? r.nextInt(101) : 30 + r.nextInt(50);
            int offset = r.nextInt(3) == 0 ? 0 : r.nextInt(20);
            byte[] a = new byte[offset + caplen];
            byte[] f = frame(caplen, 0x40 | (r.nextInt(3) == 0 ? r.nextInt(16) : 5), r);
            System.arraycopy(f, 0, a, offset, caplen);
            return new BpfJitTest.Frame(a, offset, caplen, caplen + r.nextInt(100), null);
        });
        for (BpfProgram p : made) {
            int loads = 0;
            for (BpfInstruction insn : p.instructions()) {
                loads += Bpf.cls(insn.code()) == Bpf.LD || Bpf.cls(insn.code()) == Bpf.LDX
                        && Bpf.mode(insn.code()) == Bpf.MSH ? 1 : 0;
            }
            split += arrayReads(p) > loads ? 1 : 0;
        }
        assertEquals(programs, d.compiled());
        // The generator must produce programs with split loads, and runs that do not just return 0.
        assertTrue(split > programs / 5, "programs with a split load: " + split);
        assertTrue(d.nonZero() > d.runs() / 5, "accepting runs: " + d.nonZero() + " of " + d.runs());
    }

    /**
     * Compiled filters (optimised and not) with accepting and rejecting paths of different lengths, indexed loads,
     * {@code ret #0} branches and loads near the end of the frame: exact for every truncation and header length.
     */
    @Test
    void compiledFiltersAreExactForEveryTruncation() {
        for (String expr : new String[] {"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "tcp port 80",
                "tcp port 80 or udp port 53", "ether[0] = 1 or ip[60] = 1", "ip[0:4] = 0 and ether[6] = 2",
                "len > 50 and tcp", "not tcp[13] = 2", "ip and ether[90] != 7", "ether[2] = 3 or not ether[95] = 1",
                "tcp[0:2] > 1000 and tcp[2:2] < 2000", "udp and udp[8:4] = 0x01020304"}) {
            BpfProgram p = FilterCompiler.builder().linkType(1).build().compile(expr);
            assertExactForEveryHeaderLengthAndTruncation(p);
            assertExactForEveryHeaderLengthAndTruncation(
                    FilterCompiler.builder().linkType(1).optimize(false).build().compile(expr));
        }
    }
}
