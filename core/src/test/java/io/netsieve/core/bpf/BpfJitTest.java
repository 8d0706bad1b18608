package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link BpfJit}: hand-computed results for every opcode group, then differential runs against
 * {@link BpfInterpreter} (random programs, and tcpdump listings parsed with {@link BpfAssembler}).
 */
@Timeout(60) // a step-counting bug in the JIT would make loop programs run forever instead of failing
class BpfJitTest {

    // ---------------------------------------------------------------------------------------------- helpers

    private static BpfInstruction s(int code, int k) {
        return BpfInstruction.stmt(code, k);
    }

    private static BpfInstruction j(int code, int k, int jt, int jf) {
        return BpfInstruction.jump(code, k, jt, jf);
    }

    private static BpfProgram prog(BpfInstruction... insns) {
        return BpfProgram.of(insns);
    }

    /**
     * Runs the compiled program (asserting it really was compiled, not the fallback) on {@code packet} as a heap
     * buffer and as a direct buffer at a non-zero offset; both must agree with each other and with the
     * interpreter. Returns the JIT result, which the caller compares with the hand-computed value.
     */
    private static int run(BpfProgram p, byte[] packet, int wireLength, BpfAuxData aux) {
        BpfFilter jit = BpfJit.compile(p);
        assertFalse(jit instanceof BpfInterpreter, "expected generated code, got the interpreter fallback");
        int heap = jit.apply(ByteBuffer.wrap(packet), 0, packet.length, wireLength, aux);
        int off = 7;
        ByteBuffer direct = ByteBuffer.allocateDirect(off + packet.length);
        direct.put(off, packet);
        int fromDirect = jit.apply(direct, off, packet.length, wireLength, aux);
        assertEquals(heap, fromDirect, "heap vs direct buffer");
        int interpreted = BpfInterpreter.of(p).apply(ByteBuffer.wrap(packet), 0, packet.length, wireLength, aux);
        assertEquals(interpreted, heap, "interpreter vs JIT");
        return heap;
    }

    private static int run(BpfProgram p, byte[] packet) {
        return run(p, packet, packet.length, null);
    }

    /** A frame for {@link #differential}: {@code caplen} captured bytes at {@code offset} in {@code array}. */
    record Frame(byte[] array, int offset, int caplen, int wireLength, BpfAuxData aux) {
    }

    /** What {@link #differential} ran: runs, programs compiled to code (not the fallback), runs not returning 0. */
    record Differential(long runs, int compiled, long nonZero) {
    }

    /**
     * The differential test the random tests share: {@code programs} programs from {@code programs}, each run on
     * {@code packets} frames from {@code frames}; the JIT, through the heap {@code ByteBuffer}, a direct
     * {@code ByteBuffer} (the same bytes at the same offset) and the {@code byte[]} entry point, must return what
     * the interpreter returns every time.
     */
    static Differential differential(Random r, int programCount, int packets,
            java.util.function.Function<Random, BpfProgram> programs,
            java.util.function.Function<Random, Frame> frames) {
        ByteBuffer directArena = ByteBuffer.allocateDirect(1 << 12);
        long runs = 0;
        long nonZero = 0;
        int compiled = 0;
        for (int i = 0; i < programCount; i++) {
            BpfProgram p = programs.apply(r);
            BpfFilter interpreter = BpfInterpreter.of(p);
            BpfFilter jit = BpfJit.compile(p);
            if (!(jit instanceof BpfInterpreter)) {
                compiled++;
            }
            for (int t = 0; t < packets; t++) {
                Frame f = frames.apply(r);
                byte[] a = f.array();
                int expected = interpreter.apply(ByteBuffer.wrap(a), f.offset(), f.caplen(), f.wireLength(), f.aux());
                int heap = jit.apply(ByteBuffer.wrap(a), f.offset(), f.caplen(), f.wireLength(), f.aux());
                int array = jit.apply(a, f.offset(), f.caplen(), f.wireLength(), f.aux());
                ByteBuffer direct = directArena.slice(0, a.length);
                direct.put(0, a);
                int fromDirect = jit.apply(direct, f.offset(), f.caplen(), f.wireLength(), f.aux());
                runs++;
                nonZero += expected != 0 ? 1 : 0;
                if (heap != expected || array != expected || fromDirect != expected) {
                    assertEquals(expected + " " + expected + " " + expected, heap + " " + array + " " + fromDirect,
                            "interpreter vs JIT (heap, byte[], direct) for program " + i + " packet " + t
                            + ": bytes " + java.util.HexFormat.of().formatHex(a) + " offset " + f.offset()
                            + " caplen " + f.caplen() + " wire " + f.wireLength() + " aux " + (f.aux() != null)
                            + "\n" + p.dump(BpfDumpFormat.ASSEMBLY));
                }
            }
        }
        return new Differential(runs, compiled, nonZero);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** Ethernet II (14) + IPv4 header with the given IHL (no options content) + TCP ports; total 14 + 4*ihl + 20. */
    private static byte[] ipv4Tcp(int ihl, int srcPort, int dstPort, int fragmentField) {
        int ipLen = 4 * ihl;
        byte[] f = new byte[14 + ipLen + 20];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff; // dst
            f[6 + i] = (byte) (0x10 + i); // src
        }
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = (byte) (0x40 | ihl);
        f[16] = (byte) ((ipLen + 20) >> 8);
        f[17] = (byte) (ipLen + 20);
        f[20] = (byte) (fragmentField >> 8);
        f[21] = (byte) fragmentField;
        f[22] = 64; // ttl
        f[23] = 6; // tcp
        f[26] = 10; f[27] = 0; f[28] = 0; f[29] = 1;
        f[30] = 10; f[31] = 0; f[32] = 0; f[33] = 2;
        int t = 14 + ipLen;
        f[t] = (byte) (srcPort >> 8);
        f[t + 1] = (byte) srcPort;
        f[t + 2] = (byte) (dstPort >> 8);
        f[t + 3] = (byte) dstPort;
        return f;
    }

    /** Ethernet II + IPv6 (next header TCP) + TCP ports. */
    private static byte[] ipv6Tcp(int srcPort, int dstPort) {
        byte[] f = new byte[14 + 40 + 20];
        f[12] = (byte) 0x86;
        f[13] = (byte) 0xdd;
        f[14] = 0x60;
        f[19] = 20; // payload length
        f[20] = 6; // next header
        f[21] = 64;
        f[54] = (byte) (srcPort >> 8);
        f[55] = (byte) srcPort;
        f[56] = (byte) (dstPort >> 8);
        f[57] = (byte) dstPort;
        return f;
    }

    /** Ethernet II + ARP request (28 bytes). */
    private static byte[] arp() {
        byte[] f = new byte[14 + 28];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[12] = 0x08;
        f[13] = 0x06;
        f[14] = 0x00; f[15] = 0x01; // htype ethernet
        f[16] = 0x08; f[17] = 0x00; // ptype ipv4
        f[18] = 6;
        f[19] = 4;
        f[21] = 1; // request
        return f;
    }

    // ---------------------------------------------------------------------------------- (a) hand-written tests

    @Test
    void ipv4VersusArp() {
        BpfProgram p = prog(
                s(Bpf.LD | Bpf.H | Bpf.ABS, 12),
                j(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x800, 0, 1),
                s(Bpf.RET | Bpf.K, 65535),
                s(Bpf.RET | Bpf.K, 0));
        assertEquals(65535, run(p, ipv4Tcp(5, 1234, 80, 0)));
        assertEquals(0, run(p, arp()));
        // 13 bytes captured: the 2-byte load at 12 needs 14 -> out of bounds -> 0, even though the wire length
        // is large.
        assertEquals(0, run(p, java.util.Arrays.copyOf(ipv4Tcp(5, 1, 2, 0), 13), 60, null));
        assertEquals(0, run(p, new byte[0], 0, null));
    }

    @Test
    void absoluteLoadsAreBigEndianAndUnsigned() {
        byte[] pkt = bytes(0x01, 0x02, 0x03, 0x04, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00);
        assertEquals(0x01020304, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, 0), s(Bpf.RET | Bpf.A, 0)), pkt));
        assertEquals(0xfffe, run(prog(s(Bpf.LD | Bpf.H | Bpf.ABS, 4), s(Bpf.RET | Bpf.A, 0)), pkt));
        assertEquals(0xfe, run(prog(s(Bpf.LD | Bpf.B | Bpf.ABS, 5), s(Bpf.RET | Bpf.A, 0)), pkt));
        assertEquals(0x80000000, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, 6), s(Bpf.RET | Bpf.A, 0)), pkt));
        // The last 4 bytes exactly: in bounds. One further: out.
        assertEquals(0x80000000, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, 6), s(Bpf.RET | Bpf.A, 0)), pkt));
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, 7), s(Bpf.RET | Bpf.K, 9)), pkt));
        assertEquals(9, run(prog(s(Bpf.LD | Bpf.B | Bpf.ABS, 9), s(Bpf.RET | Bpf.K, 9)), pkt));
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.B | Bpf.ABS, 10), s(Bpf.RET | Bpf.K, 9)), pkt));
        // k = 0xffffffff is not an ancillary offset: a huge unsigned offset, out of bounds (no int wrap).
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.B | Bpf.ABS, 0xffffffff), s(Bpf.RET | Bpf.K, 9)), pkt));
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.H | Bpf.ABS, 0x7fffffff), s(Bpf.RET | Bpf.K, 9)), pkt));
    }

    /** {@code ldx #x; ld?? [x + k]; ret} with the given return (ret a for the value, ret #1 to see a failed load). */
    private static int indirect(int x, int size, int k, BpfInstruction ret, byte[] pkt) {
        return run(prog(s(Bpf.LDX | Bpf.IMM, x), s(Bpf.LD | size | Bpf.IND, k), ret), pkt);
    }

    @Test
    void indirectLoads() {
        byte[] pkt = bytes(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
        BpfInstruction retA = s(Bpf.RET | Bpf.A, 0);
        BpfInstruction ret1 = s(Bpf.RET | Bpf.K, 1);
        // X = 2: ldb [x + 1] = P[3]
        assertEquals(0x33, indirect(2, Bpf.B, 1, retA, pkt));
        assertEquals(0x3344, indirect(2, Bpf.H, 1, retA, pkt));
        assertEquals(0x33445566, indirect(2, Bpf.W, 1, retA, pkt));
        assertEquals(1, indirect(2, Bpf.W, 1, ret1, pkt));
        // 2 + 2 + 4 = 8 > 7 captured bytes
        assertEquals(0, indirect(2, Bpf.W, 2, ret1, pkt));
        // X = 0xffffffff, k = 1: X + k = 2^32, which in 32 bits would wrap to 0; BPF says out of bounds.
        assertEquals(0, indirect(0xffffffff, Bpf.B, 1, ret1, pkt));
        // X = 0xffffffff, k = 0xffffffff: 2^33 - 2, out of bounds.
        assertEquals(0, indirect(0xffffffff, Bpf.B, 0xffffffff, ret1, pkt));
    }

    @Test
    void lengthsImmediatesMshAndTransfers() {
        byte[] frame = ipv4Tcp(6, 1, 2, 0); // IHL 6 -> header length 24
        assertEquals(1500, run(prog(s(Bpf.LD | Bpf.W | Bpf.LEN, 0), s(Bpf.RET | Bpf.A, 0)), frame, 1500, null));
        assertEquals(1500, run(prog(s(Bpf.LDX | Bpf.W | Bpf.LEN, 0), s(Bpf.RET | Bpf.X, 0)), frame, 1500, null));
        assertEquals(24, run(prog(s(Bpf.LDX | Bpf.MSH | Bpf.B, 14), s(Bpf.RET | Bpf.X, 0)), frame));
        // msh at the last captured byte is fine, one past it is not.
        byte[] small = bytes(0x00, 0xff);
        assertEquals(60, run(prog(s(Bpf.LDX | Bpf.MSH | Bpf.B, 1), s(Bpf.RET | Bpf.X, 0)), small));
        assertEquals(0, run(prog(s(Bpf.LDX | Bpf.MSH | Bpf.B, 2), s(Bpf.RET | Bpf.K, 5)), small));
        assertEquals(0, run(prog(s(Bpf.LDX | Bpf.MSH | Bpf.B, 0x80000000), s(Bpf.RET | Bpf.K, 5)), small));
        // ld/ldx immediates, tax/txa, ret k/a/x
        assertEquals(0xdeadbeef, run(prog(s(Bpf.LD | Bpf.IMM, 0xdeadbeef), s(Bpf.RET | Bpf.A, 0)), small));
        assertEquals(77, run(prog(s(Bpf.LDX | Bpf.IMM, 77), s(Bpf.MISC | Bpf.TXA, 0), s(Bpf.LDX | Bpf.IMM, 1),
                s(Bpf.RET | Bpf.A, 0)), small));
        assertEquals(78, run(prog(s(Bpf.LD | Bpf.IMM, 78), s(Bpf.MISC | Bpf.TAX, 0), s(Bpf.LD | Bpf.IMM, 1),
                s(Bpf.RET | Bpf.X, 0)), small));
        assertEquals(0xffffffff, run(prog(s(Bpf.RET | Bpf.K, 0xffffffff)), small));
    }

    @Test
    void scratchMemory() {
        byte[] pkt = new byte[4];
        // st M[3] = 7, st M[15] = X = 5; clobber A and X; read back and add.
        BpfProgram p = prog(
                s(Bpf.LD | Bpf.IMM, 7),
                s(Bpf.ST, 3),
                s(Bpf.LDX | Bpf.IMM, 5),
                s(Bpf.STX, 15),
                s(Bpf.LD | Bpf.IMM, 0),
                s(Bpf.LDX | Bpf.IMM, 0),
                s(Bpf.LD | Bpf.MEM, 3),
                s(Bpf.LDX | Bpf.MEM, 15),
                s(Bpf.ALU | Bpf.ADD | Bpf.X, 0),
                s(Bpf.RET | Bpf.A, 0));
        assertEquals(12, run(p, pkt));
        BpfFilter jit = BpfJit.compile(p);
        // A second run starts from zeroed scratch again: M[9] was never written, reads 0.
        BpfProgram unwritten = prog(s(Bpf.LD | Bpf.IMM, 3), s(Bpf.LD | Bpf.MEM, 9), s(Bpf.ADD | Bpf.ALU, 4),
                s(Bpf.RET | Bpf.A, 0));
        assertEquals(4, run(unwritten, pkt));
        assertEquals(12, jit.apply(pkt, 4));
        // Written on one run, must not leak into the next: st M[0] only when P[0] != 0, then ret M[0] + 1.
        BpfProgram leak = prog(
                s(Bpf.LD | Bpf.B | Bpf.ABS, 0),
                j(Bpf.JMP | Bpf.JEQ | Bpf.K, 0, 1, 0),
                s(Bpf.ST, 0),
                s(Bpf.LD | Bpf.MEM, 0),
                s(Bpf.ALU | Bpf.ADD | Bpf.K, 1),
                s(Bpf.RET | Bpf.A, 0));
        BpfFilter leaky = BpfJit.compile(leak);
        assertEquals(10, leaky.apply(bytes(9), 1));
        assertEquals(1, leaky.apply(bytes(0), 1));
    }

    private static int alu(int a, int code, int k) {
        // ld #a; <alu op> #k; ret a        (add 0x100 to tell "filter returned 0" from "A is 0")
        return run(prog(s(Bpf.LD | Bpf.IMM, a), s(code, k), s(Bpf.ALU | Bpf.ADD | Bpf.K, 0x100),
                s(Bpf.RET | Bpf.A, 0)), new byte[1]) - 0x100;
    }

    private static int aluX(int a, int code, int x) {
        // ldx #x; ld #a; <alu op> x; ret a + 0x100
        return run(prog(s(Bpf.LDX | Bpf.IMM, x), s(Bpf.LD | Bpf.IMM, a), s(code, 0),
                s(Bpf.ALU | Bpf.ADD | Bpf.K, 0x100), s(Bpf.RET | Bpf.A, 0)), new byte[1]) - 0x100;
    }

    /** {@code a op operand} in both forms, {@code op #k} and {@code op x} with X = operand: both give expected. */
    private static void assertAlu(int expected, int a, int op, int operand) {
        assertEquals(expected, alu(a, Bpf.ALU | Bpf.K | op, operand), () -> "op #k, k = " + operand);
        assertEquals(expected, aluX(a, Bpf.ALU | Bpf.X | op, operand), () -> "op x, x = " + operand);
    }

    @Test
    void aluWithConstantsAndX() {
        assertAlu(12, 5, Bpf.ADD, 7);
        assertAlu(0xffffffff, 1, Bpf.SUB, 2);
        assertAlu(0xfffffffe, 1, Bpf.SUB, 3);
        assertAlu(0x00000002, 0x80000001, Bpf.MUL, 2); // overflow wraps
        assertAlu(0xfffffffe, 0xffffffff, Bpf.MUL, 2);
        assertAlu(0x7fffffff, 0xffffffff, Bpf.DIV, 2); // unsigned
        assertAlu(0x55555555, 0xffffffff, Bpf.DIV, 3);
        assertAlu(1, 0xffffffff, Bpf.DIV, 0x80000000);
        assertAlu(0, 0x7fffffff, Bpf.DIV, 0xffffffff);
        assertAlu(1, 0xffffffff, Bpf.MOD, 2); // a power of two: a mask for #k
        assertAlu(0x7fffffff, 0xffffffff, Bpf.MOD, 0x80000000);
        assertAlu(0, 0xffffffff, Bpf.MOD, 3); // 0xffffffff = 3 * 0x55555555
        assertAlu(6, 1000, Bpf.MOD, 7); // 1000 = 7 * 142 + 6
        assertAlu(0x0f00, 0xff0f, Bpf.AND, 0x0ff0);
        assertAlu(0xfff0, 0xf000, Bpf.OR, 0x0ff0);
        assertAlu(0xff00, 0xf0f0, Bpf.XOR, 0x0ff0);
        assertAlu(0x80000000, 1, Bpf.LSH, 31);
        assertAlu(1, 0x80000000, Bpf.RSH, 31); // logical, not arithmetic
        assertAlu(0xffffffff, 0xffffffff, Bpf.RSH, 0);
        assertAlu(0xffffffff, 0xffffffff, Bpf.LSH, 0);
        // Shifts by 32 or more give 0 (the JVM alone would shift by the amount & 31).
        for (int by : new int[] {32, 40, 0x80000000, 0xffffffff}) { // the last ones unsigned, not negative
            assertAlu(0, 5, Bpf.LSH, by);
            assertAlu(0, 0xffffffff, Bpf.RSH, by);
        }
        assertEquals(0xfffffffb, alu(5, Bpf.ALU | Bpf.NEG, 0));
        assertEquals(0x80000000, alu(0x80000000, Bpf.ALU | Bpf.NEG, 0));
    }

    @Test
    void divisionByZeroXReturnsZero() {
        // ldx #0; ld #10; div x; ret #99  -> the division ends the filter with 0, not 99, and does not throw.
        assertEquals(0, run(prog(s(Bpf.LDX | Bpf.IMM, 0), s(Bpf.LD | Bpf.IMM, 10), s(Bpf.ALU | Bpf.DIV | Bpf.X, 0),
                s(Bpf.RET | Bpf.K, 99)), new byte[1]));
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.IMM, 10), s(Bpf.ALU | Bpf.MOD | Bpf.X, 0),
                s(Bpf.RET | Bpf.K, 99)), new byte[1]));
        // Constant division by zero does not validate.
        assertThrows(BpfValidationException.class, () -> BpfJit.compile(prog(s(Bpf.ALU | Bpf.DIV | Bpf.K, 0),
                s(Bpf.RET | Bpf.K, 1))));
    }

    @Test
    void shiftBy40() {
        // ld #5; lsh #40; add #9; ret a  -> 0 + 9
        assertEquals(9, run(prog(s(Bpf.LD | Bpf.IMM, 5), s(Bpf.ALU | Bpf.LSH | Bpf.K, 40),
                s(Bpf.ALU | Bpf.ADD | Bpf.K, 9), s(Bpf.RET | Bpf.A, 0)), new byte[1]));
        // ldx #40; ld #5; lsh x; add #9; ret a  -> 9 (the JVM's 5 << (40 & 31) would give 1280 + 9)
        assertEquals(9, run(prog(s(Bpf.LDX | Bpf.IMM, 40), s(Bpf.LD | Bpf.IMM, 5), s(Bpf.ALU | Bpf.LSH | Bpf.X, 0),
                s(Bpf.ALU | Bpf.ADD | Bpf.K, 9), s(Bpf.RET | Bpf.A, 0)), new byte[1]));
    }

    private static int jump(int a, int code, int kOrX) {
        boolean useX = Bpf.src(code) == Bpf.X;
        // [ldx #x;] ld #a; j?? jt 1 jf 2 (via jt=0, jf=1); ret #1 (true); ret #2 (false)
        List<BpfInstruction> l = new ArrayList<>();
        if (useX) {
            l.add(s(Bpf.LDX | Bpf.IMM, kOrX));
        }
        l.add(s(Bpf.LD | Bpf.IMM, a));
        l.add(j(code, useX ? 0 : kOrX, 0, 1));
        l.add(s(Bpf.RET | Bpf.K, 1));
        l.add(s(Bpf.RET | Bpf.K, 2));
        return run(BpfProgram.of(l), new byte[1]);
    }

    @Test
    void conditionalJumpsAreUnsigned() {
        for (int src : new int[] {Bpf.K, Bpf.X}) {
            int jgt = Bpf.JMP | Bpf.JGT | src;
            int jge = Bpf.JMP | Bpf.JGE | src;
            int jeq = Bpf.JMP | Bpf.JEQ | src;
            int jset = Bpf.JMP | Bpf.JSET | src;
            assertEquals(1, jump(0xffffffff, jgt, 1), "0xffffffff > 1 unsigned");
            assertEquals(2, jump(1, jgt, 0xffffffff));
            assertEquals(1, jump(0x80000000, jgt, 0x7fffffff));
            assertEquals(2, jump(5, jgt, 5));
            assertEquals(1, jump(5, jge, 5));
            assertEquals(2, jump(4, jge, 5));
            assertEquals(1, jump(0x80000000, jge, 0x80000000));
            assertEquals(2, jump(0x7fffffff, jge, 0x80000000));
            assertEquals(1, jump(0, jge, 0));
            assertEquals(1, jump(0xdeadbeef, jeq, 0xdeadbeef));
            assertEquals(2, jump(0xdeadbeef, jeq, 0xdeadbeee));
            assertEquals(1, jump(0, jeq, 0));
            assertEquals(1, jump(0x1010, jset, 0x0010));
            assertEquals(2, jump(0x1010, jset, 0x0101));
            assertEquals(2, jump(0xffffffff, jset, 0));
        }
        // jt == jf: both ways the same.
        assertEquals(3, run(prog(s(Bpf.LD | Bpf.IMM, 1), j(Bpf.JMP | Bpf.JEQ | Bpf.K, 1, 1, 1),
                s(Bpf.RET | Bpf.K, 2), s(Bpf.RET | Bpf.K, 3)), new byte[1]));
        // Both targets away from the next instruction, and ja over unreachable code.
        BpfProgram p = prog(
                s(Bpf.LD | Bpf.IMM, 7),
                j(Bpf.JMP | Bpf.JGT | Bpf.K, 6, 2, 3),
                s(Bpf.RET | Bpf.K, 100), // unreachable
                s(Bpf.RET | Bpf.K, 101), // unreachable
                s(Bpf.JMP | Bpf.JA, 1), // true: pc 4
                s(Bpf.RET | Bpf.K, 102), // false: pc 5
                s(Bpf.RET | Bpf.K, 103));
        assertEquals(103, run(p, new byte[1]));
    }

    @Test
    void ancillaryLoads() {
        BpfAuxData aux = new BpfAuxData();
        aux.protocol = 0x86dd;
        aux.vlanTag = 0x0123;
        aux.vlanTagPresent = 1;
        aux.ifIndex = 3;
        byte[] pkt = new byte[60];
        int proto = Bpf.SKF_AD_OFF + Bpf.SKF_AD_PROTOCOL;
        BpfProgram p = prog(s(Bpf.LD | Bpf.H | Bpf.ABS, proto), s(Bpf.RET | Bpf.A, 0));
        assertEquals(0x86dd, run(p, pkt, 60, aux));
        assertEquals(0, run(p, pkt, 60, null)); // no aux data: the filter returns 0
        // Size does not matter for ancillary loads; ldb [vlan_tci] gives the whole field.
        assertEquals(0x0123, run(prog(s(Bpf.LD | Bpf.B | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_VLAN_TAG),
                s(Bpf.RET | Bpf.A, 0)), pkt, 60, aux));
        // ALU_XOR_X: A ^ X with the registers at the load.
        assertEquals(0xff ^ 0x0f, run(prog(s(Bpf.LD | Bpf.IMM, 0xff), s(Bpf.LDX | Bpf.IMM, 0x0f),
                s(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_ALU_XOR_X), s(Bpf.RET | Bpf.A, 0)),
                pkt, 60, aux));
        // RANDOM is deterministic here: 4.
        assertEquals(4, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_RANDOM),
                s(Bpf.RET | Bpf.A, 0)), pkt, 60, aux));
        // NLATTR: 0 from aux, so A = 0, then ret a + 5.
        assertEquals(5, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_NLATTR),
                s(Bpf.ALU | Bpf.ADD | Bpf.K, 5), s(Bpf.RET | Bpf.A, 0)), pkt, 60, aux));
        // Not a known ancillary offset (not a multiple of 4; past SKF_AD_MAX): an ordinary, huge, offset -> 0.
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + 2), s(Bpf.RET | Bpf.K, 5)),
                pkt, 60, aux));
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_MAX),
                s(Bpf.RET | Bpf.K, 5)), pkt, 60, aux));
        // Ancillary offsets in IND mode are not ancillary: X + k overflows past the packet -> 0.
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.W | Bpf.IND, proto), s(Bpf.RET | Bpf.K, 5)), pkt, 60, aux));
    }

    /** ld #n; (1) jeq #0 -> 4; (2) sub #1; (3) ja 1; (4) ret #77, after {@code pad} tax instructions. */
    private static BpfProgram countdown(int pad, int n) {
        List<BpfInstruction> l = new ArrayList<>();
        for (int i = 0; i < pad; i++) {
            l.add(s(Bpf.MISC | Bpf.TAX, 0));
        }
        l.add(s(Bpf.LD | Bpf.IMM, n));
        l.add(j(Bpf.JMP | Bpf.JEQ | Bpf.K, 0, 2, 0));
        l.add(s(Bpf.ALU | Bpf.SUB | Bpf.K, 1));
        l.add(s(Bpf.JMP | Bpf.JA, -3));
        l.add(s(Bpf.RET | Bpf.K, 77));
        return BpfProgram.of(l);
    }

    @Test
    void backwardJumpHitsTheStepLimit() {
        // (0) ld #1; (1) ja 1 (itself, k = -1); (2) ret #1: loops forever, ends with 0 after MAX_STEPS.
        assertEquals(0, run(prog(s(Bpf.LD | Bpf.IMM, 1), s(Bpf.JMP | Bpf.JA, -1), s(Bpf.RET | Bpf.K, 1)),
                new byte[1]));
        // The countdown executes pad + 1 + 3n + 2 instructions (the ld, n rounds of jeq/sub/ja, the last jeq and
        // the ret). MAX_STEPS = 65536 = 1 + 1 + 3 * 21844 + 2 with pad 1: the ret is the 65536th instruction,
        // still allowed; with pad 2 it is the 65537th, and the filter returns 0.
        assertEquals(65536, BpfInterpreter.MAX_STEPS);
        assertEquals(77, run(countdown(0, 21844), new byte[1]));
        assertEquals(77, run(countdown(1, 21844), new byte[1]));
        assertEquals(0, run(countdown(2, 21844), new byte[1]));
        assertEquals(0, run(countdown(0, 21845), new byte[1]));
        assertEquals(77, run(countdown(0, 0), new byte[1]));
        // A backward ja before the program does not validate.
        assertThrows(BpfValidationException.class,
                () -> BpfJit.compile(prog(s(Bpf.JMP | Bpf.JA, -2), s(Bpf.RET | Bpf.K, 1))));
    }

    @Test
    void hugeProgramsFallBackToTheInterpreter() {
        // 3000 ld [k] instructions: over 8000 bytes of bytecode.
        List<BpfInstruction> l = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            l.add(s(Bpf.LD | Bpf.B | Bpf.ABS, i % 60));
        }
        l.add(s(Bpf.RET | Bpf.A, 0));
        BpfProgram big = BpfProgram.of(l);
        BpfFilter f = BpfJit.compile(big);
        assertInstanceOf(BpfInterpreter.class, f);
        byte[] pkt = new byte[60];
        pkt[(2999 % 60)] = 42;
        assertEquals(42, f.apply(pkt, 60));
        // A 200-instruction program is compiled.
        l.clear();
        for (int i = 0; i < 200; i++) {
            l.add(s(Bpf.LD | Bpf.B | Bpf.ABS, i % 60));
        }
        l.add(s(Bpf.RET | Bpf.A, 0));
        BpfFilter small = BpfJit.compile(BpfProgram.of(l));
        assertFalse(small instanceof BpfInterpreter);
        pkt[199 % 60] = 43;
        assertEquals(43, small.apply(pkt, 60));
        // Invalid programs are rejected before compiling.
        assertThrows(BpfValidationException.class, () -> BpfJit.compile(prog(s(Bpf.LD | Bpf.IMM, 1))));
    }

    @Test
    void compiledFilterIsThreadSafe() throws Exception {
        BpfProgram p = prog(
                s(Bpf.LD | Bpf.B | Bpf.ABS, 0),
                s(Bpf.ST, 0),
                s(Bpf.LD | Bpf.B | Bpf.ABS, 1),
                s(Bpf.MISC | Bpf.TAX, 0),
                s(Bpf.LD | Bpf.MEM, 0),
                s(Bpf.ALU | Bpf.MUL | Bpf.X, 0),
                s(Bpf.RET | Bpf.A, 0));
        BpfFilter f = BpfJit.compile(p);
        Thread[] threads = new Thread[4];
        int[] failures = new int[threads.length];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                byte[] pkt = new byte[2];
                for (int i = 0; i < 100_000; i++) {
                    int a = (i + id) & 0xff;
                    int b = (i * 7 + id) & 0xff;
                    pkt[0] = (byte) a;
                    pkt[1] = (byte) b;
                    if (f.apply(pkt, 2) != a * b) {
                        failures[id]++;
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, java.util.Arrays.stream(failures).sum());
    }

    // ------------------------------------------------------------------------------- (b) differential testing

    private static final int[] OPCODES = {
        Bpf.LD | Bpf.W | Bpf.ABS, Bpf.LD | Bpf.H | Bpf.ABS, Bpf.LD | Bpf.B | Bpf.ABS,
        Bpf.LD | Bpf.W | Bpf.IND, Bpf.LD | Bpf.H | Bpf.IND, Bpf.LD | Bpf.B | Bpf.IND,
        Bpf.LD | Bpf.W | Bpf.LEN, Bpf.LDX | Bpf.W | Bpf.LEN, Bpf.LDX | Bpf.MSH | Bpf.B,
        Bpf.LD | Bpf.IMM, Bpf.LDX | Bpf.IMM, Bpf.LD | Bpf.MEM, Bpf.LDX | Bpf.MEM, Bpf.ST, Bpf.STX,
        Bpf.ALU | Bpf.ADD | Bpf.K, Bpf.ALU | Bpf.ADD | Bpf.X, Bpf.ALU | Bpf.SUB | Bpf.K, Bpf.ALU | Bpf.SUB | Bpf.X,
        Bpf.ALU | Bpf.MUL | Bpf.K, Bpf.ALU | Bpf.MUL | Bpf.X, Bpf.ALU | Bpf.DIV | Bpf.K, Bpf.ALU | Bpf.DIV | Bpf.X,
        Bpf.ALU | Bpf.MOD | Bpf.K, Bpf.ALU | Bpf.MOD | Bpf.X, Bpf.ALU | Bpf.AND | Bpf.K, Bpf.ALU | Bpf.AND | Bpf.X,
        Bpf.ALU | Bpf.OR | Bpf.K, Bpf.ALU | Bpf.OR | Bpf.X, Bpf.ALU | Bpf.XOR | Bpf.K, Bpf.ALU | Bpf.XOR | Bpf.X,
        Bpf.ALU | Bpf.LSH | Bpf.K, Bpf.ALU | Bpf.LSH | Bpf.X, Bpf.ALU | Bpf.RSH | Bpf.K, Bpf.ALU | Bpf.RSH | Bpf.X,
        Bpf.ALU | Bpf.NEG, Bpf.MISC | Bpf.TAX, Bpf.MISC | Bpf.TXA,
        Bpf.JMP | Bpf.JA,
        Bpf.JMP | Bpf.JEQ | Bpf.K, Bpf.JMP | Bpf.JEQ | Bpf.X, Bpf.JMP | Bpf.JGT | Bpf.K, Bpf.JMP | Bpf.JGT | Bpf.X,
        Bpf.JMP | Bpf.JGE | Bpf.K, Bpf.JMP | Bpf.JGE | Bpf.X, Bpf.JMP | Bpf.JSET | Bpf.K, Bpf.JMP | Bpf.JSET | Bpf.X,
        Bpf.RET | Bpf.K, Bpf.RET | Bpf.A, Bpf.RET | Bpf.X,
    };

    private static final int[] EDGE_K = {0, 1, 2, 3, 4, 12, 14, 31, 32, 33, 0xff, 0xffff, 0x7fffffff, 0x80000000,
        0x80000001, 0xfffffffe, 0xffffffff, 0x800, 0x86dd};

    private static int randomK(Random r) {
        switch (r.nextInt(9)) {
            case 0: case 1: return EDGE_K[r.nextInt(EDGE_K.length)];
            case 2: case 3: case 4: return r.nextInt(84); // offsets in and just past the packets
            case 5: return Bpf.SKF_AD_OFF + r.nextInt(Bpf.SKF_AD_MAX + 8); // known and unknown ancillary
            case 6: return r.nextInt(41); // shift amounts around 32
            case 7: return r.nextInt();
            default: return r.nextInt(16) - 8;
        }
    }

    private static BpfInstruction randomInstruction(Random r, int pc, int n, boolean backward) {
        int code = OPCODES[r.nextInt(OPCODES.length)];
        int room = n - pc - 1; // instructions after this one; the validator needs every target < n
        switch (code) {
            case Bpf.LD | Bpf.MEM: case Bpf.LDX | Bpf.MEM: case Bpf.ST: case Bpf.STX:
                return s(code, r.nextInt(Bpf.MEMWORDS));
            case Bpf.ALU | Bpf.DIV | Bpf.K: case Bpf.ALU | Bpf.MOD | Bpf.K: {
                int k;
                do {
                    k = randomK(r);
                } while (k == 0);
                return s(code, k);
            }
            case Bpf.JMP | Bpf.JA:
                if (backward && r.nextInt(3) == 0) {
                    return s(code, -1 - r.nextInt(pc + 1)); // to pc + 1 + k in 0..pc
                }
                return s(code, r.nextInt(room));
            default:
                if (Bpf.isConditionalJump(code)) {
                    int jt = r.nextInt(4) == 0 ? 0 : r.nextInt(Math.min(room, 256));
                    int jf = r.nextInt(4) == 0 ? 0 : r.nextInt(Math.min(room, 256));
                    return j(code, randomK(r), jt, jf);
                }
                return s(code, randomK(r));
        }
    }

    private static BpfProgram randomProgram(Random r) {
        int n = 1 + (r.nextInt(8) == 0 ? r.nextInt(80) : r.nextInt(20));
        // Few programs get backward jumps: one that loops forever costs 65536 steps per packet.
        boolean backward = r.nextInt(40) == 0;
        List<BpfInstruction> l = new ArrayList<>(n);
        for (int pc = 0; pc < n - 1; pc++) {
            l.add(randomInstruction(r, pc, n, backward));
        }
        int[] rets = {Bpf.RET | Bpf.K, Bpf.RET | Bpf.A, Bpf.RET | Bpf.X};
        l.add(s(rets[r.nextInt(3)], r.nextBoolean() ? r.nextInt(3) : randomK(r)));
        return BpfProgram.of(l);
    }

    private static BpfAuxData randomAux(Random r) {
        if (r.nextInt(3) == 0) {
            return null;
        }
        BpfAuxData aux = new BpfAuxData();
        aux.protocol = r.nextBoolean() ? 0x800 : r.nextInt();
        aux.packetType = r.nextInt(5);
        aux.ifIndex = r.nextInt(8);
        aux.mark = r.nextInt();
        aux.queue = r.nextInt(4);
        aux.hardwareType = 1;
        aux.rxHash = r.nextInt();
        aux.cpu = r.nextInt(64);
        aux.vlanTag = r.nextInt(0x10000);
        aux.vlanTagPresent = r.nextInt(2);
        aux.vlanTpid = 0x8100;
        aux.payloadOffset = r.nextInt(80);
        return aux;
    }

    @Test
    void randomProgramsMatchTheInterpreter() {
        int programs = 20_000;
        int packetsPerProgram = 20;
        Differential d = differential(new Random(0x5eed_b9f1L), programs, packetsPerProgram, r -> {
            BpfProgram p = randomProgram(r);
            assertTrue(BpfValidator.isValid(p, BpfValidator.Mode.LIBPCAP), () -> "generator bug:\n" + p);
            return p;
        }, r -> {
            int caplen = r.nextInt(81);
            // Arrays of exactly offset + caplen bytes: reading past the captured bytes would throw.
            int offset = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(40);
            byte[] a = new byte[offset + caplen];
            int flavour = r.nextInt(3);
            for (int b = 0; b < caplen; b++) {
                a[offset + b] = (byte) (flavour == 0 ? r.nextInt(4) : flavour == 1 ? r.nextInt(256) : b);
            }
            int wire = switch (r.nextInt(4)) {
                case 0 -> caplen;
                case 1 -> caplen + r.nextInt(1500);
                case 2 -> Integer.MAX_VALUE;
                default -> caplen + r.nextInt(4);
            };
            return new Frame(a, offset, caplen, wire, randomAux(r));
        });
        assertEquals((long) programs * packetsPerProgram, d.runs());
        assertEquals(programs, d.compiled(), "small programs are always compiled");
        // The generator must exercise both outcomes; a sanity check on its usefulness.
        assertTrue(d.nonZero() > d.runs() / 10, "too few accepting runs: " + d.nonZero());
    }

    /**
     * Counted loops whose total step count lands near {@link BpfInterpreter#MAX_STEPS}, so that any miscounting
     * in the JIT (per block, per path) changes results: M[15] counts down from N; the loop body is random
     * straight-line code with forward jumps that stay inside the body.
     *
     * <pre>
     * (0) ld #N; (1) st M[15]
     * (2) ld M[15]; (3) jeq #0 -> exit; (4) sub #1; (5) st M[15]
     * (6 .. 6+B-1) random body, jumps only forward and at most to the ja
     * (6+B) ja 2
     * (exit) ret (random K/A/X)
     * </pre>
     */
    private static BpfProgram randomLoop(Random r, int[] bodyLength) {
        int body = 1 + r.nextInt(12);
        bodyLength[0] = body;
        List<BpfInstruction> l = new ArrayList<>();
        int perRound = 4 + body + 1; // upper bound of the instructions per round (every body insn executed)
        int n = BpfInterpreter.MAX_STEPS / perRound + r.nextInt(9) - 4;
        l.add(s(Bpf.LD | Bpf.IMM, n));
        l.add(s(Bpf.ST, 15));
        l.add(s(Bpf.LD | Bpf.MEM, 15));
        int exit = 6 + body + 1;
        l.add(j(Bpf.JMP | Bpf.JEQ | Bpf.K, 0, exit - 4, 0));
        l.add(s(Bpf.ALU | Bpf.SUB | Bpf.K, 1));
        l.add(s(Bpf.ST, 15));
        int ja = 6 + body;
        while (l.size() < ja) {
            int pc = l.size();
            int code = OPCODES[r.nextInt(OPCODES.length)];
            if (Bpf.cls(code) == Bpf.RET || code == (Bpf.JMP | Bpf.JA)) {
                code = Bpf.ALU | Bpf.ADD | Bpf.K;
            }
            if (Bpf.isConditionalJump(code)) {
                // to pc + 1 + jt <= ja
                l.add(j(code, randomK(r), r.nextInt(ja - pc), r.nextInt(ja - pc)));
            } else if (code == Bpf.ST || code == Bpf.STX || code == (Bpf.LD | Bpf.MEM)
                    || code == (Bpf.LDX | Bpf.MEM)) {
                l.add(s(code, r.nextInt(15))); // not M[15], the loop counter
            } else if (code == (Bpf.ALU | Bpf.DIV | Bpf.K) || code == (Bpf.ALU | Bpf.MOD | Bpf.K)) {
                l.add(s(code, 1 + r.nextInt(100)));
            } else if (Bpf.mode(code) == Bpf.ABS || Bpf.mode(code) == Bpf.IND || Bpf.mode(code) == Bpf.MSH) {
                l.add(s(code, r.nextInt(8))); // mostly in bounds, so that the loop keeps going
            } else {
                l.add(s(code, randomK(r)));
            }
        }
        l.add(s(Bpf.JMP | Bpf.JA, 2 - ja - 1));
        int[] rets = {Bpf.RET | Bpf.K, Bpf.RET | Bpf.A, Bpf.RET | Bpf.X};
        l.add(s(rets[r.nextInt(3)], 1 + r.nextInt(1000)));
        return BpfProgram.of(l);
    }

    @Test
    void randomLoopsNearTheStepLimitMatchTheInterpreter() {
        Random r = new Random(65536);
        int completed = 0;
        int limited = 0;
        int[] body = new int[1];
        for (int i = 0; i < 300; i++) {
            BpfProgram p = randomLoop(r, body);
            assertTrue(BpfValidator.isValid(p, BpfValidator.Mode.LIBPCAP), () -> "generator bug:\n" + p);
            BpfFilter interpreter = BpfInterpreter.of(p);
            BpfFilter jit = BpfJit.compile(p);
            assertFalse(jit instanceof BpfInterpreter);
            for (int t = 0; t < 4; t++) {
                // Long enough for every in-loop load (offset < 8, X small or out of bounds anyway).
                byte[] data = new byte[8 + r.nextInt(24)];
                for (int b = 0; b < data.length; b++) {
                    data[b] = (byte) r.nextInt(t < 2 ? 4 : 256);
                }
                BpfAuxData aux = randomAux(r);
                ByteBuffer buf = ByteBuffer.wrap(data);
                int expected = interpreter.apply(buf, 0, data.length, data.length, aux);
                int actual = jit.apply(buf, 0, data.length, data.length, aux);
                assertEquals(expected, actual, () -> "packet " + java.util.HexFormat.of().formatHex(data) + "\n" + p);
                if (expected != 0) {
                    completed++;
                } else {
                    limited++;
                }
            }
        }
        // Both sides of the limit are reached (for the seed above), so the comparison is meaningful.
        assertTrue(completed > 50 && limited > 50, "completed " + completed + ", limited/zero " + limited);
    }

    // ----------------------------------------------------------------------------------- (c) tcpdump listings

    /** {@code tcpdump -d 'tcp port 80'} on Ethernet. */
    private static final String TCP_PORT_80 = String.join("\n",
            "(000) ldh      [12]",
            "(001) jeq      #0x86dd          jt 2\tjf 8",
            "(002) ldb      [20]",
            "(003) jeq      #0x6             jt 4\tjf 19",
            "(004) ldh      [54]",
            "(005) jeq      #0x50            jt 18\tjf 6",
            "(006) ldh      [56]",
            "(007) jeq      #0x50            jt 18\tjf 19",
            "(008) jeq      #0x800           jt 9\tjf 19",
            "(009) ldb      [23]",
            "(010) jeq      #0x6             jt 11\tjf 19",
            "(011) ldh      [20]",
            "(012) jset     #0x1fff          jt 19\tjf 13",
            "(013) ldxb     4*([14]&0xf)",
            "(014) ldh      [x + 14]",
            "(015) jeq      #0x50            jt 18\tjf 16",
            "(016) ldh      [x + 16]",
            "(017) jeq      #0x50            jt 18\tjf 19",
            "(018) ret      #262144",
            "(019) ret      #0",
            "");

    /** {@code tcpdump -d 'ip and tcp[13] & 2 != 0 and len > 100'}-style listing with scratch and arithmetic. */
    private static final String SYN_LONG = String.join("\n",
            "(000) ldh      [12]",
            "(001) jeq      #0x800           jt 2\tjf 12",
            "(002) ldb      [23]",
            "(003) jeq      #0x6             jt 4\tjf 12",
            "(004) ldh      [20]",
            "(005) jset     #0x1fff          jt 12\tjf 6",
            "(006) ldxb     4*([14]&0xf)",
            "(007) ldb      [x + 27]",
            "(008) and      #0x2",
            "(009) jeq      #0x0             jt 12\tjf 10",
            "(010) ld       #pktlen",
            "(011) jgt      #0x64            jt 13\tjf 12",
            "(012) ret      #0",
            "(013) ret      #262144",
            "");

    /** A protochain-like loop: walks a chain of one-byte "next header, length" records with a backward ja. */
    private static final String CHAIN = String.join("\n",
            "(000) ldx      #0x0",
            "(001) ldb      [x + 0]      ; next header",
            "(002) jeq      #0x6             jt 8\tjf 3",
            "(003) jeq      #0x0             jt 9\tjf 4",
            "(004) ldb      [x + 1]      ; record length",
            "(005) add      x",
            "(006) tax",
            "(007) ja       1",
            "(008) ret      #1000",
            "(009) ret      #0",
            "");

    @Test
    void assembledListingsMatchTheInterpreter() {
        BpfProgram port80 = BpfAssembler.parse(TCP_PORT_80);
        assertEquals(20, port80.length());
        assertEquals(262144, run(port80, ipv4Tcp(5, 40000, 80, 0)));
        assertEquals(262144, run(port80, ipv4Tcp(5, 80, 40000, 0)));
        assertEquals(262144, run(port80, ipv4Tcp(7, 40000, 80, 0))); // options: ldxb gives 28
        assertEquals(0, run(port80, ipv4Tcp(5, 40000, 443, 0)));
        assertEquals(0, run(port80, ipv4Tcp(5, 40000, 80, 0x0010))); // a non-first fragment
        assertEquals(262144, run(port80, ipv4Tcp(5, 40000, 80, 0x4000))); // DF set, offset 0
        assertEquals(262144, run(port80, ipv6Tcp(80, 1)));
        assertEquals(0, run(port80, ipv6Tcp(81, 1)));
        assertEquals(0, run(port80, arp()));
        // Truncated before the port: out of bounds -> 0.
        assertEquals(0, run(port80, java.util.Arrays.copyOf(ipv4Tcp(5, 40000, 80, 0), 36), 60, null));

        BpfProgram syn = BpfAssembler.parse(SYN_LONG);
        byte[] synFrame = ipv4Tcp(5, 1, 2, 0);
        synFrame[14 + 20 + 13] = 0x02;
        assertEquals(262144, run(syn, synFrame, 101, null));
        assertEquals(0, run(syn, synFrame, 100, null));
        synFrame[14 + 20 + 13] = 0x10;
        assertEquals(0, run(syn, synFrame, 101, null));

        BpfProgram chain = BpfAssembler.parse(CHAIN);
        assertEquals(-7, chain.get(7).k()); // a backward ja to (001)
        // records: (17, len 2) (43, len 3) (6 ...) -> 1000
        assertEquals(1000, run(chain, bytes(17, 2, 43, 3, 0, 6, 0)));
        assertEquals(0, run(chain, bytes(17, 2, 0, 0))); // header 0: reject
        assertEquals(0, run(chain, bytes(17, 2, 43))); // runs off the packet
        assertEquals(0, run(chain, bytes(17, 0, 0))); // length 0: loops forever -> step limit -> 0

        // And each listing on random frames, JIT == interpreter.
        Random r = new Random(80);
        for (BpfProgram p : List.of(port80, syn, chain)) {
            BpfFilter jit = BpfJit.compile(p);
            BpfFilter interpreter = BpfInterpreter.of(p);
            for (int i = 0; i < 2000; i++) {
                byte[] frame = switch (r.nextInt(4)) {
                    case 0 -> ipv4Tcp(5 + r.nextInt(3), r.nextInt(100), r.nextInt(100), r.nextInt(0x10000));
                    case 1 -> ipv6Tcp(r.nextInt(100), r.nextInt(100));
                    case 2 -> arp();
                    default -> {
                        byte[] b = new byte[r.nextInt(80)];
                        for (int k = 0; k < b.length; k++) {
                            b[k] = (byte) r.nextInt(r.nextBoolean() ? 8 : 256);
                        }
                        yield b;
                    }
                };
                int cap = r.nextInt(frame.length + 1);
                int wire = frame.length + r.nextInt(200);
                ByteBuffer buf = ByteBuffer.wrap(frame);
                assertEquals(interpreter.apply(buf, 0, cap, wire, null), jit.apply(buf, 0, cap, wire, null),
                        () -> p + "\n" + java.util.HexFormat.of().formatHex(frame));
            }
        }
    }
}
