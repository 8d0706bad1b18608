package io.netsieve.l4;

/**
 * Receives L4 log records. Called on the thread that feeds the {@link L4Tracker} (the pipeline thread), in the
 * order chunks close; must not block for long. The record is immutable and may be kept (its packet series only
 * during the call when {@link L4Config#lendPacketSeries()}). {@link L4LogViewListener} receives lent records
 * instead, without allocation.
 */
@FunctionalInterface
public interface L4LogListener {
    void onL4Log(L4Log log);
}
