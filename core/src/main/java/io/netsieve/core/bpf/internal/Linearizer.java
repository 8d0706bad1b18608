package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfProgram;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays the block graph out as a program the way libpcap's {@code icode_to_fcode} does: depth first, false branch
 * before true branch, each block placed before everything it jumps to (so every jump goes forward), and when a
 * branch target is more than 255 instructions away, a {@code ja} is inserted after the branch and the layout is
 * redone. Unlike libpcap, a far branch first looks for a {@code ja} to the same target that an earlier far branch
 * already placed within reach, and jumps to it instead of adding another one: long or-chains then need one
 * trampoline per 256 instructions rather than one per branch.
 */
public final class Linearizer {
    private int gen;
    private int[] code;
    private int[] jt;
    private int[] jf;
    private int[] k;
    private int ftail;
    /** Positions of the "ja" trampolines already laid out, per target: later far branches reuse a near one. */
    private java.util.Map<Block, java.util.TreeSet<Integer>> trampolines;

    public static BpfProgram linearize(Block root) {
        return new Linearizer().run(root);
    }

    private BpfProgram run(Block root) {
        while (true) {
            gen++;
            int n = count(root);
            code = new int[n];
            jt = new int[n];
            jf = new int[n];
            k = new int[n];
            ftail = n;
            trampolines = new java.util.IdentityHashMap<>();
            gen++;
            if (convert(root)) {
                List<BpfInstruction> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(new BpfInstruction(code[i], jt[i], jf[i], k[i]));
                }
                return BpfProgram.of(out);
            }
        }
    }

    private Integer nearTrampoline(Block target, int from) {
        java.util.TreeSet<Integer> set = trampolines.get(target);
        if (set == null) {
            return null;
        }
        Integer q = set.ceiling(from + 1);
        return q != null && q - from - 1 < 256 ? q : null;
    }

    private int count(Block b) {
        // iterative DFS: program size may be tens of thousands of blocks
        int n = 0;
        java.util.ArrayDeque<Block> stack = new java.util.ArrayDeque<>();
        stack.push(b);
        while (!stack.isEmpty()) {
            Block p = stack.pop();
            if (p == null || p.mark == gen) {
                continue;
            }
            p.mark = gen;
            n += Stmt.length(p.stmts) + 1 + p.longjt + p.longjf;
            if (p.jf != null) {
                stack.push(p.jf);
            }
            if (p.jt != null) {
                stack.push(p.jt);
            }
        }
        return n;
    }

    private boolean convert(Block p) {
        if (p == null || p.mark == gen) {
            return true;
        }
        p.mark = gen;
        if (!convert(p.jf)) {
            return false;
        }
        if (!convert(p.jt)) {
            return false;
        }
        int slen = Stmt.length(p.stmts);
        ftail -= slen + 1 + p.longjt + p.longjf;
        int dst = ftail;
        p.offset = dst;
        Stmt[] offset = new Stmt[slen];
        Stmt src = p.stmts;
        for (int off = 0; off < slen && src != null; off++) {
            offset[off] = src;
            src = src.next;
        }
        int off = 0;
        for (src = p.stmts; src != null; src = src.next) {
            if (src.code == Stmt.NOP) {
                continue;
            }
            code[dst] = src.code;
            k[dst] = src.k;
            boolean localJump = Bpf.cls(src.code) == Bpf.JMP && src.code != (Bpf.JMP | Bpf.JA) && off != slen - 2;
            if (localJump) {
                if (src.jt == null || src.jf == null) {
                    throw new CompileError("no jmp destination for block-local relative jump: off=" + off);
                }
                boolean foundT = false;
                boolean foundF = false;
                for (int i = 0; i < slen; i++) {
                    if (offset[i] == src.jt) {
                        jt[dst] = i - off - 1;
                        foundT = true;
                    }
                    if (offset[i] == src.jf) {
                        jf[dst] = i - off - 1;
                        foundF = true;
                    }
                }
                if (!foundT || !foundF) {
                    throw new CompileError("no destination found for block-local relative jump: off=" + off);
                }
            }
            dst++;
            off++;
        }
        code[dst] = p.code;
        k[dst] = p.k;
        if (p.jt != null) {
            int extrajmps = branch(p, true, dst, slen, 0);
            if (extrajmps < 0 || branch(p, false, dst, slen, extrajmps) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Lays out the true or false branch of block {@code p}'s jump at {@code dst}, after {@code extrajmps}
     * trampolines already placed behind the jump. Returns the trampolines behind it now, or -1 when the target is
     * out of reach and no trampoline slot was reserved yet: one is, and the layout must be redone.
     */
    private int branch(Block p, boolean jumpIfTrue, int dst, int slen, int extrajmps) {
        Block target = jumpIfTrue ? p.jt : p.jf;
        int[] field = jumpIfTrue ? jt : jf;
        int o = target.offset - (p.offset + slen) - 1;
        if (o < 256) {
            field[dst] = o;
            return extrajmps;
        }
        int reserved = jumpIfTrue ? p.longjt : p.longjf;
        Integer near = nearTrampoline(target, dst);
        if (reserved == 0 && near != null) {
            field[dst] = near - dst - 1;
            return extrajmps;
        }
        if (reserved == 0) {
            if (jumpIfTrue) {
                p.longjt++;
            } else {
                p.longjf++;
            }
            return -1;
        }
        field[dst] = extrajmps;
        extrajmps++;
        code[dst + extrajmps] = Bpf.JMP | Bpf.JA;
        k[dst + extrajmps] = o - extrajmps;
        trampolines.computeIfAbsent(target, t -> new java.util.TreeSet<>()).add(dst + extrajmps);
        return extrajmps;
    }
}
