package io.netsieve.l4;

/**
 * Per-packet TCP analysis flags with Wireshark's definitions (reference §7); {@link #fieldName()} is the Wireshark
 * display-filter field. A packet's flags are a bit set ({@link #bit()}); when several retransmission kinds could
 * apply, Wireshark's precedence decides which one is set (spurious, then fast retransmission, then out-of-order,
 * then retransmission).
 */
public enum TcpAnalysisFlag {
    RETRANSMISSION("tcp.analysis.retransmission"),
    FAST_RETRANSMISSION("tcp.analysis.fast_retransmission"),
    SPURIOUS_RETRANSMISSION("tcp.analysis.spurious_retransmission"),
    OUT_OF_ORDER("tcp.analysis.out_of_order"),
    LOST_SEGMENT("tcp.analysis.lost_segment"),
    ACKED_UNSEEN_SEGMENT("tcp.analysis.ack_lost_segment"),
    DUPLICATE_ACK("tcp.analysis.duplicate_ack"),
    ZERO_WINDOW("tcp.analysis.zero_window"),
    ZERO_WINDOW_PROBE("tcp.analysis.zero_window_probe"),
    ZERO_WINDOW_PROBE_ACK("tcp.analysis.zero_window_probe_ack"),
    KEEP_ALIVE("tcp.analysis.keep_alive"),
    KEEP_ALIVE_ACK("tcp.analysis.keep_alive_ack"),
    WINDOW_UPDATE("tcp.analysis.window_update"),
    WINDOW_FULL("tcp.analysis.window_full");

    private final String fieldName;

    TcpAnalysisFlag(String fieldName) {
        this.fieldName = fieldName;
    }

    /** The Wireshark field, e.g. {@code tcp.analysis.duplicate_ack}. */
    public String fieldName() { return fieldName; }

    public int bit() { return 1 << ordinal(); }

    /** True when {@code flags} says the segment repeats data already sent (any retransmission kind). */
    public static boolean isRetransmission(int flags) {
        return (flags & (RETRANSMISSION.bit() | FAST_RETRANSMISSION.bit() | SPURIOUS_RETRANSMISSION.bit())) != 0;
    }

    /** The flags as text, e.g. {@code DUPLICATE_ACK|ZERO_WINDOW}. */
    public static String text(int flags) {
        StringBuilder b = new StringBuilder();
        for (TcpAnalysisFlag f : values()) {
            if ((flags & f.bit()) != 0) {
                if (!b.isEmpty()) {
                    b.append('|');
                }
                b.append(f.name());
            }
        }
        return b.toString();
    }
}
