package io.netsieve.l4.stream;

/**
 * Reassembly counters across all connections.
 *
 * @param deliveredBytes     payload bytes handed to handlers in order
 * @param duplicateBytes     payload bytes already delivered or buffered (retransmissions, overlaps): dropped
 * @param outOfOrderSegments segments that arrived ahead of a hole and were buffered
 * @param gaps               holes reported with {@link StreamHandler#onGap}
 * @param missedBytes        bytes in those holes (Zeek's {@code missed_bytes})
 * @param bufferOverflows    holes given up because a flow's or the tracker's out-of-order buffer was full
 * @param handlerFailures    exceptions thrown by handlers (the handler is then dropped)
 */
public record StreamStats(long deliveredBytes, long duplicateBytes, long outOfOrderSegments, long gaps,
                          long missedBytes, long bufferOverflows, long handlerFailures) {
}
