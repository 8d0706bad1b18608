package io.netsieve.topology;

import java.util.Locale;

/**
 * What a {@link Finding} is about. Each kind has its rule in {@link FindingThresholds} and a usual severity; the
 * declaration order is the order findings of one window are emitted in (connection failures first, then the
 * transport, the application, the path).
 */
public enum FindingKind {
    /** SYNs to a server went unanswered until the connection was given up (Zeek {@code S0} at its end). */
    CONNECTION_TIMEOUT(FindingSeverity.ERROR),
    /** SYNs to a server were answered by RST (Zeek {@code REJ}): nothing listens, or a firewall rejects. */
    CONNECTION_REFUSED(FindingSeverity.ERROR),
    /** Established connections to a server were reset (Zeek {@code RSTO} / {@code RSTR}). */
    CONNECTION_RESET(FindingSeverity.WARNING),
    /** Retransmitted packets on the connections to a server, as a share of their packets, above the threshold. */
    RETRANSMISSIONS(FindingSeverity.WARNING),
    /** Segments missing from the capture ({@code tcp.analysis.lost_segment}), as a share, above the threshold. */
    PACKET_LOSS(FindingSeverity.WARNING),
    /** An endpoint advertised a zero receive window: its application does not read fast enough. */
    ZERO_WINDOW(FindingSeverity.WARNING),
    /** Exchanges whose server took at least the threshold to start answering ({@code cost_resp_wait}). */
    SLOW_SERVER(FindingSeverity.WARNING),
    /** One hop's latency was an outlier against the history of the same edge between capture points. */
    SLOW_HOP(FindingSeverity.WARNING),
    /** HTTP 5xx answers from a server, as a share of its HTTP exchanges, at or above the threshold. */
    HTTP_5XX(FindingSeverity.ERROR),
    /** HTTP 4xx answers from a server, as a share of its HTTP exchanges, at or above the threshold. */
    HTTP_4XX(FindingSeverity.WARNING),
    /** DNS answers with an error rcode (SERVFAIL, REFUSED, …; NXDOMAIN only when configured). */
    DNS_FAILURE(FindingSeverity.ERROR),
    /** DNS queries without an answer. */
    DNS_TIMEOUT(FindingSeverity.ERROR),
    /** An address translation (SNAT/DNAT) between two capture points of the exchanges' paths. */
    NAT_IN_PATH(FindingSeverity.INFO);

    private final FindingSeverity severity;

    FindingKind(FindingSeverity severity) {
        this.severity = severity;
    }

    /** The severity findings of this kind get. */
    public FindingSeverity severity() {
        return severity;
    }

    /** The name in files: {@code connection_refused}, {@code http_5xx}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
