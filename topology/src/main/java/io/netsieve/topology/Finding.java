package io.netsieve.topology;

import java.util.List;
import java.util.Objects;

/**
 * An automatic troubleshooting finding of a {@link FindingsAnalyzer}: one kind of problem on one subject within one
 * window, with the records that show it. Immutable.
 *
 * @param kind       what it is
 * @param severity   how bad ({@link FindingKind#severity()})
 * @param summary    one line, in words, with the numbers
 * @param subject    what it is about (findings are deduplicated per kind, subject and window)
 * @param startNanos event time of the first record that shows it
 * @param endNanos   event time of the last
 * @param count      occurrences behind it: connection attempts, reset connections, packets, exchanges, outlying
 *                   hops (the summary says which)
 * @param evidence   the evidence, one step per layer of the troubleshooting flow in its order (symptom, L4, L7,
 *                   topology, correlation, related logs); a layer with nothing to show is left out
 * @param sinceNanos when the problem began: {@code startNanos} of the first finding of the same kind and subject
 *                   in an unbroken series of windows that each had one (a problem that lasts several windows gives
 *                   one finding per window, all with the same {@code sinceNanos}); {@code startNanos} for a first
 * @param occurrence 1 for the first window of such a series, 2 for the next, ...
 */
public record Finding(FindingKind kind, FindingSeverity severity, String summary, FindingSubject subject,
                      long startNanos, long endNanos, long count, List<EvidenceStep> evidence, long sinceNanos,
                      int occurrence) {

    /** A finding that is the first of its series. */
    public Finding(FindingKind kind, FindingSeverity severity, String summary, FindingSubject subject,
                   long startNanos, long endNanos, long count, List<EvidenceStep> evidence) {
        this(kind, severity, summary, subject, startNanos, endNanos, count, evidence, startNanos, 1);
    }

    public Finding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(subject, "subject");
        evidence = List.copyOf(evidence);
        if (occurrence < 1 || sinceNanos > startNanos) {
            throw new IllegalArgumentException("occurrence " + occurrence + " must be >= 1 and since "
                    + sinceNanos + " not after start " + startNanos);
        }
        for (int i = 1; i < evidence.size(); i++) {
            if (evidence.get(i).layer().compareTo(evidence.get(i - 1).layer()) < 0) {
                throw new IllegalArgumentException("evidence out of the troubleshooting order: " + evidence);
            }
        }
    }

    /** This finding as occurrence {@code occurrence} of a series that began at {@code sinceNanos}. */
    public Finding continuing(long sinceNanos, int occurrence) {
        return new Finding(kind, severity, summary, subject, startNanos, endNanos, count, evidence, sinceNanos,
                occurrence);
    }

    /** The identity of the problem across windows: kind and subject, e.g. {@code connection_reset 198.18.0.1:80}. */
    public String problemKey() {
        return kind.label() + " " + subject.value();
    }

    /** The evidence step of {@code layer}, or null when the finding has none. */
    public EvidenceStep step(EvidenceLayer layer) {
        for (EvidenceStep s : evidence) {
            if (s.layer() == layer) {
                return s;
            }
        }
        return null;
    }
}
