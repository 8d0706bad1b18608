package io.netsieve.core.bpf.internal;

/**
 * One statement of a basic block (libpcap's {@code struct slist}): an instruction, and for the rare jumps inside a
 * statement list (VLAN metadata, Geneve, protochain) the statements they go to.
 */
public final class Stmt {
    /** Removed by the optimizer; skipped when linearising. */
    public static final int NOP = -1;

    public int code;
    public int k;
    public Stmt jt;
    public Stmt jf;
    public Stmt next;
    /** Set by the optimiser: this packet load already ran on every path here, so it cannot end the filter. */
    public boolean repeatLoad;

    public Stmt(int code, int k) {
        this.code = code;
        this.k = k;
    }

    /** Appends {@code s1} at the end of the list starting at {@code s0} ({@code sappend}). */
    public static void append(Stmt s0, Stmt s1) {
        while (s0.next != null) {
            s0 = s0.next;
        }
        s0.next = s1;
    }

    /** Number of statements that are not NOPs ({@code slength}). */
    public static int length(Stmt s) {
        int n = 0;
        for (; s != null; s = s.next) {
            if (s.code != NOP) {
                n++;
            }
        }
        return n;
    }
}
