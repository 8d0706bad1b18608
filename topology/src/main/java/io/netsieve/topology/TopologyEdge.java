package io.netsieve.topology;

/**
 * A directed edge of a {@link Topology}, client side to server side.
 *
 * @param from            node id the request leaves
 * @param to              node id it reaches next
 * @param exchanges       exchanges that took it
 * @param errors          of those, exchanges that failed (see {@link Topology#isError})
 * @param requestLatency  request first byte at {@code to} minus at {@code from} ({@link LatencySummary#NONE} for
 *                        the edges to and from endpoints, which have no capture time of their own)
 * @param responseLatency response first byte at {@code from} minus at {@code to}
 */
public record TopologyEdge(String from, String to, long exchanges, long errors, LatencySummary requestLatency,
                           LatencySummary responseLatency) {
}
