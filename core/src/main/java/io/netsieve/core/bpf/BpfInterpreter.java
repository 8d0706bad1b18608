package io.netsieve.core.bpf;

import java.nio.ByteBuffer;

/**
 * Runs a classic BPF program with libpcap's runtime semantics ({@code bpf_filter}): A = X = 0 and scratch memory
 * zeroed at entry; a load past the captured length ends the filter with 0; {@code len} is the wire length;
 * division or modulo by X = 0 ends the filter with 0; a shift by X ≥ 32 gives 0; arithmetic is unsigned 32-bit.
 * Linux ancillary loads read {@link BpfAuxData} (without it they end the filter with 0).
 *
 * <p>The program must pass {@link BpfValidator} in {@link BpfValidator.Mode#LIBPCAP} mode (checked at creation),
 * so every jump lands inside it; a program with backward jumps (protochain) runs at most
 * {@link #MAX_STEPS} instructions per packet and then returns 0. Immutable and thread-safe.
 */
public final class BpfInterpreter implements BpfFilter {
    /** Instruction budget per packet for programs with backward jumps. */
    public static final int MAX_STEPS = 1 << 16;

    private final short[] code;
    private final byte[] jt;
    private final byte[] jf;
    private final int[] k;
    private final boolean loops;
    private final boolean usesMemory;
    // Scratch memory per thread, so that a run allocates nothing; zeroed at entry like the kernel's.
    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[Bpf.MEMWORDS]);

    private BpfInterpreter(BpfProgram program) {
        int n = program.length();
        code = new short[n];
        jt = new byte[n];
        jf = new byte[n];
        k = new int[n];
        boolean back = false;
        boolean memory = false;
        for (int i = 0; i < n; i++) {
            BpfInstruction insn = program.get(i);
            code[i] = (short) insn.code();
            jt[i] = (byte) insn.jt();
            jf[i] = (byte) insn.jf();
            k[i] = insn.k();
            back |= insn.code() == (Bpf.JMP | Bpf.JA) && insn.k() < 0;
            memory |= insn.code() == Bpf.ST || insn.code() == Bpf.STX;
        }
        loops = back;
        usesMemory = memory;
    }

    /**
     * An interpreter for {@code program}.
     *
     * @throws BpfValidationException if the program is not valid in libpcap mode
     */
    public static BpfInterpreter of(BpfProgram program) {
        BpfValidator.validate(program, BpfValidator.Mode.LIBPCAP);
        return new BpfInterpreter(program);
    }

    @Override
    public int apply(ByteBuffer buf, int base, int caplen, int wirelen, BpfAuxData aux) {
        int a = 0;
        int x = 0;
        int[] mem = null;
        if (usesMemory) {
            mem = SCRATCH.get();
            java.util.Arrays.fill(mem, 0);
        }
        int pc = 0;
        int steps = 0;
        while (true) {
            if (loops && ++steps > MAX_STEPS) {
                return 0;
            }
            int c = code[pc] & 0xffff;
            int kk = k[pc];
            switch (c) {
                case Bpf.RET | Bpf.K: return kk;
                case Bpf.RET | Bpf.A: return a;
                case Bpf.RET | Bpf.X: return x;
                case Bpf.LD | Bpf.W | Bpf.ABS:
                case Bpf.LD | Bpf.H | Bpf.ABS:
                case Bpf.LD | Bpf.B | Bpf.ABS: {
                    int size = sizeOf(c);
                    if (Bpf.isKnownAncillary(kk)) {
                        if (aux == null) {
                            return 0;
                        }
                        a = aux.load(kk - Bpf.SKF_AD_OFF, a, x);
                        break;
                    }
                    long off = Integer.toUnsignedLong(kk);
                    if (off + size > caplen) {
                        return 0;
                    }
                    a = load(buf, base + (int) off, size);
                    break;
                }
                case Bpf.LD | Bpf.W | Bpf.IND:
                case Bpf.LD | Bpf.H | Bpf.IND:
                case Bpf.LD | Bpf.B | Bpf.IND: {
                    int size = sizeOf(c);
                    long off = Integer.toUnsignedLong(x) + Integer.toUnsignedLong(kk);
                    if (off + size > caplen) {
                        return 0;
                    }
                    a = load(buf, base + (int) off, size);
                    break;
                }
                case Bpf.LD | Bpf.W | Bpf.LEN: a = wirelen; break;
                case Bpf.LDX | Bpf.W | Bpf.LEN: x = wirelen; break;
                case Bpf.LDX | Bpf.MSH | Bpf.B: {
                    long off = Integer.toUnsignedLong(kk);
                    if (off >= caplen) {
                        return 0;
                    }
                    x = (buf.get(base + (int) off) & 0xf) << 2;
                    break;
                }
                case Bpf.LD | Bpf.IMM: a = kk; break;
                case Bpf.LDX | Bpf.IMM: x = kk; break;
                case Bpf.LD | Bpf.MEM: a = mem == null ? 0 : mem[kk]; break;
                case Bpf.LDX | Bpf.MEM: x = mem == null ? 0 : mem[kk]; break;
                case Bpf.ST: mem[kk] = a; break;
                case Bpf.STX: mem[kk] = x; break;
                case Bpf.JMP | Bpf.JA: pc += kk; break;
                case Bpf.JMP | Bpf.JGT | Bpf.K: pc += Integer.compareUnsigned(a, kk) > 0 ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JGE | Bpf.K: pc += Integer.compareUnsigned(a, kk) >= 0 ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JEQ | Bpf.K: pc += a == kk ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JSET | Bpf.K: pc += (a & kk) != 0 ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JGT | Bpf.X: pc += Integer.compareUnsigned(a, x) > 0 ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JGE | Bpf.X: pc += Integer.compareUnsigned(a, x) >= 0 ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JEQ | Bpf.X: pc += a == x ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.JMP | Bpf.JSET | Bpf.X: pc += (a & x) != 0 ? jt[pc] & 0xff : jf[pc] & 0xff; break;
                case Bpf.ALU | Bpf.ADD | Bpf.X: a += x; break;
                case Bpf.ALU | Bpf.SUB | Bpf.X: a -= x; break;
                case Bpf.ALU | Bpf.MUL | Bpf.X: a *= x; break;
                case Bpf.ALU | Bpf.DIV | Bpf.X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, x);
                    break;
                case Bpf.ALU | Bpf.MOD | Bpf.X:
                    if (x == 0) {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, x);
                    break;
                case Bpf.ALU | Bpf.AND | Bpf.X: a &= x; break;
                case Bpf.ALU | Bpf.OR | Bpf.X: a |= x; break;
                case Bpf.ALU | Bpf.XOR | Bpf.X: a ^= x; break;
                case Bpf.ALU | Bpf.LSH | Bpf.X: a = Integer.compareUnsigned(x, 32) < 0 ? a << x : 0; break;
                case Bpf.ALU | Bpf.RSH | Bpf.X: a = Integer.compareUnsigned(x, 32) < 0 ? a >>> x : 0; break;
                case Bpf.ALU | Bpf.ADD | Bpf.K: a += kk; break;
                case Bpf.ALU | Bpf.SUB | Bpf.K: a -= kk; break;
                case Bpf.ALU | Bpf.MUL | Bpf.K: a *= kk; break;
                case Bpf.ALU | Bpf.DIV | Bpf.K: a = Integer.divideUnsigned(a, kk); break;
                case Bpf.ALU | Bpf.MOD | Bpf.K: a = Integer.remainderUnsigned(a, kk); break;
                case Bpf.ALU | Bpf.AND | Bpf.K: a &= kk; break;
                case Bpf.ALU | Bpf.OR | Bpf.K: a |= kk; break;
                case Bpf.ALU | Bpf.XOR | Bpf.K: a ^= kk; break;
                case Bpf.ALU | Bpf.LSH | Bpf.K: a = Integer.compareUnsigned(kk, 32) < 0 ? a << kk : 0; break;
                case Bpf.ALU | Bpf.RSH | Bpf.K: a = Integer.compareUnsigned(kk, 32) < 0 ? a >>> kk : 0; break;
                case Bpf.ALU | Bpf.NEG: a = -a; break;
                case Bpf.MISC | Bpf.TAX: x = a; break;
                case Bpf.MISC | Bpf.TXA: a = x; break;
                default:
                    throw new IllegalStateException("unvalidated opcode 0x" + Integer.toHexString(c));
            }
            pc++;
        }
    }

    static int sizeOf(int code) {
        switch (Bpf.size(code)) {
            case Bpf.W: return 4;
            case Bpf.H: return 2;
            default: return 1;
        }
    }

    private static int load(ByteBuffer buf, int index, int size) {
        switch (size) {
            case 4: return buf.getInt(index);
            case 2: return buf.getShort(index) & 0xffff;
            default: return buf.get(index) & 0xff;
        }
    }
}
