package io.netsieve.core.bpf.internal;

/** A compilation error inside the compiler; the public API turns it into a FilterCompileException with a column. */
public final class CompileError extends RuntimeException {
    private int column = -1;

    public CompileError(String message) {
        super(message, null, false, false);
    }

    public CompileError at(int column) {
        if (this.column < 0) {
            this.column = column;
        }
        return this;
    }

    public int column() {
        return column;
    }
}
