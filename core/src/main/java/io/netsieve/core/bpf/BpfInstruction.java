package io.netsieve.core.bpf;

/**
 * One classic BPF instruction, {@code struct bpf_insn}: a 16-bit opcode, two 8-bit relative jump offsets (taken
 * to the instruction {@code pc + 1 + jt} or {@code pc + 1 + jf}) and a 32-bit constant.
 *
 * @param code the opcode (0..0xffff)
 * @param jt   jump offset if true (0..255)
 * @param jf   jump offset if false (0..255)
 * @param k    the generic field (unsigned in BPF semantics, kept as a Java int)
 */
public record BpfInstruction(int code, int jt, int jf, int k) {
    public BpfInstruction {
        if ((code & ~0xffff) != 0) {
            throw new IllegalArgumentException("opcode " + code + " outside 0..0xffff");
        }
        if ((jt & ~0xff) != 0 || (jf & ~0xff) != 0) {
            throw new IllegalArgumentException("jump offsets " + jt + "/" + jf + " outside 0..255");
        }
    }

    /** A non-jump statement. */
    public static BpfInstruction stmt(int code, int k) {
        return new BpfInstruction(code, 0, 0, k);
    }

    /** A jump. */
    public static BpfInstruction jump(int code, int k, int jt, int jf) {
        return new BpfInstruction(code, jt, jf, k);
    }

    /** {@code k} as an unsigned value. */
    public long unsignedK() {
        return Integer.toUnsignedLong(k);
    }

    @Override
    public String toString() {
        return String.format("{ 0x%x, %d, %d, 0x%08x }", code, jt, jf, k);
    }
}
