package io.netsieve.core.bpf.internal;

/** An arithmetic expression being compiled: its statements, the scratch register holding its value, guards. */
public final class Arth {
    public Stmt s;
    public int regno;
    /** Protocol checks that must hold for the value to be meaningful (ANDed into the relation), or null. */
    public Block b;
}
