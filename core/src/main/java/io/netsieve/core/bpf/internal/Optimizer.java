package io.netsieve.core.bpf.internal;

/** Placeholder until the optimiser lands: returns the graph unchanged. */
public final class Optimizer {
    private Optimizer() {
    }

    public static Block optimize(Block root) {
        return root;
    }
}
