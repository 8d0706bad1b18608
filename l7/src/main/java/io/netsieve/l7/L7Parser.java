package io.netsieve.l7;

import java.nio.ByteBuffer;

/**
 * The resumable parser of one connection or UDP flow, fed in order per direction: bytes arrive with arbitrary
 * boundaries (TCP) or one datagram per call (UDP), a parser keeps its own state between calls (an explicit state
 * machine; "need more bytes" is simply returning) and emits each exchange through its {@link L7Context} as soon as
 * the response is complete.
 *
 * <p>Threading: one call at a time on the pipeline thread. Buffers are valid only during the call. Bad input must
 * never throw: it ends in a record status ({@link L7Status}) and a counter; a parser that throws anyway is counted in
 * {@link L7Stats#parserFailures()} and dropped, its pending exchanges lost.
 */
public interface L7Parser {

    /**
     * {@code length} bytes at absolute index {@code offset} of {@code data}, the first with TCP sequence number
     * {@code seq} ({@code -1} on UDP), captured at {@code timestampNanos}.
     */
    void onData(int direction, ByteBuffer data, int offset, int length, long seq, long timestampNanos);

    /**
     * {@code length} bytes from {@code seq} were lost in {@code direction}: resynchronise on the next message
     * boundary that can be recognised and count the skipped bytes ({@link L7Context#countLostBytes}).
     */
    void onGap(int direction, long seq, long length, long timestampNanos);

    /** No more data in {@code direction} (FIN): a response delimited by the connection close ends here. */
    default void onEnd(int direction, long timestampNanos) {
    }

    /** Emits, as "no response", the pending requests sent before {@code nowNanos} minus the response timeout. */
    void expire(long nowNanos);

    /** The connection ended: complete what can be completed, emit every pending request as "no response". */
    void onClose(long timestampNanos);
}
