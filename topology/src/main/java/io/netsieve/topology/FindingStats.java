package io.netsieve.topology;

/**
 * Counters of a {@link FindingsAnalyzer}. Every record offered is counted once in {@code l4Records},
 * {@code l7Records} or {@code paths}; of those, {@code late} ones came after their window closed and were not used.
 * The {@code dropped*} / {@code evicted*} counters say what the bounds of {@link FindingThresholds} cut.
 *
 * @param l4Records          L4 records offered
 * @param l7Records          L7 records offered
 * @param paths              paths offered
 * @param late               records or paths whose window had already closed (not used)
 * @param windows            windows closed
 * @param findings           findings emitted
 * @param droppedSubjects    occurrences not counted because a window already held {@code maxSubjects} subjects of
 *                           their kind
 * @param omittedRefs        record references left out of evidence steps ({@code maxRefsPerStep})
 * @param evictedConnections connections dropped from the index that links L4 and L7 records
 *                           ({@code maxConnections}): their records can be missing from later evidence
 * @param droppedEdges       hop latencies not judged because {@code maxEdges} edges already had a history
 * @param listenerFailures   exceptions thrown by the listener
 */
public record FindingStats(long l4Records, long l7Records, long paths, long late, long windows, long findings,
                           long droppedSubjects, long omittedRefs, long evictedConnections, long droppedEdges,
                           long listenerFailures) {
}
