package io.netsieve.l7;

/**
 * L7 counters across all connections of an {@link L7Tracker}. Every connection handed to the tracker ends in
 * exactly one of detected, undetected or pending detection; every exchange record in exactly one status counter.
 *
 * @param connections       TCP connections and UDP flows handed to the tracker
 * @param detected          of those, the ones a protocol matched
 * @param undetected        the ones no protocol matched (or whose detection bytes ran out)
 * @param records           records emitted ({@code ok + noResponse + requestMalformed + responseMalformed + noRequest})
 * @param ok                {@link L7Status#OK}
 * @param noResponse        {@link L7Status#NO_RESPONSE}
 * @param requestMalformed  {@link L7Status#REQUEST_MALFORMED}
 * @param responseMalformed {@link L7Status#RESPONSE_MALFORMED}
 * @param noRequest         {@link L7Status#NO_REQUEST}
 * @param gaps              gaps reported by L4 to detected connections
 * @param lostBytes         bytes lost in those gaps plus bytes skipped to resynchronise
 * @param pendingEvicted    pending requests dropped at {@link L7Config#maxPendingPerConnection()}
 * @param lateResponses     responses to requests already emitted as {@link L7Status#NO_RESPONSE} (consumed to keep
 *                          the order, no second record)
 * @param parserFailures    parsers that threw (dropped with their connection's pending exchanges)
 * @param listenerFailures  exceptions thrown by the listener
 */
public record L7Stats(long connections, long detected, long undetected, long records, long ok, long noResponse,
                      long requestMalformed, long responseMalformed, long noRequest, long gaps, long lostBytes,
                      long pendingEvicted, long lateResponses, long parserFailures, long listenerFailures) {
}
