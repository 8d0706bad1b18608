package io.netsieve.topology;

import io.netsieve.l7.L7Log;

/**
 * Receives the correlated paths of an {@link ExchangeCorrelator}.
 *
 * <p>Threading: called on the thread that calls {@link ExchangeCorrelator#offer}, {@link ExchangeCorrelator#advance}
 * or {@link ExchangeCorrelator#flush}, one call at a time. An exception thrown here is counted in
 * {@link CorrelatorStats#listenerFailures()} and the correlator goes on.
 */
@FunctionalInterface
public interface ExchangePathListener {

    /** A path is complete: its time window closed (or the correlator was flushed or full). */
    void onPath(ExchangePath path);

    /**
     * A record arrived after the window of its exchange had already closed and its path was emitted: it is not
     * joined (counted in {@link CorrelatorStats#late()}). No-op by default.
     */
    default void onLate(L7Log log) {
    }
}
