package io.netsieve.core.bpf;

/**
 * Checks a classic BPF program before it is run or attached.
 *
 * <p>{@link Mode#KERNEL} applies the Linux checker's rules ({@code bpf_check_classic} and
 * {@code check_load_and_stores} in {@code net/core/filter.c}) in the kernel's order, so its verdict is the
 * kernel's: 1..4096 instructions, only the 49 opcodes the kernel allows, no constant division or modulo by zero,
 * constant shifts below 32, scratch indexes below 16, every jump forward and inside the program, the last
 * instruction a {@code ret} (K or A), ancillary offsets only the known ones, and no scratch word read on a path
 * where it was not written first (tracked the way the kernel tracks it: a linear pass that merges the written
 * set into jump targets).
 *
 * <p>{@link Mode#LIBPCAP} is what libpcap's own interpreter accepts: every opcode it implements (also
 * {@code ret x}), at least one instruction, and {@code ja} may go backward (protochain loops; the interpreter
 * bounds the steps), but every jump target must exist, and the last instruction must be a return.
 */
public final class BpfValidator {
    /** Which rules to apply. */
    public enum Mode { KERNEL, LIBPCAP }

    private BpfValidator() {
    }

    /** True if the program passes. */
    public static boolean isValid(BpfProgram program, Mode mode) {
        return check(program, mode) == null;
    }

    /** Throws {@link BpfValidationException} with the reason if the program does not pass. */
    public static void validate(BpfProgram program, Mode mode) {
        BpfValidationException e = check(program, mode);
        if (e != null) {
            throw e;
        }
    }

    /** The reason the program fails, or null if it passes. */
    public static BpfValidationException check(BpfProgram program, Mode mode) {
        int n = program.length();
        if (n == 0) {
            return new BpfValidationException("empty program", -1);
        }
        if (mode == Mode.KERNEL && n > Bpf.MAXINSNS) {
            return new BpfValidationException(n + " instructions, more than " + Bpf.MAXINSNS, -1);
        }
        for (int pc = 0; pc < n; pc++) {
            BpfInstruction insn = program.get(pc);
            int code = insn.code();
            int k = insn.k();
            if (!allowed(code, mode)) {
                return new BpfValidationException("opcode 0x" + Integer.toHexString(code) + " not allowed", pc);
            }
            switch (code) {
                case Bpf.ALU | Bpf.DIV | Bpf.K:
                case Bpf.ALU | Bpf.MOD | Bpf.K:
                    if (k == 0) {
                        return new BpfValidationException("division by constant zero", pc);
                    }
                    break;
                case Bpf.ALU | Bpf.LSH | Bpf.K:
                case Bpf.ALU | Bpf.RSH | Bpf.K:
                    if (mode == Mode.KERNEL && Integer.compareUnsigned(k, 32) >= 0) {
                        return new BpfValidationException("shift by " + Integer.toUnsignedString(k), pc);
                    }
                    break;
                case Bpf.LD | Bpf.MEM:
                case Bpf.LDX | Bpf.MEM:
                case Bpf.ST:
                case Bpf.STX:
                    if (Integer.compareUnsigned(k, Bpf.MEMWORDS) >= 0) {
                        return new BpfValidationException("scratch index " + Integer.toUnsignedString(k), pc);
                    }
                    break;
                case Bpf.JMP | Bpf.JA:
                    if (mode == Mode.KERNEL || k >= 0) {
                        if (Integer.toUnsignedLong(k) >= n - pc - 1) {
                            return new BpfValidationException("ja out of the program", pc);
                        }
                    } else if (pc + 1 + k < 0) {
                        return new BpfValidationException("ja before the program", pc);
                    }
                    break;
                case Bpf.LD | Bpf.W | Bpf.ABS:
                case Bpf.LD | Bpf.H | Bpf.ABS:
                case Bpf.LD | Bpf.B | Bpf.ABS:
                    if (mode == Mode.KERNEL && !Bpf.isKnownAncillary(k)
                            && Integer.compareUnsigned(k, Bpf.SKF_AD_OFF) >= 0) {
                        return new BpfValidationException("unknown ancillary offset " + k, pc);
                    }
                    break;
                default:
                    if (Bpf.isConditionalJump(code)) {
                        if (pc + insn.jt() + 1 >= n || pc + insn.jf() + 1 >= n) {
                            return new BpfValidationException("jump out of the program", pc);
                        }
                    }
                    break;
            }
        }
        int last = program.get(n - 1).code();
        boolean lastIsReturn = last == (Bpf.RET | Bpf.K) || last == (Bpf.RET | Bpf.A)
                || (mode == Mode.LIBPCAP && last == (Bpf.RET | Bpf.X));
        if (!lastIsReturn) {
            return new BpfValidationException("the last instruction is not a return", n - 1);
        }
        if (mode == Mode.KERNEL) {
            return checkLoadsAndStores(program);
        }
        return null;
    }

    // The kernel's scratch-memory check: a linear pass, the valid set merged (intersected) into each jump target,
    // reset to "all valid" after a jump; a return does not reset it. Matching this exactly matters more than
    // precision: the verdict has to be the kernel's.
    private static BpfValidationException checkLoadsAndStores(BpfProgram program) {
        int n = program.length();
        int[] masks = new int[n];
        java.util.Arrays.fill(masks, 0xffff);
        int memvalid = 0;
        for (int pc = 0; pc < n; pc++) {
            BpfInstruction insn = program.get(pc);
            memvalid &= masks[pc];
            int code = insn.code();
            switch (code) {
                case Bpf.ST:
                case Bpf.STX:
                    memvalid |= 1 << insn.k();
                    break;
                case Bpf.LD | Bpf.MEM:
                case Bpf.LDX | Bpf.MEM:
                    if ((memvalid & (1 << insn.k())) == 0) {
                        return new BpfValidationException("scratch M[" + insn.k() + "] read before written", pc);
                    }
                    break;
                case Bpf.JMP | Bpf.JA:
                    masks[pc + 1 + insn.k()] &= memvalid;
                    memvalid = 0xffff;
                    break;
                default:
                    if (Bpf.isConditionalJump(code)) {
                        masks[pc + 1 + insn.jt()] &= memvalid;
                        masks[pc + 1 + insn.jf()] &= memvalid;
                        memvalid = 0xffff;
                    }
                    break;
            }
        }
        return null;
    }

    private static boolean allowed(int code, Mode mode) {
        switch (code) {
            case Bpf.ALU | Bpf.ADD | Bpf.K: case Bpf.ALU | Bpf.ADD | Bpf.X:
            case Bpf.ALU | Bpf.SUB | Bpf.K: case Bpf.ALU | Bpf.SUB | Bpf.X:
            case Bpf.ALU | Bpf.MUL | Bpf.K: case Bpf.ALU | Bpf.MUL | Bpf.X:
            case Bpf.ALU | Bpf.DIV | Bpf.K: case Bpf.ALU | Bpf.DIV | Bpf.X:
            case Bpf.ALU | Bpf.MOD | Bpf.K: case Bpf.ALU | Bpf.MOD | Bpf.X:
            case Bpf.ALU | Bpf.AND | Bpf.K: case Bpf.ALU | Bpf.AND | Bpf.X:
            case Bpf.ALU | Bpf.OR | Bpf.K: case Bpf.ALU | Bpf.OR | Bpf.X:
            case Bpf.ALU | Bpf.XOR | Bpf.K: case Bpf.ALU | Bpf.XOR | Bpf.X:
            case Bpf.ALU | Bpf.LSH | Bpf.K: case Bpf.ALU | Bpf.LSH | Bpf.X:
            case Bpf.ALU | Bpf.RSH | Bpf.K: case Bpf.ALU | Bpf.RSH | Bpf.X:
            case Bpf.ALU | Bpf.NEG:
            case Bpf.LD | Bpf.W | Bpf.ABS: case Bpf.LD | Bpf.H | Bpf.ABS: case Bpf.LD | Bpf.B | Bpf.ABS:
            case Bpf.LD | Bpf.W | Bpf.LEN:
            case Bpf.LD | Bpf.W | Bpf.IND: case Bpf.LD | Bpf.H | Bpf.IND: case Bpf.LD | Bpf.B | Bpf.IND:
            case Bpf.LD | Bpf.IMM: case Bpf.LD | Bpf.MEM:
            case Bpf.LDX | Bpf.W | Bpf.LEN: case Bpf.LDX | Bpf.B | Bpf.MSH:
            case Bpf.LDX | Bpf.IMM: case Bpf.LDX | Bpf.MEM:
            case Bpf.ST: case Bpf.STX:
            case Bpf.MISC | Bpf.TAX: case Bpf.MISC | Bpf.TXA:
            case Bpf.RET | Bpf.K: case Bpf.RET | Bpf.A:
            case Bpf.JMP | Bpf.JA:
            case Bpf.JMP | Bpf.JEQ | Bpf.K: case Bpf.JMP | Bpf.JEQ | Bpf.X:
            case Bpf.JMP | Bpf.JGE | Bpf.K: case Bpf.JMP | Bpf.JGE | Bpf.X:
            case Bpf.JMP | Bpf.JGT | Bpf.K: case Bpf.JMP | Bpf.JGT | Bpf.X:
            case Bpf.JMP | Bpf.JSET | Bpf.K: case Bpf.JMP | Bpf.JSET | Bpf.X:
                return true;
            case Bpf.RET | Bpf.X:
                return mode == Mode.LIBPCAP;
            default:
                return false;
        }
    }
}
