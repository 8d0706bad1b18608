package io.netsieve.topology.sink;

/**
 * The four kinds of record a sink writes, each to a file of its own: {@code bpf_net_l4_log} ({@code l4.*}),
 * {@code bpf_net_l7_log} ({@code l7.*}), exchange paths across capture points ({@code paths.*}) and findings
 * ({@code findings.*}).
 */
public enum RecordType {
    L4("l4"),
    L7("l7"),
    PATH("paths"),
    FINDING("findings");

    private final String baseName;

    RecordType(String baseName) {
        this.baseName = baseName;
    }

    /** The file name without its extension: {@code l4}, {@code l7}, {@code paths}, {@code findings}. */
    public String baseName() {
        return baseName;
    }
}
