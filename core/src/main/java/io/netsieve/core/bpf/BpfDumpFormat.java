package io.netsieve.core.bpf;

/** The three program listings of {@code tcpdump -d}, {@code -dd} and {@code -ddd} ({@code bpf_dump}). */
public enum BpfDumpFormat {
    /** {@code -d}: one {@code bpf_image} line per instruction, jump targets absolute. */
    ASSEMBLY,
    /** {@code -dd}: a C array of {@code { code, jt, jf, k }} initialisers. */
    C_ARRAY,
    /** {@code -ddd}: the instruction count, then {@code code jt jf k} in decimal, one per line. */
    DECIMAL
}
