package io.netsieve.topology;

import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.Nic;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.Transport;

/**
 * Lifecycle events of a {@link NetSieve} run, in start/end/failed pairs (capture point start / end / failed; flow
 * start / end / evicted) plus single events (exchange, parse failure, drop, callback failed); every method is a
 * no-op by default, so implement only what you need.
 *
 * <p>Threading: flow, exchange and parse-failure events are called on the pipeline thread of the capture point
 * concerned, one call at a time per capture point (with several pipeline threads, events of capture points of
 * different threads run concurrently); the flush at the end of a live run calls them on the thread that calls
 * {@code stop()}. Capture-point events: offline on the thread that reads the capture point; live on the thread
 * that calls {@code start()} / {@code stop()}. {@link #drop} is called on the capture point's pipeline thread at its
 * idle sweep, or by {@code stop()}. An exception thrown here is counted and logged like a record callback's and
 * ignored.
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

    /**
     * A TCP connection or UDP flow was seen for the first time on {@code nic} (at its first packet). Its
     * {@code flow.innerTraceId()} is the one of its L4 and L7 records.
     */
    default void flowStart(Nic nic, Transport transport, StreamInfo flow) {
    }

    /**
     * The flow ended: closed and timed out, idle timeout, port reuse or end of input ({@code timestampNanos}: packet
     * time, or the clock's on an idle sweep). Every {@link #flowStart} gets exactly one {@code flowEnd} or
     * {@link #flowEvicted}, once the L4 call that ended it returns: after the flow's last L7 and L4 records.
     */
    default void flowEnd(Nic nic, Transport transport, StreamInfo flow, long timestampNanos) {
    }

    /**
     * The flow was ended early because its L4 table was full ({@code L4Config.maxFlows}: the least recently seen
     * flow makes room for a new one); its last L4 record, if it had packets not yet written, says
     * {@code evicted = true}. Instead of {@link #flowEnd}.
     */
    default void flowEvicted(Nic nic, Transport transport, StreamInfo flow, long timestampNanos) {
    }

    /** An L7 exchange record was written (also given to {@code onL7Log}). */
    default void exchange(Nic nic, L7Log exchange) {
    }

    /**
     * The exchange's request or response could not be parsed ({@code http_status_code} -1 / -2: status
     * {@code REQUEST_MALFORMED} or {@code RESPONSE_MALFORMED}); called after {@link #exchange}.
     */
    default void parseFailure(Nic nic, L7Log exchange) {
    }

    /**
     * Live capture lost packets on {@code point} since the last report: {@code droppedByKernel} the kernel dropped
     * (libpcap's {@code ps_drop}), {@code droppedByUs} netsieve dropped at the capture point's full queue (drop
     * newest). Reported at the pipeline thread's sweeps (about every 0.5 s) and at {@code stop()}.
     */
    default void drop(CapturePoint point, long droppedByKernel, long droppedByUs) {
    }

    /** A user callback threw; the pipeline went on. {@code callback} names it ({@code onL7Log}, {@code flowStart}…). */
    default void callbackFailed(String callback, RuntimeException error) {
    }
}
