package io.netsieve.topology;

import io.netsieve.core.nic.CapturePoint;

/**
 * How far {@link NetSieve#run()} has read a capture point's file, for a progress bar on long inputs
 * ({@link NetSieve.Builder#onProgress}). Called with {@code bytesRead} 0 when the file is opened, then about every
 * 4096 packets with the reader's byte offset in the file (record headers included), and once at the end: with
 * {@code bytesRead == fileBytes} when the file was read to its end, with the offset reached when it failed (a
 * damaged file) — so the last call of a capture point says where it stopped; a file that cannot be opened gets no
 * call. Counting is all it costs the pipeline
 * (no allocation).
 *
 * <p>Threading: called on the pipeline thread reading the capture point (with {@code threads(n > 1)}, calls for
 * different capture points come from different threads, possibly at once). Not called by live runs (their input has
 * no end; see {@link NetSieve.LiveRun#metrics()}). An exception thrown here is counted and logged like a record
 * callback's and ignored.
 */
@FunctionalInterface
public interface ReadProgress {
    /**
     * {@code bytesRead} of the {@code fileBytes} of {@code point}'s file were read (the file's size when it was
     * opened).
     */
    void progress(CapturePoint point, long bytesRead, long fileBytes);
}
