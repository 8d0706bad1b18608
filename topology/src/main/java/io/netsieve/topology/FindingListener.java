package io.netsieve.topology;

/**
 * Receives the findings of a {@link FindingsAnalyzer}.
 *
 * <p>Threading: called on the thread that calls {@link FindingsAnalyzer#onL4}, {@link FindingsAnalyzer#onL7},
 * {@link FindingsAnalyzer#onPath}, {@link FindingsAnalyzer#advance} or {@link FindingsAnalyzer#flush} — the one
 * that closes the finding's window — one call at a time. An exception thrown here is counted in
 * {@link FindingStats#listenerFailures()} and the analyzer goes on with the next finding.
 */
@FunctionalInterface
public interface FindingListener {

    /** A finding whose window closed. */
    void onFinding(Finding finding);
}
