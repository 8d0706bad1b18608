package io.netsieve.core.bpf.internal;

/**
 * A basic block of the control-flow graph the code generator builds (libpcap's {@code struct block}): statements
 * followed by one conditional jump (or a return). While the expression is being parsed, the unresolved true or false
 * edges of a block chain form a list (threaded through {@link #jt}/{@link #jf}, {@link #sense} telling which), which
 * {@code and}/{@code or} patch; see {@link CodeGen#and}.
 */
public final class Block {
    public static final int UNCERTAIN = 0;
    public static final int IS_TRUE = 1;
    public static final int IS_FALSE = 2;

    public Stmt stmts;
    public int code;
    public int k;
    public Block jt;
    public Block jf;
    public boolean sense;
    public Block head;
    /** Whether this block is a boolean constant made by gen_true/gen_false. */
    public int meaning = UNCERTAIN;

    // linearisation
    public int offset;
    public int longjt;
    public int longjf;
    public int mark;

    public Block(int code, int k) {
        this.code = code;
        this.k = k;
        this.head = this;
    }
}
