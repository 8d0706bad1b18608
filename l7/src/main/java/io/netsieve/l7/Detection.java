package io.netsieve.l7;

/** What {@link L7Protocol#detect} says about the first bytes of a direction. */
public enum Detection {
    /** The bytes are this protocol's. */
    MATCH,
    /** The bytes cannot be this protocol's. */
    NO_MATCH,
    /** Too few bytes to say: ask again when more arrived (bounded by {@link L7Config#detectionMaxBytes()}). */
    NEED_MORE
}
