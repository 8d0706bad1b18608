package io.netsieve.topology;

/**
 * What happened to one capture point's packets: every packet read ends in exactly one of {@code filtered} (the
 * filter refused it), {@code decoded}, {@code truncated} (the snap length cut a header), {@code malformed} or
 * {@code unsupported} (a link type the decoder does not know); decoded and truncated packets go on to L4.
 *
 * @param packets     packets read
 * @param l4Records   L4 records written
 * @param l7Records   L7 records written
 */
public record CapturePointStats(long packets, long filtered, long decoded, long truncated, long malformed,
                                long unsupported, long l4Records, long l7Records) {
}
