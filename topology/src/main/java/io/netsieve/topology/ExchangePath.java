package io.netsieve.topology;

import java.util.List;

/**
 * One L7 exchange followed across every capture point it crossed, hops ordered client to server.
 *
 * @param key                the join key's value ({@code l7_traceid} of the first hop, or the header value)
 * @param hops               the observations, client side first (by role, then by request time)
 * @param requestLatencyNanos  per pair of consecutive hops {@code i, i+1}: request first byte at {@code i+1} minus at
 *                           {@code i} (-1 when a side has no request); size {@code hops.size() - 1}
 * @param responseLatencyNanos per pair: response first byte at {@code i} minus at {@code i+1} (the response goes the
 *                           other way; -1 when unknown)
 * @param translations       address translations between consecutive hops
 * @param clientObserved     a hop holds the client's address (else the client is {@code N/A} in a topology)
 * @param serverObserved     a hop holds the server's address
 */
public record ExchangePath(String key, List<Hop> hops, List<Long> requestLatencyNanos,
                           List<Long> responseLatencyNanos, List<AddressTranslation> translations,
                           boolean clientObserved, boolean serverObserved) {

    public ExchangePath {
        hops = List.copyOf(hops);
        requestLatencyNanos = List.copyOf(requestLatencyNanos);
        responseLatencyNanos = List.copyOf(responseLatencyNanos);
        translations = List.copyOf(translations);
    }
}
