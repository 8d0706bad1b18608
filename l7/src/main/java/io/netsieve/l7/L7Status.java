package io.netsieve.l7;

/** How an exchange ended. */
public enum L7Status {
    /** Request and response complete and parsed. */
    OK,
    /** The request was sent but no response came within the timeout or before the connection ended. */
    NO_RESPONSE,
    /** The request could not be parsed ({@code http_status_code} -1 in the reference). */
    REQUEST_MALFORMED,
    /** The response could not be parsed, or was cut by lost bytes ({@code http_status_code} -2). */
    RESPONSE_MALFORMED,
    /** A response with no request before it (the request was not captured). */
    NO_REQUEST
}
