package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;

/**
 * Receives each {@code bpf_net_l4_log} record with the capture point that wrote it.
 *
 * <p>Threading: called on the pipeline thread that processes that capture point, one call at a time per capture
 * point; with several pipeline threads, calls for different capture points may run concurrently. An exception is
 * caught, counted in {@link RunSummary#callbackFailures()}, reported to {@link NetSieveListener#callbackFailed},
 * and the pipeline goes on.
 */
@FunctionalInterface
public interface L4LogCallback {
    void onL4Log(L4Log log, Nic nic);
}
