package io.netsieve.topology;

import java.util.List;
import java.util.Objects;

/**
 * One step of a finding's evidence: what it shows at one layer of the troubleshooting flow, and the records that
 * show it.
 *
 * @param layer       the step of the flow
 * @param description one line, in words
 * @param refs        the records (at most {@link FindingThresholds#maxRefsPerStep()} of them)
 * @param omitted     further records that show the same and were left out to keep the finding bounded
 */
public record EvidenceStep(EvidenceLayer layer, String description, List<EvidenceRef> refs, int omitted) {

    public EvidenceStep {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(description, "description");
        refs = List.copyOf(refs);
        if (omitted < 0) {
            throw new IllegalArgumentException("omitted must not be negative: " + omitted);
        }
    }
}
