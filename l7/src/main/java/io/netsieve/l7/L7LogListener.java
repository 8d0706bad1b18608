package io.netsieve.l7;

/**
 * Receives {@code bpf_net_l7_log} records.
 *
 * <p>Threading: called on the pipeline thread that feeds the {@code L4Tracker} (the record is emitted from inside
 * the L4 call that delivered the response's last byte, or from {@link L7Tracker#advanceTime} / the connection's
 * end), one call at a time, never concurrently. Records are immutable and may be kept or handed to other threads.
 * An exception thrown by the listener is counted ({@link L7Stats#listenerFailures()}) and swallowed.
 */
@FunctionalInterface
public interface L7LogListener {
    void onLog(L7Log log);
}
