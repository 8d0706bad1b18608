package io.netsieve.topology;

/**
 * Address translation between two consecutive hops: the seqs matched but the endpoints differ (SNAT changes the
 * client side, DNAT the server side; like {@code destination} vs {@code actual_destination}).
 *
 * @param afterHop     index of the hop after the translation (the one before is {@code afterHop - 1})
 * @param clientBefore client endpoint before it, {@code clientAfter} after (equal when only DNAT)
 * @param serverBefore server endpoint before it, {@code serverAfter} after (equal when only SNAT)
 */
public record AddressTranslation(int afterHop, String clientBefore, String clientAfter, String serverBefore,
                                 String serverAfter) {

    /** The client side changed (source NAT / masquerade). */
    public boolean snat() {
        return !clientBefore.equals(clientAfter);
    }

    /** The server side changed (destination NAT, e.g. a service VIP to a pod). */
    public boolean dnat() {
        return !serverBefore.equals(serverAfter);
    }
}
