package io.netsieve.topology.report;

import java.util.List;

/**
 * A finding as the report shows it: severity, kind, one-line summary, and its evidence in the troubleshooting
 * order (each line one step: symptom, L4, L7, topology, correlation, related logs).
 */
public record ReportFinding(String severity, String kind, String summary, List<String> evidence) {
    public ReportFinding {
        evidence = List.copyOf(evidence);
    }
}
