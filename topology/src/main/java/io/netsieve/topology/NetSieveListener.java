package io.netsieve.topology;

import io.netsieve.core.nic.CapturePoint;

/**
 * Lifecycle events of a {@link NetSieve} run, in start/end/failed pairs; every method is a no-op by default.
 *
 * <p>Threading: called on the pipeline thread concerned (the capture point's), one call at a time per capture point.
 * An exception thrown here is counted like a record callback's and ignored.
 */
public interface NetSieveListener {

    /** A capture point's source is about to be read. */
    default void capturePointStart(CapturePoint point) {
    }

    /** A capture point's source was read to its end; {@code stats} are its counters. */
    default void capturePointEnd(CapturePoint point, CapturePointStats stats) {
    }

    /**
     * A capture point's source failed (unreadable, damaged): the packets before the damage were processed and are
     * in {@code stats}.
     */
    default void capturePointFailed(CapturePoint point, CapturePointStats stats, Exception cause) {
    }

    /** A user callback threw; the pipeline went on. */
    default void callbackFailed(String callback, RuntimeException error) {
    }
}
