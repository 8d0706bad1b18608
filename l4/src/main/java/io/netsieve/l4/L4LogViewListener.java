package io.netsieve.l4;

/**
 * Receives L4 log records as a lent {@link L4LogView}, for consumers that want no allocation per record (set with
 * {@link L4Tracker.Builder#viewListener}, instead of an {@link L4LogListener}).
 *
 * <p>Threading: called on the thread that feeds the {@link L4Tracker} (the pipeline thread), in the order chunks
 * close; must not block for long, and must not feed the tracker it is called by (the view would be refilled under
 * it). Lifetime: the view, and the {@link PacketSeries} it gives, are valid only until this call returns; reading
 * them afterwards throws {@link IllegalStateException}. The tracker hands the same view object to every call, so keep
 * {@link L4LogView#toL4Log()} (an owned copy), never the view.
 */
@FunctionalInterface
public interface L4LogViewListener {
    void onL4Log(L4LogView log);
}
