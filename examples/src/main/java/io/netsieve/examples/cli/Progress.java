package io.netsieve.examples.cli;

import java.io.PrintWriter;

/**
 * The progress bar of {@code analyze} on stderr: one line redrawn in place ({@code \r}) with the share of the input
 * read, the bytes, the capture point being read and the time so far. Only on a terminal ({@link System#console()}
 * not null: never when stderr goes to a file, a pipe or a test) and only for long inputs: nothing is drawn during
 * the first second, and at most ten times a second after it. Driven by the run's progress hook
 * ({@code NetSieve.Builder.onProgress}), so used on the pipeline thread reading the captures (one: {@code analyze}
 * reads them in order).
 */
final class Progress {
    /** Width of the bar itself, in characters. */
    static final int BAR = 24;
    private static final long QUIET_NANOS = 1_000_000_000L;
    private static final long EVERY_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final long totalBytes;
    private final int points;
    private final long startNanos = System.nanoTime();
    private long nextNanos = startNanos + QUIET_NANOS;
    private long doneBefore;
    private int point;
    private String label = "";
    private boolean drawn;

    private Progress(PrintWriter err, long totalBytes, int points) {
        this.err = err;
        this.totalBytes = totalBytes;
        this.points = points;
    }

    /** A progress bar on {@code err} when this process has a terminal, else null (no progress shown). */
    static Progress onTerminal(PrintWriter err, long totalBytes, int points) {
        return System.console() == null ? null : new Progress(err, totalBytes, points);
    }

    /** Capture point {@code index} (0-based), whose file comes after {@code doneBefore} bytes, starts. */
    void start(int index, String name, long doneBefore) {
        this.point = index;
        this.label = name;
        this.doneBefore = doneBefore;
    }

    /** {@code bytes} of the current file were read ({@link Long#MAX_VALUE}: all of it). */
    void read(long bytes) {
        long now = System.nanoTime();
        if (now < nextNanos) {
            return;
        }
        nextNanos = now + EVERY_NANOS;
        long done = bytes == Long.MAX_VALUE ? totalBytes : Math.min(totalBytes, doneBefore + bytes);
        err.print("\r" + render(done, totalBytes, point, points, label, now - startNanos));
        err.flush();
        drawn = true;
    }

    /** Clears the line when a bar was drawn. */
    void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(render(totalBytes, totalBytes, point, points, label, 0).length()) + "\r");
            err.flush();
        }
    }

    /**
     * One state of the bar, e.g. {@code [############............]  50%  12.0/24.0 MB  3/14 node1/br0  0:07}: the
     * share of {@code totalBytes} done (a bar of {@link #BAR} characters and a percentage), the megabytes, the
     * capture point ({@code index} 0-based) with its label (cut to 24 characters) and the elapsed minutes:seconds.
     */
    static String render(long doneBytes, long totalBytes, int index, int points, String label, long elapsedNanos) {
        double share = totalBytes <= 0 ? 1 : Math.max(0, Math.min(1, (double) doneBytes / totalBytes));
        int filled = (int) Math.floor(share * BAR);
        long seconds = elapsedNanos / 1_000_000_000L;
        String name = label.length() <= 24 ? label : label.substring(0, 23) + "…";
        return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] "
                + String.format(java.util.Locale.ROOT, "%3d%%  %.1f/%.1f MB  %d/%d %s  %d:%02d",
                (int) Math.floor(share * 100), doneBytes / 1e6, totalBytes / 1e6, index + 1, points, name,
                seconds / 60, seconds % 60);
    }
}
