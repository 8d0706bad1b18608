package io.netsieve.core.bpf;

/** A program that a {@link BpfValidator} refuses; {@link #instruction()} is the offending index, or -1. */
public final class BpfValidationException extends IllegalArgumentException {
    private final int instruction;

    public BpfValidationException(String message, int instruction) {
        super(instruction >= 0 ? "instruction " + instruction + ": " + message : message);
        this.instruction = instruction;
    }

    public int instruction() {
        return instruction;
    }
}
