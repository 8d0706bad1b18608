package io.netsieve.topology.internal;

import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Logs user-callback failures through slf4j at WARN, rate limited: the first {@code burst} failures of a run each
 * with its stack trace, then at most one line per {@code periodNanos} saying how many were not logged since. The
 * caller counts every failure itself; this only keeps a failing callback from flooding the log. Thread-safe.
 */
public final class FailureLog {
    private final Logger log;
    private final int burst;
    private final long periodNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong nextLine = new AtomicLong(Long.MIN_VALUE);

    public FailureLog(Logger log, int burst, long periodNanos, LongSupplier nanoTime) {
        this.log = log;
        this.burst = burst;
        this.periodNanos = periodNanos;
        this.nanoTime = nanoTime;
    }

    /** Records one failure of {@code callback}; logs it unless the rate limit says otherwise. */
    public void failed(String callback, Throwable error) {
        long n = failures.incrementAndGet();
        if (n <= burst) {
            log.warn("netsieve: callback {} threw (failure {}); the pipeline goes on", callback, n, error);
            if (n == burst) {
                nextLine.set(nanoTime.getAsLong() + periodNanos);
            }
            return;
        }
        long now = nanoTime.getAsLong();
        long next = nextLine.get();
        if (now - next >= 0 && nextLine.compareAndSet(next, now + periodNanos)) {
            long skipped = suppressed.getAndSet(0);
            log.warn("netsieve: callback {} threw (failure {}; {} more not logged since the last line): {}",
                    callback, n, skipped, String.valueOf(error));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
