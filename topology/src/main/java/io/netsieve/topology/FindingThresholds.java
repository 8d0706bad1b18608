package io.netsieve.topology;

import java.time.Duration;

/**
 * The rules and bounds of a {@link FindingsAnalyzer} (set through its builder; {@link #defaults()} lists the
 * defaults). Rates are shares in [0, 1]; a rate finding needs at least one occurrence and a share at or above its
 * rate (0 means: any occurrence).
 *
 * @param window               findings are aggregated per subject over tumbling event-time windows this long
 *                             (default 60 s)
 * @param allowedLateness      how far behind the latest event time the watermark stays (default 2 min): a window
 *                             closes when the watermark passes its end. L4 records come up to a chunk's span plus
 *                             its idle time after their time (60 s with the L4 defaults), paths the correlator's
 *                             window plus its lateness after their first record (35 s with its defaults)
 * @param retransmissionRate   {@link FindingKind#RETRANSMISSIONS}: retransmitted packets (SYN and SYN-ACK ones not
 *                             counted) of the connections to a server at one capture point, share of their packets
 *                             (default 0.05)
 * @param lossRate             {@link FindingKind#PACKET_LOSS}: packets flagged {@code lost_segment}, share of the
 *                             packets (default 0.02)
 * @param minPackets           the rates above are judged from this many packets of a server at a capture point in
 *                             a window on (default 20)
 * @param zeroWindowPackets    {@link FindingKind#ZERO_WINDOW}: packets flagged {@code zero_window} sent by one
 *                             endpoint in a window (default 1)
 * @param slowServer           {@link FindingKind#SLOW_SERVER}: {@code cost_resp_wait} at the server-most capture
 *                             point of an exchange (default 500 ms)
 * @param slowHopMinSamples    {@link FindingKind#SLOW_HOP}: earlier latencies of the same edge and direction
 *                             needed before one is judged (default 20)
 * @param slowHopFactor        a hop latency is an outlier when it is above the history's median by more than this
 *                             many median absolute deviations (default 10) and, from 100 earlier latencies on,
 *                             above their p99
 * @param slowHopMinExcess     … and by at least this much (default 1 ms: a veth's 20 µs against 2 µs is no finding)
 * @param slowHopHistory       latencies kept per edge and direction, the latest (default 256)
 * @param http5xxRate          {@link FindingKind#HTTP_5XX}: share of a server's HTTP exchanges (default 0: any 5xx)
 * @param http4xxRate          {@link FindingKind#HTTP_4XX}: share of a server's HTTP exchanges (default 0.10)
 * @param dnsFailureRate       {@link FindingKind#DNS_FAILURE} and {@link FindingKind#DNS_TIMEOUT}: share of a DNS
 *                             server's exchanges (default 0: any)
 * @param dnsNxdomainIsFailure count NXDOMAIN (rcode 3) as a DNS failure (default false: search-domain lookups make
 *                             many)
 * @param maxSubjects          subjects per kind per window (default 10 000); more are counted as dropped
 * @param maxRefsPerStep       record references per evidence step (default 50); more are counted as omitted
 * @param maxConnections       connections in the index that links a connection's L4 records and its exchanges, per
 *                             capture point (default 100 000; the oldest go first)
 * @param maxEdges             edges with a slow-hop history (default 10 000); latencies of further edges are not
 *                             judged
 */
public record FindingThresholds(Duration window, Duration allowedLateness, double retransmissionRate,
                                double lossRate, int minPackets, int zeroWindowPackets, Duration slowServer,
                                int slowHopMinSamples, double slowHopFactor, Duration slowHopMinExcess,
                                int slowHopHistory, double http5xxRate, double http4xxRate, double dnsFailureRate,
                                boolean dnsNxdomainIsFailure, int maxSubjects, int maxRefsPerStep,
                                int maxConnections, int maxEdges) {

    /** The defaults listed above. */
    public static FindingThresholds defaults() {
        return new FindingThresholds(Duration.ofSeconds(60), Duration.ofMinutes(2), 0.05, 0.02, 20, 1,
                Duration.ofMillis(500), 20, 10, Duration.ofMillis(1), 256, 0.0, 0.10, 0.0, false, 10_000, 50,
                100_000, 10_000);
    }
}
