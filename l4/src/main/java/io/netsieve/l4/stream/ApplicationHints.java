package io.netsieve.l4.stream;

/**
 * What an application-layer handler ({@link StreamHandler}, {@link DatagramHandler}) has learnt about its
 * connection that the L4 records use: which side sent an application request (direction rule 2 of the record
 * model: that side is the client, ahead of the SYN rule) and the application protocol ({@code l7_proto} of the L4
 * records).
 *
 * <p>Threading: polled on the pipeline thread when an {@code L4Log} chunk of the connection is written, never
 * concurrently with the handler's other calls. Answers must be cheap (a field read) and must not throw; a handler
 * that throws is counted as failed and its hints are ignored.
 */
public interface ApplicationHints {

    /**
     * The direction ({@link StreamHandler#CLIENT_TO_SERVER} or {@link StreamHandler#SERVER_TO_CLIENT}, relative to
     * the client the handler was opened with) in which an application request was seen, or {@code -1} while none
     * was. The sender of that request is the connection's client, whatever the handshake said.
     */
    default int requestDirection() {
        return -1;
    }

    /** The application protocol recognised on the connection ({@code http}, {@code dns}, …), or null. */
    default String applicationProtocol() {
        return null;
    }
}
