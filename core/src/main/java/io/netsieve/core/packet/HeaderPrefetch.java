package io.netsieve.core.packet;

/**
 * Brings the header lines of frames that are about to be decoded into the CPU cache ahead of time, for sources that
 * hold many frames in memory that is not cache-warm (an in-memory capture, a ring written by another core).
 *
 * <p>Why: decoding a frame reads its first one or two 64-byte cache lines (link, IP and transport headers). When the
 * frames are cold, each of those reads waits a full memory latency, and the decode and flow-table work that follows
 * depends on it, so the misses of consecutive frames do not overlap: on the benchmark capture held in memory the
 * L4 path then spends most of its time waiting (see docs/benchmarks.md, L4 section). Java has no prefetch
 * instruction, so this class issues ordinary loads of the lines of a batch of frames a little ahead in one short
 * loop: its loads are independent of each other, so their misses are in flight together, and by the time the
 * frames are decoded their lines are in the cache.
 *
 * <p>A load whose result is never used is removed by the JIT compiler, so each method returns a value derived from
 * the bytes it read; the caller must keep it alive (for instance add it to a field). The value has no other meaning.
 *
 * <p>Typical use, once per frame in the loop that hands frames to the decoder:
 * <pre>{@code
 * for (int i = 0; i < count; i++) {
 *     keep += HeaderPrefetch.ahead(frames, offsets, lengths, count, i);
 *     view.wrap(frames, offsets[i], lengths[i], ...);
 *     decoder.decode(view, decoded);
 *     tracker.onPacket(decoded);
 * }
 * }</pre>
 *
 * <p>Stateless and thread-safe. It only reads the frames.
 */
public final class HeaderPrefetch {
    /** Frames touched per batch, and how far ahead of the current frame a batch starts. */
    public static final int BATCH = 16;
    /**
     * Offset of the second byte touched in each frame. The first byte touched is the frame's first. Ethernet + IPv4 +
     * TCP with the usual options take 66 bytes, which in general straddle two cache lines. Measured on the benchmark
     * capture: touching only the first line leaves the throughput where it was without prefetching.
     */
    public static final int SECOND_TOUCH = 66;

    private HeaderPrefetch() {
    }

    /**
     * Touches the header lines of frames {@code from} (inclusive) to {@code to} (exclusive): byte 0 and byte
     * {@value #SECOND_TOUCH} (or the frame's last byte if it is shorter) of each non-empty frame
     * {@code buffer[offsets[j] .. offsets[j] + lengths[j])}. Returns a value to keep alive.
     *
     * @throws IndexOutOfBoundsException if a frame lies outside {@code buffer} or the range is outside the arrays
     */
    public static int touch(byte[] buffer, int[] offsets, int[] lengths, int from, int to) {
        int keep = 0;
        for (int j = from; j < to; j++) {
            int length = lengths[j];
            if (length > 0) {
                int at = offsets[j];
                keep += buffer[at] + buffer[at + Math.min(length - 1, SECOND_TOUCH)];
            }
        }
        return keep;
    }

    /**
     * Call once per frame {@code i} (in increasing order) before decoding it: every {@value #BATCH} frames, touches
     * the next batch {@value #BATCH} frames ahead ({@code i + BATCH} to {@code i + 2 * BATCH}, cut at
     * {@code count}); returns 0 otherwise. Returns a value to keep alive.
     */
    public static int ahead(byte[] buffer, int[] offsets, int[] lengths, int count, int i) {
        if ((i & (BATCH - 1)) != 0) {
            return 0;
        }
        int from = i + BATCH;
        return from < count ? touch(buffer, offsets, lengths, from, Math.min(count, from + BATCH)) : 0;
    }
}
