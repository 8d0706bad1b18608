package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfProgram;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A path-sensitive proof that an optimised program accepts no packet: every path to a non-zero return needs the same
 * packet field to equal two different constants (or to equal and differ from one).
 *
 * <p>Why: libpcap's optimiser reorders tests (its "or/and pull-up") and so discovers some contradictions that ours,
 * which never reorders a first load (that would change verdicts on truncated frames), leaves in the graph. libpcap
 * then refuses the expression ("expression rejects all packets"); to refuse whatever libpcap refuses, the
 * contradiction is looked for on the linear program instead. The check is sound: a load of the same bytes gives the
 * same value on one packet, and a load past the captured length ends the filter with 0, which accepts nothing.
 * Fields are tracked through absolute loads, loads relative to an {@code X} set by {@code ldxb 4*([k]&0xf)} or by a
 * constant, constants, and the scratch memory; anything else is unknown and constrains nothing. The search is
 * bounded ({@link #MAX_STEPS} instructions over all paths); a search that runs out proves nothing.
 */
public final class RejectsAllCheck {
    /** Instructions visited over all paths before giving up. */
    static final int MAX_STEPS = 200_000;

    private static final long UNKNOWN = Long.MIN_VALUE;
    private static final long CONST = 1L << 60;
    private static final long LOC = 2L << 60;
    private static final long TAG = 3L << 60;
    private static final long X_MSH = 1L << 58;

    private final BpfInstruction[] insns;
    private final Map<Long, Long> equal = new HashMap<>();
    private final Map<Long, List<Long>> different = new HashMap<>();
    private int steps;

    private RejectsAllCheck(BpfInstruction[] insns) {
        this.insns = insns;
    }

    /** True only when no path of {@code program} can return a non-zero value; false when unsure. */
    public static boolean provablyRejectsAll(BpfProgram program) {
        BpfInstruction[] insns = program.instructions().toArray(new BpfInstruction[0]);
        for (int pc = 0; pc < insns.length; pc++) {
            BpfInstruction in = insns[pc];
            if ((in.code() & 0x07) == Bpf.JMP && (in.code() & 0xf0) == Bpf.JA && in.k() < 0) {
                return false; // a backward jump (protochain): not a DAG
            }
        }
        RejectsAllCheck check = new RejectsAllCheck(insns);
        long[] regs = new long[2 + Bpf.MEMWORDS];
        java.util.Arrays.fill(regs, UNKNOWN);
        regs[0] = CONST; // A = 0
        regs[1] = CONST; // X = 0
        try {
            return !check.accepts(0, regs);
        } catch (GiveUp e) {
            return false;
        }
    }

    private static final class GiveUp extends RuntimeException {
        GiveUp() {
            super(null, null, false, false);
        }
    }

    /** Whether some consistent path from {@code pc} with registers {@code r} (A, X, M[0..15]) returns non-zero. */
    private boolean accepts(int pc, long[] r) {
        while (true) {
            if (++steps > MAX_STEPS || pc < 0 || pc >= insns.length) {
                throw new GiveUp();
            }
            BpfInstruction in = insns[pc];
            int code = in.code();
            switch (code & 0x07) {
                case Bpf.LD:
                    r[0] = load(code, in.k(), r);
                    break;
                case Bpf.LDX:
                    if ((code & 0xe0) == Bpf.IMM) {
                        r[1] = CONST | (in.k() & 0xFFFF_FFFFL);
                    } else if ((code & 0xe0) == Bpf.MSH && in.k() >= 0) {
                        r[1] = X_MSH | in.k();
                    } else if ((code & 0xe0) == Bpf.MEM) {
                        r[1] = r[2 + in.k()];
                    } else {
                        r[1] = UNKNOWN;
                    }
                    break;
                case Bpf.ST:
                    r[2 + in.k()] = r[0];
                    break;
                case Bpf.STX:
                    r[2 + in.k()] = r[1];
                    break;
                case Bpf.ALU:
                    r[0] = alu(code, in.k(), r);
                    break;
                case 0x07: // MISC
                    if ((code & 0xf8) == Bpf.TXA) {
                        r[0] = r[1];
                    } else {
                        r[1] = r[0];
                    }
                    break;
                case Bpf.RET: {
                    switch (code & 0x18) {
                        case Bpf.K: return in.k() != 0;
                        case Bpf.X: return r[1] != CONST; // unless X is the constant 0
                        default: return r[0] != CONST;
                    }
                }
                default: { // JMP
                    int op = code & 0xf0;
                    if (op == Bpf.JA) {
                        pc += 1 + in.k();
                        continue;
                    }
                    int t = pc + 1 + in.jt();
                    int f = pc + 1 + in.jf();
                    long a = r[0];
                    boolean kOperand = (code & 0x08) == Bpf.K;
                    long operand = kOperand ? in.k() & 0xFFFF_FFFFL : constantOf(r[1]);
                    long known = constantOf(a);
                    if (known == UNKNOWN && (a & TAG) == LOC) {
                        Long eq = equal.get(a);
                        if (eq != null) {
                            known = eq;
                        }
                    }
                    if (known != UNKNOWN && operand != UNKNOWN) {
                        pc = decide(op, known, operand) ? t : f;
                        continue;
                    }
                    if (op == Bpf.JEQ && operand != UNKNOWN && (a & TAG) == LOC) {
                        // the true edge fixes the field, the false edge excludes one value
                        List<Long> not = different.get(a);
                        boolean trueOk = not == null || !not.contains(operand);
                        if (trueOk) {
                            equal.put(a, operand);
                            boolean hit = accepts(t, r.clone());
                            equal.remove(a);
                            if (hit) {
                                return true;
                            }
                        }
                        different.computeIfAbsent(a, k -> new ArrayList<>()).add(operand);
                        boolean hit = accepts(f, r.clone());
                        List<Long> list = different.get(a);
                        list.remove(list.size() - 1);
                        if (list.isEmpty()) {
                            different.remove(a);
                        }
                        return hit;
                    }
                    if (t == f) {
                        pc = t;
                        continue;
                    }
                    if (accepts(t, r.clone())) {
                        return true;
                    }
                    pc = f;
                    continue;
                }
            }
            pc++;
        }
    }

    private static long constantOf(long v) {
        return (v & TAG) == CONST && v != UNKNOWN ? v & 0xFFFF_FFFFL : UNKNOWN;
    }

    private static boolean decide(int op, long a, long k) {
        switch (op) {
            case Bpf.JEQ: return a == k;
            case Bpf.JGT: return a > k;
            case Bpf.JGE: return a >= k;
            default: return (a & k) != 0; // JSET
        }
    }

    /** The symbolic value of a load into A. */
    private static long load(int code, int k, long[] r) {
        int mode = code & 0xe0;
        int size = code & 0x18;
        switch (mode) {
            case Bpf.IMM:
                return CONST | (k & 0xFFFF_FFFFL);
            case Bpf.MEM:
                return r[2 + k];
            case Bpf.ABS:
                // negative offsets are the Linux ancillary fields: not packet bytes
                return k < 0 ? UNKNOWN : LOC | ((long) (size >> 3) << 40) | (k & 0xFFFF_FFFFL);
            case Bpf.IND: {
                long x = r[1];
                long c = constantOf(x);
                if (c != UNKNOWN) {
                    long off = c + (k & 0xFFFF_FFFFL);
                    return off > 0xFFFF_FFFFL ? UNKNOWN : LOC | ((long) (size >> 3) << 40) | off;
                }
                if ((x & TAG) == 0 && (x & X_MSH) != 0 && k >= 0 && k < 0x10000) {
                    long mshOff = x & 0xFFFF_FFFFL;
                    if (mshOff >= 0x10000) {
                        return UNKNOWN;
                    }
                    return LOC | X_MSH | (mshOff << 42) | ((long) (size >> 3) << 40) | k;
                }
                return UNKNOWN;
            }
            default:
                return UNKNOWN; // len, MSH into A (invalid)
        }
    }

    private static long alu(int code, int k, long[] r) {
        long a = constantOf(r[0]);
        long b = (code & 0x08) == Bpf.K ? k & 0xFFFF_FFFFL : constantOf(r[1]);
        int op = code & 0xf0;
        if (op == Bpf.NEG) {
            return a == UNKNOWN ? UNKNOWN : CONST | ((-a) & 0xFFFF_FFFFL);
        }
        if (a == UNKNOWN || b == UNKNOWN) {
            return UNKNOWN;
        }
        long v;
        switch (op) {
            case Bpf.ADD: v = a + b; break;
            case Bpf.SUB: v = a - b; break;
            case Bpf.MUL: v = a * b; break;
            case Bpf.DIV: if (b == 0) return UNKNOWN; v = a / b; break;
            case Bpf.MOD: if (b == 0) return UNKNOWN; v = a % b; break;
            case Bpf.OR: v = a | b; break;
            case Bpf.AND: v = a & b; break;
            case Bpf.XOR: v = a ^ b; break;
            case Bpf.LSH: v = b >= 32 ? 0 : a << b; break;
            case Bpf.RSH: v = b >= 32 ? 0 : a >>> b; break;
            default: return UNKNOWN;
        }
        return CONST | (v & 0xFFFF_FFFFL);
    }
}
