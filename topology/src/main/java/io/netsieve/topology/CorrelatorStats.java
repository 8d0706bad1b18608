package io.netsieve.topology;

/**
 * Counters of an {@link ExchangeCorrelator}: every offered record ends in exactly one of {@code joined} (part of an
 * emitted path, single-hop paths included), {@code late} or {@code open} (still waiting for its window to close).
 *
 * @param offered          records offered
 * @param joined           records in emitted paths
 * @param late             records whose window had closed (not joined)
 * @param open             records in windows still open
 * @param paths            paths emitted
 * @param evicted          paths emitted early because {@code maxOpenExchanges} was reached
 * @param collisions       observations kept apart although their {@code l7_traceid} matched (time window or
 *                         fingerprint differed)
 * @param listenerFailures exceptions thrown by the listener
 */
public record CorrelatorStats(long offered, long joined, long late, long open, long paths, long evicted,
                              long collisions, long listenerFailures) {
}
