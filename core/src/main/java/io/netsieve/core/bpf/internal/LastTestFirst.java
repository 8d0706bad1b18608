package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfProgram;

import java.util.ArrayList;
import java.util.List;

/**
 * Reorders a filter that is a plain conjunction of tests so that its last test runs first. The result returns the
 * same value as the original for every packet, capture length and wire length; only the order in which the tests
 * run changes. {@code BpfJit} applies it before emitting code; the program users see, dump and attach is never
 * changed.
 *
 * <p><b>Why.</b> libpcap's code generator puts the prerequisites of a primitive first (link type, IP protocol,
 * fragment offset) and the test that decides last ({@code tcp[tcpflags] & (tcp-syn|tcp-fin) != 0} checks the
 * EtherType, the protocol and the fragment offset, then the flags). On real traffic the prerequisites almost
 * always pass and the final test almost always decides, so running it first rejects most packets after two loads
 * instead of seven.
 *
 * <p><b>When it applies.</b> Following the program from its entry, every conditional jump must have one target
 * that is {@code ret #0} (directly or through {@code ja}) and the other continuing; the path must end in one
 * {@code ret #k} with a constant k &ne; 0 right after the last test (no loops, nothing else returns a nonzero
 * value). Every packet then runs the path until a test sends it to {@code ret #0}, so the result is k exactly
 * when every test passes. A load past the captured length, a division by X = 0 or an ancillary load without
 * data returns 0 as well, i.e. counts as a failed test: the program's value is the conjunction of its tests,
 * which does not depend on their order — provided each test computes the same values in the new order. So the
 * last test's segment (the instructions after the previous test, up to and including the last test) must read no
 * register or scratch word it did not set itself, and the segments before it must not read, before setting it,
 * anything that segment sets (they would otherwise see its values instead of the initial zeros). If any condition
 * fails, or a jump offset of the new order would not fit in 8 bits, the program is returned unchanged.
 */
public final class LastTestFirst {
    private static final int REG_A = 1;
    private static final int REG_X = 2;
    /** Scratch word i is bit {@code MEM0 << i}. */
    private static final int MEM0 = 4;

    private LastTestFirst() {
    }

    /** One test: the instructions after the previous test ({@code body}) and its conditional jump. */
    private record Segment(List<BpfInstruction> body, BpfInstruction test, boolean rejectWhenTrue) {
    }

    /** {@code program} with its last test first, or {@code program} itself when that is not exact or not possible. */
    public static BpfProgram reorder(BpfProgram program) {
        int n = program.length();
        List<Segment> segments = new ArrayList<>();
        List<BpfInstruction> body = new ArrayList<>();
        int accept = -1;
        int pc = 0;
        int steps = 0;
        while (pc >= 0 && pc < n && steps++ <= n) {
            BpfInstruction insn = program.get(pc);
            int code = insn.code();
            if (Bpf.cls(code) == Bpf.RET) {
                if (Bpf.rval(code) == Bpf.K && insn.k() != 0 && body.isEmpty()) {
                    accept = insn.k();
                }
                break;
            }
            if (code == (Bpf.JMP | Bpf.JA)) {
                if (insn.k() < 0) {
                    return program; // a loop
                }
                pc += 1 + insn.k();
                continue;
            }
            if (Bpf.isConditionalJump(code)) {
                int t = pc + 1 + insn.jt();
                int f = pc + 1 + insn.jf();
                boolean rejectT = rejects(program, t);
                boolean rejectF = rejects(program, f);
                if (rejectT == rejectF) {
                    return program; // both sides go on (a disjunction) or both reject
                }
                segments.add(new Segment(body, insn, rejectT));
                body = new ArrayList<>();
                pc = rejectT ? f : t;
                continue;
            }
            body.add(insn);
            pc++;
        }
        if (accept == -1 || segments.size() < 2) {
            return program;
        }
        Segment last = segments.get(segments.size() - 1);
        int lastDefs = defs(last);
        if (exposedUses(List.of(last)) != 0
                || (exposedUses(segments.subList(0, segments.size() - 1)) & lastDefs) != 0) {
            return program;
        }
        List<Segment> order = new ArrayList<>(segments.size());
        order.add(last);
        order.addAll(segments.subList(0, segments.size() - 1));
        int length = 2;
        for (Segment s : order) {
            length += s.body().size() + 1;
        }
        int acceptAt = length - 2;
        int rejectAt = length - 1;
        List<BpfInstruction> out = new ArrayList<>(length);
        for (int i = 0; i < order.size(); i++) {
            Segment s = order.get(i);
            out.addAll(s.body());
            int at = out.size();
            int pass = (i + 1 < order.size() ? at + 1 : acceptAt) - (at + 1);
            int reject = rejectAt - (at + 1);
            if (pass > 255 || reject > 255) {
                return program;
            }
            BpfInstruction test = s.test();
            out.add(BpfInstruction.jump(test.code(), test.k(), s.rejectWhenTrue() ? reject : pass,
                    s.rejectWhenTrue() ? pass : reject));
        }
        out.add(BpfInstruction.stmt(Bpf.RET | Bpf.K, accept));
        out.add(BpfInstruction.stmt(Bpf.RET | Bpf.K, 0));
        return BpfProgram.of(out);
    }

    /** True when execution from {@code pc} reaches {@code ret #0} through nothing but forward {@code ja}. */
    private static boolean rejects(BpfProgram program, int pc) {
        for (int guard = 0; pc >= 0 && pc < program.length() && guard < program.length(); guard++) {
            BpfInstruction insn = program.get(pc);
            if (insn.code() == (Bpf.JMP | Bpf.JA) && insn.k() >= 0) {
                pc += 1 + insn.k();
                continue;
            }
            return insn.code() == (Bpf.RET | Bpf.K) && insn.k() == 0;
        }
        return false;
    }

    /** What the segments, run in order from the program's entry, read before they set it. */
    private static int exposedUses(List<Segment> segments) {
        int defined = 0;
        int exposed = 0;
        for (Segment s : segments) {
            for (BpfInstruction insn : s.body()) {
                exposed |= uses(insn) & ~defined;
                defined |= defs(insn);
            }
            exposed |= uses(s.test()) & ~defined;
        }
        return exposed;
    }

    private static int defs(Segment s) {
        int d = 0;
        for (BpfInstruction insn : s.body()) {
            d |= defs(insn);
        }
        return d;
    }

    private static int uses(BpfInstruction insn) {
        int code = insn.code();
        switch (Bpf.cls(code)) {
            case Bpf.LD:
                return Bpf.mode(code) == Bpf.IND ? REG_X : Bpf.mode(code) == Bpf.MEM ? mem(insn.k()) : 0;
            case Bpf.LDX:
                return Bpf.mode(code) == Bpf.MEM ? mem(insn.k()) : 0;
            case Bpf.ST:
                return REG_A;
            case Bpf.STX:
                return REG_X;
            case Bpf.ALU:
                return REG_A | (Bpf.op(code) != Bpf.NEG && Bpf.src(code) == Bpf.X ? REG_X : 0);
            case Bpf.JMP:
                return code == (Bpf.JMP | Bpf.JA) ? 0 : REG_A | (Bpf.src(code) == Bpf.X ? REG_X : 0);
            case Bpf.RET:
                return Bpf.rval(code) == Bpf.A ? REG_A : Bpf.rval(code) == Bpf.X ? REG_X : 0;
            default: // MISC
                return Bpf.miscop(code) == Bpf.TAX ? REG_A : REG_X;
        }
    }

    private static int defs(BpfInstruction insn) {
        int code = insn.code();
        switch (Bpf.cls(code)) {
            case Bpf.LD:
            case Bpf.ALU:
                return REG_A;
            case Bpf.LDX:
                return REG_X;
            case Bpf.ST:
            case Bpf.STX:
                return mem(insn.k());
            case Bpf.MISC:
                return Bpf.miscop(code) == Bpf.TAX ? REG_X : REG_A;
            default:
                return 0;
        }
    }

    private static int mem(int k) {
        // the validator keeps k below MEMWORDS; anything else touches everything, which blocks the reordering
        return k >= 0 && k < Bpf.MEMWORDS ? MEM0 << k : -1;
    }
}
