package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.Bpf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The optimiser: global value numbering over the block graph (redundant loads and stores removed, constants
 * folded, {@code x} operands that are known constants turned into immediates), jump threading along edges
 * whose outcome an earlier test already decided, dead-statement elimination, merging of identical blocks and of
 * straight-line chains, and the indexed-load peephole that folds {@code ld #k; add x; tax; ld [x+j]} into
 * {@code ld [x+k+j]} (X a header length, loaded in the block or on every path to it). Blocks with
 * statement-level jumps are kept as they are, the graph around them is optimised.
 *
 * <p>Like libpcap's optimiser it deletes packet loads whose value is unused, so on a packet too short for such a
 * load the optimised program may accept where the unoptimised one returned 0 (libpcap behaves the same way, and
 * matching tcpdump's selection matters more). With {@code keepDeadLoads} it never does: a load is then only
 * removed when the same load already ran on every path to it, and the optimised program returns exactly what the
 * unoptimised one returns on every packet, truncated ones included.
 */
public final class Optimizer {
    private static final int MAX_ROUNDS = 64;
    private static final int MAX_POSSIBLE = 16;
    /** Blocks skipped at most by one threaded edge. */
    private static final int MAX_HOPS = 8;
    /** Facts and value sets kept per path: the most recent ones, so that states stay small on long chains. */
    private static final int MAX_FACTS = 16;
    private static final int MAX_AVAIL = 64;

    private final Map<String, Integer> valueNumbers = new HashMap<>();
    private final Map<Integer, Integer> constOf = new HashMap<>();
    private final Map<Integer, String> keyOf = new HashMap<>();
    private int nextVn;
    private Block root;

    private final boolean keepDeadLoads;

    private Optimizer(Block root, boolean keepDeadLoads) {
        this.root = root;
        this.keepDeadLoads = keepDeadLoads;
    }

    /**
     * Optimises the graph rooted at {@code root} and returns the new root.
     *
     * @param keepDeadLoads keep packet loads whose value is unused, so that packets too short for them still end
     *                      the filter with 0 as in the unoptimised program; false removes them as libpcap does
     */
    public static Block optimize(Block root, boolean keepDeadLoads) {
        Optimizer o = new Optimizer(root, keepDeadLoads);
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean changed = o.valueNumbering();
            changed |= o.deadStatements();
            changed |= o.peephole();
            if (o.orPullup()) {
                continue; // blocks changed contents: their states are stale until value numbering runs again
            }
            changed |= o.threadJumps();
            changed |= o.simplifyGraph();
            if (!changed) {
                break;
            }
            if (Boolean.getBoolean("netsieve.bpf.debug")) {
                System.err.println("optimiser: round " + round + " changed");
            }
        }
        return o.root;
    }

    /**
     * A block with statement-level jumps (the VLAN-tag metadata patch of {@code vlan N} with Linux extensions: load
     * the tag from metadata or from the packet, then {@code ja} to the mask). Its {@code ja} counts statements, so
     * no pass may drop, rewrite or move one of them; and a straight replay would mix the two paths. So such a block
     * is opaque: kept as it is, read as using every register any of its statements reads, and leaving unknown
     * values in every register it may set. The blocks around it are optimised as usual, as libpcap does (it skips
     * the whole program only for the other generators of such jumps, which set {@code noOptimize}).
     */
    private static boolean opaque(Block b) {
        for (Stmt s = b.stmts; s != null; s = s.next) {
            if (Bpf.cls(s.code) == Bpf.JMP) {
                return true;
            }
        }
        return false;
    }

    /** The state after opaque block {@code b}: what its statements may set is unknown (its loads may not run). */
    private void stepOpaque(Block b, State st) {
        for (Stmt s = b.stmts; s != null; s = s.next) {
            int d = defs(s.code, s.k);
            if ((d & A_BIT) != 0) {
                st.a = fresh();
            }
            if ((d & X_BIT) != 0) {
                st.x = fresh();
            }
            for (int k = 0; k < Bpf.MEMWORDS; k++) {
                if ((d & (1 << k)) != 0) {
                    st.store(k, fresh());
                }
            }
        }
    }

    /**
     * The registers live before opaque block {@code b}, given those live after it: its statements kill nothing
     * (the jumps may skip any of them) and each reads what it reads, the statement-level tests A (or A and X).
     */
    private static int opaqueLiveIn(Block b, int live) {
        for (Stmt s = b.stmts; s != null; s = s.next) {
            if (Bpf.cls(s.code) == Bpf.JMP) {
                live |= s.code == (Bpf.JMP | Bpf.JA) ? 0 : Bpf.src(s.code) == Bpf.X ? A_BIT | X_BIT : A_BIT;
            } else {
                live |= uses(s.code, s.k);
            }
        }
        return live;
    }

    // ---------------------------------------------------------------- graph helpers

    private static int topoGeneration = Integer.MIN_VALUE / 2;

    /** Blocks reachable from root, predecessors before successors (reverse post-order, false edge first). */
    static List<Block> topo(Block root) {
        int gen;
        synchronized (Optimizer.class) {
            gen = ++topoGeneration; // block.mark values below 0 are ours; the linearizer counts from 1
        }
        List<Block> post = new ArrayList<>();
        ArrayDeque<Block> stack = new ArrayDeque<>();
        java.util.ArrayDeque<Integer> state = new java.util.ArrayDeque<>();
        root.mark = gen;
        stack.push(root);
        state.push(0);
        while (!stack.isEmpty()) {
            Block b = stack.peek();
            int st = state.pop();
            if (st < 2) {
                state.push(st + 1);
                Block next = st == 0 ? b.jt : b.jf;
                if (next != null && next.mark != gen) {
                    next.mark = gen;
                    stack.push(next);
                    state.push(0);
                }
            } else {
                stack.pop();
                post.add(b);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }

    private static boolean isJump(Block b) {
        return Bpf.cls(b.code) == Bpf.JMP;
    }

    // ---------------------------------------------------------------- value numbers

    private int vn(String key) {
        Integer v = valueNumbers.get(key);
        if (v == null) {
            v = nextVn++;
            valueNumbers.put(key, v);
            keyOf.put(v, key);
        }
        return v;
    }

    private int constVn(int c) {
        int v = vn("C:" + c);
        constOf.put(v, c);
        return v;
    }

    private int fresh() {
        return nextVn++;
    }

    private Integer constant(int vn) {
        return constOf.get(vn);
    }

    /**
     * An entry of one of the immutable lists below, which states share (a copy keeps the tail it was made with):
     * changing a list builds a new head in front of the old one, or the list anew from the entries it keeps.
     */
    private abstract static class Link<L extends Link<L>> {
        final L next;
        final int size;

        Link(L next) {
            this.next = next;
            this.size = next == null ? 1 : next.size + 1;
        }

        /** This entry's contents in front of {@code next}. */
        abstract L relink(L next);

        /** A new list of the contents of {@code keep}, in the same order. */
        static <L extends Link<L>> L of(List<L> keep) {
            L r = null;
            for (int j = keep.size() - 1; j >= 0; j--) {
                r = keep.get(j).relink(r);
            }
            return r;
        }

        /** {@code l}, cut to its newest {@code max} entries once it has grown past twice that (so cuts are rare). */
        static <L extends Link<L>> L capped(L l, int max) {
            if (l.size <= 2 * max) {
                return l;
            }
            List<L> keep = new ArrayList<>(max);
            for (; l != null && keep.size() < max; l = l.next) {
                keep.add(l);
            }
            return of(keep);
        }

        /** The entries of {@code l} that {@code keep} accepts, as a new list in the same order. */
        static <L extends Link<L>> L filter(L l, java.util.function.Predicate<L> keep) {
            List<L> kept = new ArrayList<>();
            for (; l != null; l = l.next) {
                if (keep.test(l)) {
                    kept.add(l);
                }
            }
            return of(kept);
        }
    }

    /** An immutable list of test outcomes known on a path. */
    private static final class Facts extends Link<Facts> {
        final int vn;
        final int code;
        final int rhs;
        final boolean taken;

        Facts(int vn, int code, int rhs, boolean taken, Facts next) {
            super(next);
            this.vn = vn;
            this.code = code;
            this.rhs = rhs;
            this.taken = taken;
        }

        @Override
        Facts relink(Facts next) {
            return new Facts(vn, code, rhs, taken, next);
        }

        static Boolean lookup(Facts f, int vn, int code, int rhs) {
            for (; f != null; f = f.next) {
                if (f.vn == vn && f.code == code && f.rhs == rhs) {
                    return f.taken;
                }
            }
            return null;
        }

        static Facts add(Facts f, int vn, int code, int rhs, boolean taken) {
            return capped(new Facts(vn, code, rhs, taken, f), MAX_FACTS);
        }

        static Facts intersect(Facts a, Facts b) {
            if (a == b) {
                return a;
            }
            return filter(a, f -> {
                Boolean o = lookup(b, f.vn, f.code, f.rhs);
                return o != null && o == f.taken;
            });
        }
    }

    /** An immutable list of "value vn may only be one of these constants" (first entry for a vn wins). */
    private static final class Possible extends Link<Possible> {
        final int vn;
        final int[] values;

        Possible(int vn, int[] values, Possible next) {
            super(next);
            this.vn = vn;
            this.values = values;
        }

        @Override
        Possible relink(Possible next) {
            return new Possible(vn, values, next);
        }

        static int[] get(Possible p, int vn) {
            for (; p != null; p = p.next) {
                if (p.vn == vn) {
                    return p.values;
                }
            }
            return null;
        }

        static Possible put(Possible p, int vn, int[] values) {
            Possible r = new Possible(vn, values, p);
            if (r.size > 2 * MAX_FACTS) {
                // keep the newest entry of each value number, at most MAX_FACTS of them
                List<Possible> keep = new ArrayList<>();
                java.util.Set<Integer> seen = new java.util.HashSet<>();
                for (Possible q = r; q != null && keep.size() < MAX_FACTS; q = q.next) {
                    if (seen.add(q.vn)) {
                        keep.add(q);
                    }
                }
                r = of(keep);
            }
            return r;
        }

        static Possible meet(Possible a, Possible b) {
            if (a == b) {
                return a;
            }
            List<Possible> out = new ArrayList<>();
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (Possible p = a; p != null; p = p.next) {
                if (!seen.add(p.vn)) {
                    continue;
                }
                int[] other = get(b, p.vn);
                if (other == null) {
                    continue;
                }
                int[] u = union(p.values, other);
                if (u.length <= MAX_POSSIBLE) {
                    out.add(new Possible(p.vn, u, null));
                }
            }
            return of(out);
        }

        private static int[] union(int[] a, int[] b) {
            int[] u = java.util.Arrays.copyOf(a, a.length + b.length);
            int n = a.length;
            outer:
            for (int v : b) {
                for (int i = 0; i < n; i++) {
                    if (u[i] == v) {
                        continue outer;
                    }
                }
                u[n++] = v;
            }
            return java.util.Arrays.copyOf(u, n);
        }
    }

    /** An immutable list of the value numbers of the packet loads done on every path here. */
    private static final class Avail extends Link<Avail> {
        final int vn;

        Avail(int vn, Avail next) {
            super(next);
            this.vn = vn;
        }

        @Override
        Avail relink(Avail next) {
            return new Avail(vn, next);
        }

        static boolean contains(Avail a, int vn) {
            for (; a != null; a = a.next) {
                if (a.vn == vn) {
                    return true;
                }
            }
            return false;
        }

        static Avail add(Avail a, int vn) {
            if (contains(a, vn)) {
                return a;
            }
            return capped(new Avail(vn, a), MAX_AVAIL);
        }

        static Avail intersect(Avail a, Avail b) {
            if (a == b) {
                return a;
            }
            return filter(a, x -> contains(b, x.vn));
        }
    }

    /** Register state plus what the tests on the way here established. */
    private static final class State {
        int a;
        int x;
        /** Scratch words' value numbers; shared between copies until one of them stores (copy on write). */
        int[] m;
        boolean mShared;
        Facts facts;
        Possible eq;
        Avail avail;

        State copy() {
            State s = new State(m);
            s.a = a;
            s.x = x;
            s.facts = facts;
            s.eq = eq;
            s.avail = avail;
            mShared = true;
            s.mShared = true;
            return s;
        }

        State() {
            m = new int[Bpf.MEMWORDS];
        }

        private State(int[] m) {
            this.m = m;
        }

        void store(int k, int vn) {
            if (mShared) {
                m = m.clone();
                mShared = false;
            }
            m[k] = vn;
        }
    }

    private State entryState() {
        State s = new State();
        int zero = constVn(0);
        s.a = zero;
        s.x = zero;
        // the scratch words hold nothing known: a store of 0 at the start (the VLAN offsets of "vlan N" with Linux
        // extensions, which a path may read without passing a later store) must stay, as the kernel's checker
        // refuses a read of a word no path stored
        for (int k = 0; k < Bpf.MEMWORDS; k++) {
            s.m[k] = fresh();
        }
        return s;
    }

    private State meet(List<State> in) {
        State first = in.get(0);
        if (in.size() == 1) {
            return first; // edge states are made fresh for each edge: the only successor may take it over
        }
        State r = first.copy();
        for (int i = 1; i < in.size(); i++) {
            State o = in.get(i);
            if (r.a != o.a) {
                r.a = fresh();
            }
            if (r.x != o.x) {
                r.x = fresh();
            }
            for (int k = 0; k < Bpf.MEMWORDS; k++) {
                if (r.m[k] != o.m[k]) {
                    r.store(k, fresh());
                }
            }
            r.facts = Facts.intersect(r.facts, o.facts);
            r.eq = Possible.meet(r.eq, o.eq);
            r.avail = Avail.intersect(r.avail, o.avail);
        }
        return r;
    }

    /** A gets value {@code v}; false if it holds it already (so the statement that sets it is redundant). */
    private static boolean setA(State st, int v) {
        if (st.a == v) {
            return false;
        }
        st.a = v;
        return true;
    }

    /** As {@link #setA}, for X. */
    private static boolean setX(State st, int v) {
        if (st.x == v) {
            return false;
        }
        st.x = v;
        return true;
    }

    /** As {@link #setA}, for scratch word {@code k}. */
    private static boolean setM(State st, int k, int v) {
        if (st.m[k] == v) {
            return false;
        }
        st.store(k, v);
        return true;
    }

    /** Scratch load {@code s} (class {@code cls}) of value {@code v}: an immediate load if v is a known constant. */
    private Stmt immediateIfConstant(Stmt s, int cls, int v) {
        Integer c = constant(v);
        return c != null ? new Stmt(cls | Bpf.IMM, c) : s;
    }

    /**
     * Packet load {@code s} of value {@code v}: whether the same load ran on every path here already (then it cannot
     * run out of the packet, so it cannot end the filter), and from here on it has.
     */
    private static Stmt packetLoad(Stmt s, State st, int v) {
        s.repeatLoad = Avail.contains(st.avail, v);
        st.avail = Avail.add(st.avail, v);
        return s;
    }

    /**
     * Applies one statement to the state. Returns the statement's rewrite: the same statement, a cheaper one, or
     * null when it changes nothing on this path (a redundant load, store or move).
     */
    private Stmt step(Stmt s, State st) {
        int code = s.code;
        int k = s.k;
        switch (code) {
            case Bpf.LD | Bpf.IMM:
                return setA(st, constVn(k)) ? s : null;
            case Bpf.LDX | Bpf.IMM:
                return setX(st, constVn(k)) ? s : null;
            case Bpf.LD | Bpf.W | Bpf.ABS: case Bpf.LD | Bpf.H | Bpf.ABS: case Bpf.LD | Bpf.B | Bpf.ABS: {
                int v = vn("LA:" + Bpf.size(code) + ":" + k);
                return setA(st, v) ? packetLoad(s, st, v) : null;
            }
            case Bpf.LD | Bpf.W | Bpf.IND: case Bpf.LD | Bpf.H | Bpf.IND: case Bpf.LD | Bpf.B | Bpf.IND: {
                Integer xc = constant(st.x);
                if (xc != null && xc >= 0 && k >= 0 && (long) xc + k < Integer.MAX_VALUE
                        && !Bpf.isKnownAncillary(xc + k)) {
                    Stmt abs = new Stmt(Bpf.LD | Bpf.size(code) | Bpf.ABS, xc + k);
                    Stmt r = step(abs, st);
                    return r == null ? null : abs;
                }
                int v = vn("LI:" + Bpf.size(code) + ":" + k + ":" + st.x);
                return setA(st, v) ? packetLoad(s, st, v) : null;
            }
            case Bpf.LDX | Bpf.MSH | Bpf.B: {
                int v = vn("MSH:" + k);
                return setX(st, v) ? packetLoad(s, st, v) : null;
            }
            case Bpf.LD | Bpf.W | Bpf.LEN:
                return setA(st, vn("LEN")) ? s : null;
            case Bpf.LDX | Bpf.W | Bpf.LEN:
                return setX(st, vn("LEN")) ? s : null;
            case Bpf.LD | Bpf.MEM:
                return setA(st, st.m[k]) ? immediateIfConstant(s, Bpf.LD, st.a) : null;
            case Bpf.LDX | Bpf.MEM:
                return setX(st, st.m[k]) ? immediateIfConstant(s, Bpf.LDX, st.x) : null;
            case Bpf.ST:
                return setM(st, k, st.a) ? s : null;
            case Bpf.STX:
                return setM(st, k, st.x) ? s : null;
            case Bpf.MISC | Bpf.TAX:
                return setX(st, st.a) ? s : null;
            case Bpf.MISC | Bpf.TXA:
                return setA(st, st.x) ? s : null;
            case Bpf.ALU | Bpf.NEG: {
                Integer c = constant(st.a);
                if (c != null) {
                    return step(new Stmt(Bpf.LD | Bpf.IMM, -c), st);
                }
                st.a = vn("NEG:" + st.a);
                return s;
            }
            default:
                break;
        }
        if (Bpf.cls(code) == Bpf.ALU) {
            int op = Bpf.op(code);
            Integer rhs;
            if (Bpf.src(code) == Bpf.X) {
                rhs = constant(st.x);
                if (rhs == null) {
                    st.a = vn("ALU:" + op + ":" + st.a + ":x" + st.x);
                    return s;
                }
                if ((op == Bpf.DIV || op == Bpf.MOD) && rhs == 0) {
                    st.a = vn("ALU:" + op + ":" + st.a + ":x" + st.x);
                    return s; // division by X = 0 ends the filter: keep it as it is
                }
                s = new Stmt(Bpf.ALU | op | Bpf.K, rhs);
            } else {
                rhs = k;
            }
            int r = rhs;
            // identities
            if ((r == 0 && (op == Bpf.ADD || op == Bpf.SUB || op == Bpf.OR || op == Bpf.XOR || op == Bpf.LSH
                    || op == Bpf.RSH)) || (r == 1 && (op == Bpf.MUL || op == Bpf.DIV))
                    || (r == -1 && op == Bpf.AND)) {
                return null;
            }
            if ((r == 0 && (op == Bpf.MUL || op == Bpf.AND))) {
                return step(new Stmt(Bpf.LD | Bpf.IMM, 0), st);
            }
            Integer a = constant(st.a);
            if (a != null) {
                return step(new Stmt(Bpf.LD | Bpf.IMM, fold(op, a, r)), st);
            }
            st.a = vn("ALU:" + op + ":" + st.a + ":" + r);
            return s;
        }
        throw new IllegalStateException("unexpected statement 0x" + Integer.toHexString(code));
    }

    private static int fold(int op, int a, int b) {
        switch (op) {
            case Bpf.ADD: return a + b;
            case Bpf.SUB: return a - b;
            case Bpf.MUL: return a * b;
            case Bpf.DIV: return Integer.divideUnsigned(a, b);
            case Bpf.MOD: return Integer.remainderUnsigned(a, b);
            case Bpf.AND: return a & b;
            case Bpf.OR: return a | b;
            case Bpf.XOR: return a ^ b;
            case Bpf.LSH: return Integer.compareUnsigned(b, 32) < 0 ? a << b : 0;
            case Bpf.RSH: return Integer.compareUnsigned(b, 32) < 0 ? a >>> b : 0;
            default: throw new IllegalStateException("op " + op);
        }
    }

    private static int factRhs(Block b, State st) {
        return Bpf.src(b.code) == Bpf.X ? st.x : b.k;
    }

    private static boolean test(int op, int a, int rhs) {
        switch (op) {
            case Bpf.JEQ: return a == rhs;
            case Bpf.JGT: return Integer.compareUnsigned(a, rhs) > 0;
            case Bpf.JGE: return Integer.compareUnsigned(a, rhs) >= 0;
            case Bpf.JSET: return (a & rhs) != 0;
            default: throw new IllegalStateException("op " + op);
        }
    }

    /** The outcome of the block's test in this state, or null if it is not known. */
    private Boolean decide(Block b, State st) {
        if (!isJump(b)) {
            return null;
        }
        int op = Bpf.op(b.code);
        Integer rhs = Bpf.src(b.code) == Bpf.X ? constant(st.x) : Integer.valueOf(b.k);
        Integer a = constant(st.a);
        if (a != null && rhs != null) {
            return test(op, a, rhs);
        }
        if (rhs != null) {
            int[] possible = Possible.get(st.eq, st.a);
            if (possible != null && possible.length > 0) {
                boolean anyTrue = false;
                boolean anyFalse = false;
                for (int v : possible) {
                    if (test(op, v, rhs)) {
                        anyTrue = true;
                    } else {
                        anyFalse = true;
                    }
                }
                if (anyTrue != anyFalse) {
                    return anyTrue;
                }
            }
        }
        return Facts.lookup(st.facts, st.a, b.code & 0xf8, factRhs(b, st));
    }

    private State edgeState(Block b, State exit, boolean taken) {
        State s = exit.copy();
        if (isJump(b)) {
            s.facts = Facts.add(s.facts, exit.a, b.code & 0xf8, factRhs(b, exit), taken);
            if (Bpf.src(b.code) == Bpf.K) {
                int op = Bpf.op(b.code);
                int[] possible = Possible.get(exit.eq, exit.a);
                if (possible != null) {
                    int[] narrowed = new int[possible.length];
                    int n = 0;
                    for (int v : possible) {
                        if (test(op, v, b.k) == taken) {
                            narrowed[n++] = v;
                        }
                    }
                    s.eq = Possible.put(s.eq, exit.a, java.util.Arrays.copyOf(narrowed, n));
                } else if (taken && op == Bpf.JEQ) {
                    s.eq = Possible.put(s.eq, exit.a, new int[] {b.k});
                }
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- passes

    private Map<Block, State> exitStates;
    /** X's value number on entry to each block, for the peephole (its X may come from a block before). */
    private Map<Block, Integer> entryX;
    /** A's value number on entry to each block, for the or pull-up. */
    private Map<Block, Integer> entryA;
    private Map<Block, List<State>> inStates;
    private Map<Block, List<Block>> preds;

    /** Forward value numbering; rewrites statements under the state common to all paths. */
    private boolean valueNumbering() {
        boolean changed = false;
        List<Block> order = topo(root);
        exitStates = new IdentityHashMap<>();
        entryX = new IdentityHashMap<>();
        entryA = new IdentityHashMap<>();
        inStates = new IdentityHashMap<>();
        preds = new IdentityHashMap<>();
        for (Block b : order) {
            preds.put(b, new ArrayList<>());
            inStates.put(b, new ArrayList<>());
        }
        for (Block b : order) {
            List<State> ins = inStates.get(b);
            if (b != root && ins.isEmpty()) {
                continue; // no longer reachable: an earlier test in this pass was decided
            }
            State st = b == root ? entryState() : meet(ins);
            entryX.put(b, st.x);
            entryA.put(b, st.a);
            if (opaque(b)) {
                stepOpaque(b, st);
            } else {
                // rewrite statements
                StmtChain kept = new StmtChain();
                for (Stmt s = b.stmts; s != null; s = s.next) {
                    Stmt r = step(s, st);
                    if (r != s) {
                        changed = true;
                    }
                    if (r != null) {
                        kept.add(r);
                    }
                }
                b.stmts = kept.finish();
            }
            // an x operand known to be constant becomes an immediate
            if (isJump(b) && Bpf.src(b.code) == Bpf.X) {
                Integer c = constant(st.x);
                if (c != null) {
                    b.code = Bpf.JMP | Bpf.op(b.code) | Bpf.K;
                    b.k = c;
                    changed = true;
                }
            }
            // a test decided on every path to here goes straight to its outcome
            Boolean d = decide(b, st);
            if (d != null && b.jt != b.jf) {
                Block target = d ? b.jt : b.jf;
                b.jt = target;
                b.jf = target;
                changed = true;
            }
            exitStates.put(b, st);
            if (b.jt != null && b.jt == b.jf) {
                preds.get(b.jt).add(b);
                inStates.get(b.jt).add(exit(st));
            } else {
                if (b.jt != null) {
                    preds.get(b.jt).add(b);
                    inStates.get(b.jt).add(edgeState(b, st, true));
                }
                if (b.jf != null) {
                    preds.get(b.jf).add(b);
                    inStates.get(b.jf).add(edgeState(b, st, false));
                }
            }
        }
        return changed;
    }

    private static State exit(State st) {
        return st.copy();
    }

    /** Along an edge where the target's statements change nothing and its test is decided, skip the target. */
    private boolean threadJumps() {
        boolean changed = false;
        computeLiveness();
        // A redirect replaces the path P -> T -> ... -> L -> cur by P -> cur, where the skipped blocks change
        // nothing cur or what follows uses; cur's state was the meet over paths that already included this one,
        // so every exit state computed in this round stays valid and threading can go on in the same pass.
        for (Block b : topo(root)) {
            State exit = exitStates.get(b);
            if (exit == null || !isJump(b)) {
                continue;
            }
            for (int edge = 0; edge < 2; edge++) {
                Block target = edge == 0 ? b.jt : b.jf;
                if (target == null || (edge == 1 && b.jf == b.jt)) {
                    continue;
                }
                State st = b.jt == b.jf ? exit.copy() : edgeState(b, exit, edge == 0);
                Block cur = target;
                Block best = target;
                int defined = 0;
                int hops = 0;
                while (cur != null && isJump(cur) && !opaque(cur) && hops++ < MAX_HOPS) {
                    State sim = cur.stmts == null ? st : st.copy();
                    boolean skippable = true;
                    for (Stmt s = cur.stmts; s != null && skippable; s = s.next) {
                        Stmt probe = new Stmt(s.code, s.k);
                        Avail before = sim.avail;
                        int a0 = sim.a;
                        int x0 = sim.x;
                        if (step(probe, sim) == null) {
                            continue;
                        }
                        if (!skippableStatement(probe, before, sim, a0, x0)) {
                            skippable = false;
                        }
                        defined |= defs(s.code, s.k);
                    }
                    if (!skippable) {
                        break;
                    }
                    Boolean d = decide(cur, sim);
                    if (d == null) {
                        break;
                    }
                    st = edgeState(cur, sim, d);
                    cur = d ? cur.jt : cur.jf;
                    // the registers the skipped blocks set must not be needed where we land
                    if (cur != null && (liveIn.getOrDefault(cur, -1) & defined) == 0) {
                        best = cur;
                    }
                }
                cur = best;
                if (cur != target && cur != null) {
                    if (edge == 0) {
                        if (b.jf == b.jt) {
                            b.jf = cur;
                        }
                        b.jt = cur;
                    } else {
                        b.jf = cur;
                    }
                    changed = true;
                }
            }
        }
        return changed;
    }

    /** How many reachable blocks jump to each block (one whose two edges go to the same block counts once). */
    private Map<Block, Integer> predecessorCounts() {
        Map<Block, Integer> predCount = new IdentityHashMap<>();
        for (Block b : topo(root)) {
            if (b.jt != null) {
                predCount.merge(b.jt, 1, Integer::sum);
            }
            if (b.jf != null && b.jf != b.jt) {
                predCount.merge(b.jf, 1, Integer::sum);
            }
        }
        return predCount;
    }

    /**
     * In a chain of tests that all go to the same place when true ("a or b or c…"), tests whose statements only
     * repeat loads already done on every path (so they cannot end the filter) may run in any order. They are
     * grouped by the value they compare, so that value numbering then drops the reloads between them, as
     * libpcap's "or pull-up" does — but only where that cannot change a verdict, truncated frames included
     * (unless the verdict on them need not be kept: see {@link #pureTest}).
     * The same holds for "and" chains (same false target).
     */
    private boolean orPullup() {
        boolean changed = false;
        computeLiveness();
        Map<Block, Integer> predCount = predecessorCounts();
        IdentityHashMap<Block, Boolean> done = new IdentityHashMap<>();
        for (Block b : topo(root)) {
            if (done.containsKey(b)) {
                continue;
            }
            for (boolean orChain : new boolean[] {true, false}) {
                if (!pureTest(b)) {
                    continue;
                }
                Block shared = orChain ? b.jt : b.jf;
                List<Block> chain = new ArrayList<>();
                chain.add(b);
                int defined = defsOf(b);
                Block cur = orChain ? b.jf : b.jt;
                while (cur != null && pureTest(cur) && predCount.getOrDefault(cur, 0) == 1
                        && (orChain ? cur.jt : cur.jf) == shared && cur != shared) {
                    chain.add(cur);
                    defined |= defsOf(cur);
                    cur = orChain ? cur.jf : cur.jt;
                }
                // two tests are swapped only to put the value already in A first (below)
                if (chain.size() < 2 || cur == null) {
                    continue;
                }
                int live = liveIn.getOrDefault(shared, -1) | liveIn.getOrDefault(cur, -1);
                if ((live & defined) != 0) {
                    continue;
                }
                // a test that reads X or a scratch word another test of the chain sets (its own "ldx M[k]" was
                // removed as the one before set X already) would read another value once moved; A is safe, as
                // the tests are grouped by the value they compare
                int exposed = 0;
                for (Block c : chain) {
                    exposed |= exposedUses(c);
                }
                if ((exposed & defined & ~A_BIT) != 0) {
                    continue;
                }
                // stable grouping by the compared value (A's value number at the test)
                List<Integer> keys = new ArrayList<>();
                for (Block c : chain) {
                    State st = exitStates.get(c);
                    keys.add(st == null ? -1 : st.a);
                }
                if (keys.contains(-1)) {
                    continue;
                }
                Map<Integer, List<Integer>> groups = new java.util.LinkedHashMap<>();
                // the group of the value already in A goes first, so that its reload goes too: in "host a1 or
                // host a2 …" of a name with several addresses, src a1 and dst a1 must run first (the first loads
                // of the two fields), then come dst a2… right after dst a1, and src a2… after one reload
                Integer inA = entryA.get(b);
                if (inA != null && keys.contains(inA)) {
                    groups.put(inA, new ArrayList<>());
                } else if (chain.size() < 3) {
                    continue;
                }
                for (int i = 0; i < chain.size(); i++) {
                    groups.computeIfAbsent(keys.get(i), k -> new ArrayList<>()).add(i);
                }
                List<Integer> order = new ArrayList<>(chain.size());
                for (List<Integer> g : groups.values()) {
                    order.addAll(g);
                }
                boolean moved = false;
                for (int i = 0; i < order.size(); i++) {
                    moved |= order.get(i) != i;
                }
                for (Block c : chain) {
                    done.put(c, true);
                }
                if (!moved) {
                    continue;
                }
                Stmt[] stmts = new Stmt[chain.size()];
                int[] codes = new int[chain.size()];
                int[] ks = new int[chain.size()];
                for (int i = 0; i < chain.size(); i++) {
                    Block src = chain.get(order.get(i));
                    stmts[i] = src.stmts;
                    codes[i] = src.code;
                    ks[i] = src.k;
                }
                for (int i = 0; i < chain.size(); i++) {
                    chain.get(i).stmts = stmts[i];
                    chain.get(i).code = codes[i];
                    chain.get(i).k = ks[i];
                }
                changed = true;
                break;
            }
        }
        return changed;
    }

    /**
     * A test block whose statements only repeat loads or move values, comparing A with a constant. Without
     * {@code keepDeadLoads} first loads count too, as in libpcap's pull-up: a frame too short for one of them may
     * then end elsewhere in the chain, so that the verdict on it changes (libpcap's optimiser does the same).
     */
    private boolean pureTest(Block b) {
        if (!isJump(b) || Bpf.src(b.code) != Bpf.K || b.jt == b.jf || opaque(b)) {
            return false;
        }
        for (Stmt s = b.stmts; s != null; s = s.next) {
            int code = s.code;
            switch (Bpf.mode(code)) {
                case Bpf.ABS: case Bpf.IND: case Bpf.MSH:
                    if ((Bpf.cls(code) == Bpf.LD || Bpf.cls(code) == Bpf.LDX) && !s.repeatLoad && keepDeadLoads) {
                        return false;
                    }
                    break;
                default:
                    if (code == (Bpf.ALU | Bpf.DIV | Bpf.X) || code == (Bpf.ALU | Bpf.MOD | Bpf.X)) {
                        return false;
                    }
                    break;
            }
        }
        return true;
    }

    /** The registers {@code b}'s statements read before setting them (the values it takes from before). */
    private static int exposedUses(Block b) {
        int exposed = 0;
        int set = 0;
        for (Stmt s = b.stmts; s != null; s = s.next) {
            exposed |= uses(s.code, s.k) & ~set;
            set |= defs(s.code, s.k);
        }
        return exposed;
    }

    private static int defsOf(Block b) {
        int d = 0;
        for (Stmt s = b.stmts; s != null; s = s.next) {
            d |= defs(s.code, s.k);
        }
        return d;
    }

    /** A statement that can be skipped on a path: it computes only, or repeats a load done on the path. */
    private static boolean skippableStatement(Stmt s, Avail availBefore, State after, int a0,
                                              int x0) {
        int code = s.code;
        if (code == (Bpf.ALU | Bpf.DIV | Bpf.X) || code == (Bpf.ALU | Bpf.MOD | Bpf.X)) {
            return false;
        }
        switch (Bpf.mode(code)) {
            case Bpf.ABS: case Bpf.IND: case Bpf.MSH:
                if (Bpf.cls(code) == Bpf.LD) {
                    return Avail.contains(availBefore, after.a);
                }
                if (Bpf.cls(code) == Bpf.LDX) {
                    return Avail.contains(availBefore, after.x);
                }
                return true;
            default:
                return true;
        }
    }

    private static void markDirty(Block from, IdentityHashMap<Block, Boolean> dirty) {
        ArrayDeque<Block> stack = new ArrayDeque<>();
        stack.push(from);
        while (!stack.isEmpty()) {
            Block b = stack.pop();
            if (dirty.put(b, true) != null) {
                continue;
            }
            if (b.jt != null) {
                stack.push(b.jt);
            }
            if (b.jf != null) {
                stack.push(b.jf);
            }
        }
    }

    // liveness bits: 0..15 M[k], 16 A, 17 X
    private static final int A_BIT = 1 << 16;
    private static final int X_BIT = 1 << 17;

    private static int uses(int code, int k) {
        switch (code) {
            case Bpf.ST: return A_BIT;
            case Bpf.STX: return X_BIT;
            case Bpf.LD | Bpf.MEM: case Bpf.LDX | Bpf.MEM: return 1 << k;
            case Bpf.MISC | Bpf.TAX: return A_BIT;
            case Bpf.MISC | Bpf.TXA: return X_BIT;
            case Bpf.LD | Bpf.W | Bpf.IND: case Bpf.LD | Bpf.H | Bpf.IND: case Bpf.LD | Bpf.B | Bpf.IND: return X_BIT;
            case Bpf.ALU | Bpf.NEG: return A_BIT;
            default:
                if (Bpf.cls(code) == Bpf.ALU) {
                    return Bpf.src(code) == Bpf.X ? A_BIT | X_BIT : A_BIT;
                }
                return 0;
        }
    }

    private static int defs(int code, int k) {
        switch (code) {
            case Bpf.ST: case Bpf.STX: return 1 << k;
            case Bpf.MISC | Bpf.TAX: return X_BIT;
            default:
                if (Bpf.cls(code) == Bpf.LDX) {
                    return X_BIT;
                }
                if (Bpf.cls(code) == Bpf.LD || Bpf.cls(code) == Bpf.ALU || code == (Bpf.MISC | Bpf.TXA)) {
                    return A_BIT;
                }
                return 0;
        }
    }

    /** A statement whose only effect is its definition (packet loads may end the filter, so they stay). */
    private static boolean removableWhenDead(int code) {
        switch (Bpf.mode(code)) {
            case Bpf.ABS: case Bpf.IND: case Bpf.MSH:
                if (Bpf.cls(code) == Bpf.LD || Bpf.cls(code) == Bpf.LDX) {
                    return false;
                }
                break;
            default:
                break;
        }
        // division or modulo by X may end the filter when X is 0
        if (code == (Bpf.ALU | Bpf.DIV | Bpf.X) || code == (Bpf.ALU | Bpf.MOD | Bpf.X)) {
            return false;
        }
        return true;
    }

    private Map<Block, Integer> liveIn;

    private int terminalUses(Block b) {
        if (b.code == (Bpf.RET | Bpf.A)) {
            return A_BIT;
        }
        if (b.code == (Bpf.RET | Bpf.X)) {
            return X_BIT;
        }
        if (isJump(b)) {
            if (b.jt == b.jf) {
                return 0; // the test decides nothing
            }
            return Bpf.src(b.code) == Bpf.X ? A_BIT | X_BIT : A_BIT;
        }
        return 0;
    }

    /**
     * The registers read after {@code b}'s statements: by its jump or return, or later on either branch; a branch
     * whose liveness is not known yet counts as reading {@code unknown}.
     */
    private int liveAtEnd(Block b, int unknown) {
        int live = 0;
        if (b.jt != null) {
            live |= liveIn.getOrDefault(b.jt, unknown);
        }
        if (b.jf != null) {
            live |= liveIn.getOrDefault(b.jf, unknown);
        }
        return live | terminalUses(b);
    }

    /** The registers live before {@code s}, given those live after it. */
    private static int liveBefore(Stmt s, int live) {
        return (live & ~defs(s.code, s.k)) | uses(s.code, s.k);
    }

    private Stmt[] scratch = new Stmt[16];

    private int statements(Block b) {
        int n = 0;
        for (Stmt s = b.stmts; s != null; s = s.next) {
            if (n == scratch.length) {
                scratch = java.util.Arrays.copyOf(scratch, 2 * n);
            }
            scratch[n++] = s;
        }
        return n;
    }

    private void computeLiveness() {
        List<Block> order = topo(root);
        liveIn = new IdentityHashMap<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            Block b = order.get(i);
            int live = liveAtEnd(b, 0);
            if (opaque(b)) {
                liveIn.put(b, opaqueLiveIn(b, live));
                continue;
            }
            int n = statements(b);
            for (int j = n - 1; j >= 0; j--) {
                live = liveBefore(scratch[j], live);
            }
            liveIn.put(b, live);
        }
    }

    private boolean deadStatements() {
        boolean changed = false;
        List<Block> order = topo(root);
        liveIn = new IdentityHashMap<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            Block b = order.get(i);
            int live = liveAtEnd(b, 0);
            if (opaque(b)) {
                liveIn.put(b, opaqueLiveIn(b, live));
                continue;
            }
            List<Stmt> list = new ArrayList<>();
            for (Stmt s = b.stmts; s != null; s = s.next) {
                list.add(s);
            }
            boolean[] keep = new boolean[list.size()];
            for (int j = list.size() - 1; j >= 0; j--) {
                Stmt s = list.get(j);
                int d = defs(s.code, s.k);
                if (d != 0 && (live & d) == 0 && (removableWhenDead(s.code) || s.repeatLoad || !keepDeadLoads)) {
                    keep[j] = false;
                    changed = true;
                    continue;
                }
                keep[j] = true;
                live = liveBefore(s, live);
            }
            StmtChain kept = new StmtChain();
            for (int j = 0; j < list.size(); j++) {
                if (keep[j]) {
                    kept.add(list.get(j));
                }
            }
            b.stmts = kept.finish();
            liveIn.put(b, live);
        }
        return changed;
    }

    /**
     * {@code add x; tax; ld [x + j]} with A a known constant c before the add and X dead after the load becomes
     * {@code ld [x + c + j]}, when X is a header length (so c + X cannot wrap).
     */
    private boolean peephole() {
        boolean changed = false;
        for (Block b : topo(root)) {
            State st = exitStates.get(b);
            if (st == null || opaque(b)) {
                continue;
            }
            // replay the block from an unknown entry state: only what the block itself establishes is used, and
            // X's value on entry, which value numbering found on every path here (the header length that
            // "ldxb 4*([14]&0xf)" loaded in an earlier block, whose repeat in this block it removed)
            State sim = new State();
            sim.a = fresh();
            sim.x = entryX.getOrDefault(b, fresh());
            for (int r = 0; r < Bpf.MEMWORDS; r++) {
                sim.store(r, fresh());
            }
            List<Stmt> list = new ArrayList<>();
            List<State> before = new ArrayList<>();
            for (Stmt s = b.stmts; s != null; s = s.next) {
                list.add(s);
                before.add(sim.copy());
                if (step(new Stmt(s.code, s.k), sim) == null) {
                    // a statement that no longer changes anything: leave the block for the next round
                    list = null;
                    break;
                }
            }
            if (list == null) {
                continue;
            }
            // "and #m; jeq #0" with A dead afterwards is "jset #m" with the branches swapped
            if (!list.isEmpty() && b.code == (Bpf.JMP | Bpf.JEQ | Bpf.K) && b.k == 0 && b.jt != b.jf) {
                Stmt last = list.get(list.size() - 1);
                int liveAfter = liveIn.getOrDefault(b.jt, A_BIT) | liveIn.getOrDefault(b.jf, A_BIT);
                if (last.code == (Bpf.ALU | Bpf.AND | Bpf.K) && (liveAfter & A_BIT) == 0) {
                    last.code = Stmt.NOP;
                    b.code = Bpf.JMP | Bpf.JSET | Bpf.K;
                    b.k = last.k;
                    Block t = b.jt;
                    b.jt = b.jf;
                    b.jf = t;
                    changed = true;
                }
            }
            for (int i = 0; i + 2 < list.size(); i++) {
                Stmt add = list.get(i);
                Stmt tax = list.get(i + 1);
                Stmt ld = list.get(i + 2);
                if (add.code != (Bpf.ALU | Bpf.ADD | Bpf.X) || tax.code != (Bpf.MISC | Bpf.TAX)
                        || Bpf.cls(ld.code) != Bpf.LD || Bpf.mode(ld.code) != Bpf.IND) {
                    continue;
                }
                Integer c = constant(before.get(i).a);
                String xKey = keyOf.get(before.get(i).x);
                if (c == null || c < 0 || xKey == null || !xKey.startsWith("MSH:")
                        || (long) c + ld.k > Integer.MAX_VALUE || ld.k < 0) {
                    continue;
                }
                if (xLiveAfter(b, list, i + 2)) {
                    continue;
                }
                add.code = Stmt.NOP;
                tax.code = Stmt.NOP;
                ld.k = c + ld.k;
                changed = true;
            }
            if (changed) {
                StmtChain kept = new StmtChain();
                for (Stmt s = b.stmts; s != null; s = s.next) {
                    if (s.code != Stmt.NOP) {
                        kept.add(s);
                    }
                }
                b.stmts = kept.finish();
            }
        }
        return changed;
    }

    private boolean xLiveAfter(Block b, List<Stmt> list, int index) {
        int live = liveAtEnd(b, X_BIT);
        for (int j = list.size() - 1; j > index; j--) {
            live = liveBefore(list.get(j), live);
        }
        return (live & X_BIT) != 0;
    }

    /** Bypasses empty decided blocks, merges single-predecessor chains and identical blocks. */
    private boolean simplifyGraph() {
        boolean changed = false;
        // 0. a block from which every path returns 0 is "ret #0": a load running out of the packet there would
        //    return 0 as well, so its statements cannot change the verdict
        IdentityHashMap<Block, Boolean> zero = new IdentityHashMap<>();
        List<Block> rev = topo(root);
        for (int i = rev.size() - 1; i >= 0; i--) {
            Block b = rev.get(i);
            boolean z;
            if (b.code == (Bpf.RET | Bpf.K)) {
                z = b.k == 0;
            } else if (isJump(b)) {
                z = zero.getOrDefault(b.jt, false) && zero.getOrDefault(b.jf, false);
            } else {
                z = false;
            }
            zero.put(b, z);
            if (z && b.code != (Bpf.RET | Bpf.K)) {
                b.stmts = null;
                b.code = Bpf.RET | Bpf.K;
                b.k = 0;
                b.jt = null;
                b.jf = null;
                changed = true;
            }
        }
        // 1. empty block whose test is decided: predecessors go straight to the target
        boolean again = true;
        while (again) {
            again = false;
            for (Block b : topo(root)) {
                for (int e = 0; e < 2; e++) {
                    Block t = e == 0 ? b.jt : b.jf;
                    if (t != null && t.stmts == null && isJump(t) && t.jt == t.jf) {
                        if (e == 0) {
                            b.jt = t.jt;
                        } else {
                            b.jf = t.jt;
                        }
                        again = true;
                        changed = true;
                    }
                }
            }
            if (root.stmts == null && isJump(root) && root.jt == root.jf) {
                root = root.jt;
                again = true;
                changed = true;
            }
        }
        // 2. a decided block followed by a block only it reaches: merge them
        Map<Block, Integer> predCount = predecessorCounts();
        for (Block b : topo(root)) {
            // (an opaque block's statements stay in a block of their own, where its jumps were counted)
            while (isJump(b) && b.jt == b.jf && b.jt != null && predCount.getOrDefault(b.jt, 0) == 1
                    && !opaque(b) && !opaque(b.jt)) {
                Block s = b.jt;
                if (b.stmts == null) {
                    b.stmts = s.stmts;
                } else {
                    Stmt.append(b.stmts, s.stmts);
                }
                b.code = s.code;
                b.k = s.k;
                b.jt = s.jt;
                b.jf = s.jf;
                changed = true;
            }
        }
        // 3. identical blocks (same statements, test and successors) become one
        Map<String, Block> canon = new HashMap<>();
        IdentityHashMap<Block, Block> replace = new IdentityHashMap<>();
        List<Block> order = topo(root);
        for (int i = order.size() - 1; i >= 0; i--) {
            Block b = order.get(i);
            if (b.jt != null && replace.containsKey(b.jt)) {
                b.jt = replace.get(b.jt);
                changed = true;
            }
            if (b.jf != null && replace.containsKey(b.jf)) {
                b.jf = replace.get(b.jf);
                changed = true;
            }
            StringBuilder key = new StringBuilder();
            for (Stmt s = b.stmts; s != null; s = s.next) {
                key.append(s.code).append(',').append(s.k).append(';');
            }
            key.append('|').append(b.code).append(',').append(b.k).append('|')
                    .append(System.identityHashCode(b.jt)).append('|').append(System.identityHashCode(b.jf));
            // (two opaque blocks may look alike and still jump to different statements of their own)
            Block c = opaque(b) ? null : canon.putIfAbsent(key.toString(), b);
            if (c != null && c != b && c.jt == b.jt && c.jf == b.jf) {
                replace.put(b, c);
            }
        }
        if (replace.containsKey(root)) {
            root = replace.get(root);
        }
        if (!replace.isEmpty()) {
            // one more pass so that predecessors earlier in the order see the replacements
            for (Block b : topo(root)) {
                if (b.jt != null && replace.containsKey(b.jt)) {
                    b.jt = replace.get(b.jt);
                }
                if (b.jf != null && replace.containsKey(b.jf)) {
                    b.jf = replace.get(b.jf);
                }
            }
            changed = true;
        }
        return changed;
    }

    /** A block's statement list rebuilt from the statements kept, in order (the passes drop or replace some). */
    private static final class StmtChain {
        private Stmt head;
        private Stmt tail;

        void add(Stmt s) {
            if (head == null) {
                head = s;
            } else {
                tail.next = s;
            }
            tail = s;
        }

        /** The new list; its last statement may still link to a dropped one, so the link is cut. */
        Stmt finish() {
            if (tail != null) {
                tail.next = null;
            }
            return head;
        }
    }

    @Override
    public String toString() {
        return Objects.toString(root);
    }
}
