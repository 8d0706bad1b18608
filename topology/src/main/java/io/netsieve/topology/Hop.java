package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l7.L7Log;

/**
 * One observation of an exchange on its path: the capture point, its role, the record it wrote there, and the
 * exchange's endpoints and times as that capture point saw them.
 *
 * @param nic            the capture point
 * @param role           its place on the path
 * @param log            the {@code bpf_net_l7_log} record of the exchange on this capture point
 * @param requestNanos   the request's first byte here (-1 without request)
 * @param responseNanos  the response's first byte here (-1 without response)
 * @param joinedBy       what joined this hop to the previous one (null for the first hop)
 */
public record Hop(Nic nic, HopRole role, L7Log log, long requestNanos, long responseNanos, JoinKey joinedBy) {

    /** {@code client_ip:client_port} as seen here ({@code [v6]:port} for IPv6). */
    public String client() {
        return endpoint(log.clientIp(), log.clientPort());
    }

    /** {@code server_ip:server_port} as seen here. */
    public String server() {
        return endpoint(log.serverIp(), log.serverPort());
    }

    static String endpoint(String ip, int port) {
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
}
