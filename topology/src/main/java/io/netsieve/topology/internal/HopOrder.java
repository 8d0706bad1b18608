package io.netsieve.topology.internal;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.nic.NicKind;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.topology.AddressTranslation;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Hop;
import io.netsieve.topology.HopRole;
import io.netsieve.topology.JoinKey;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders the observations of one exchange client to server and names their roles (reference §6). Hosts are placed
 * first: the client's host (the host of the NIC holding the client's address, as that NIC saw it), then any other
 * host by its earliest request time, then the server's host; when only one end's NIC was captured, the first host
 * (the other end missing: the last host) stands for the missing end's host. Within a host, capture points follow
 * the request's first byte (one clock per host), ties broken by the NIC's kind (pod side, veth, bridge, overlay
 * device such as vxlan0, uplink on the client's host; the reverse on the server's). Ties are real: the kernel stamps a
 * received frame once, so a bridge or a VXLAN device that receives the frame its port or underlay NIC received
 * (same namespace) can show exactly the same time. Then latencies between consecutive hops and address
 * translations.
 */
public final class HopOrder {
    private HopOrder() {
    }

    /** One record on one capture point, with its join keys (see {@code ExchangeCorrelator}). */
    public record Observation(L7Log log, Nic nic, List<String> keys) {
        long requestNanos() {
            return hasRequest() ? log.timestampNanos() : -1;
        }

        boolean hasRequest() {
            return log.status() != L7Status.NO_REQUEST;
        }

        long responseNanos() {
            if (!hasRequest()) {
                return log.timestampNanos();
            }
            if (log.costReqSentNanos() < 0 || log.costRespWaitNanos() < 0) {
                return -1;
            }
            return log.timestampNanos() + log.costReqSentNanos() + log.costRespWaitNanos();
        }

        /** Request time, else response time: where the hop sits in time. */
        long time() {
            long r = requestNanos();
            return r >= 0 ? r : log.timestampNanos();
        }
    }

    public static ExchangePath path(String key, List<Observation> observations) {
        if (observations.size() == 1) {
            return single(key, observations.get(0));
        }
        List<Observation> obs = new ArrayList<>(observations);
        obs.sort(Comparator.comparingLong(Observation::time).thenComparing(o -> o.nic().label()));
        Observation client = endpoint(obs, true);
        Observation server = endpoint(obs, false);
        String clientHost = client != null ? client.nic().host() : null;
        String serverHost = server != null ? server.nic().host() : null;
        // hosts in path order
        Map<String, List<Observation>> byHost = new LinkedHashMap<>();
        for (Observation o : obs) {
            byHost.computeIfAbsent(o.nic().host(), h -> new ArrayList<>()).add(o);
        }
        List<String> hosts = new ArrayList<>(byHost.keySet()); // by earliest time (obs is sorted)
        if (clientHost != null) {
            hosts.remove(clientHost);
            hosts.add(0, clientHost);
        }
        if (serverHost != null && !serverHost.equals(clientHost)) {
            hosts.remove(serverHost);
            hosts.add(serverHost);
        }
        // One end's NIC not captured (that end is N/A) while the other's is, over several hosts: the request began
        // on the first host (it is the client's) or ended on the last (the server's). Without this, leaving out a
        // pod's NIC would turn its node's NICs into gateways and order their equal-time records the wrong way.
        if (hosts.size() > 1) {
            if (clientHost == null && serverHost != null && !hosts.get(0).equals(serverHost)) {
                clientHost = hosts.get(0);
            } else if (serverHost == null && clientHost != null) {
                serverHost = hosts.get(hosts.size() - 1);
            }
        }
        List<Hop> hops = new ArrayList<>();
        List<Observation> ordered = new ArrayList<>();
        for (String host : hosts) {
            List<Observation> here = byHost.get(host);
            boolean serverSide = host.equals(serverHost) && !host.equals(clientHost);
            here.sort(Comparator.comparingLong(Observation::time)
                    .thenComparingInt(o -> serverSide ? -kindRank(o.nic()) : kindRank(o.nic()))
                    .thenComparing(o -> o.nic().label()));
            for (Observation o : here) {
                HopRole role;
                if (o == client) {
                    role = HopRole.CLIENT;
                } else if (o == server) {
                    role = HopRole.SERVER;
                } else if (host.equals(clientHost)) {
                    role = HopRole.CLIENT_NODE;
                } else if (host.equals(serverHost)) {
                    role = HopRole.SERVER_NODE;
                } else if (clientHost != null || serverHost != null) {
                    role = HopRole.GATEWAY;
                } else {
                    role = HopRole.UNKNOWN;
                }
                hops.add(new Hop(o.nic(), role, o.log(), o.requestNanos(), o.responseNanos(),
                        joinedBy(o, ordered)));
                ordered.add(o);
            }
        }
        List<Long> request = new ArrayList<>();
        List<Long> response = new ArrayList<>();
        List<AddressTranslation> nat = new ArrayList<>();
        for (int i = 0; i + 1 < hops.size(); i++) {
            Hop a = hops.get(i);
            Hop b = hops.get(i + 1);
            request.add(a.requestNanos() >= 0 && b.requestNanos() >= 0 ? b.requestNanos() - a.requestNanos() : -1);
            response.add(a.responseNanos() >= 0 && b.responseNanos() >= 0
                    ? a.responseNanos() - b.responseNanos() : -1);
            if (b.joinedBy() == JoinKey.L7_TRACEID && (!a.client().equals(b.client())
                    || !a.server().equals(b.server()))) {
                nat.add(new AddressTranslation(i + 1, a.client(), b.client(), a.server(), b.server()));
            }
        }
        return new ExchangePath(key, hops, request, response, nat, client != null, server != null);
    }

    /**
     * The path of an exchange seen on one capture point, what {@link #path} makes of one observation without its
     * sorting and grouping (every exchange of a single capture, most of a capture set's solo records): the hop is
     * the client if its NIC holds the client's address, else the server if it holds the server's, else of unknown
     * role; no latency, no translation.
     */
    private static ExchangePath single(String key, Observation o) {
        boolean client = holds(o.nic(), o.log().clientIp());
        boolean server = holds(o.nic(), o.log().serverIp());
        HopRole role = client ? HopRole.CLIENT : server ? HopRole.SERVER : HopRole.UNKNOWN;
        return new ExchangePath(key, List.of(new Hop(o.nic(), role, o.log(), o.requestNanos(), o.responseNanos(),
                null)), List.of(), List.of(), List.of(), client, server);
    }

    /**
     * What joins {@code o} to the hops before it: the first key it shares with the previous hop, else with any
     * earlier hop (a group joined through a third record); null for the first hop.
     */
    private static JoinKey joinedBy(Observation o, List<Observation> before) {
        for (int i = before.size() - 1; i >= 0; i--) {
            for (String k : o.keys()) {
                if (before.get(i).keys().contains(k)) {
                    return joinKeyOf(k);
                }
            }
        }
        return before.isEmpty() ? null : JoinKey.L7_TRACEID;
    }

    /** The kind of a join key string ({@code l7|…}, {@code xrid|…}, {@code trace|…}). */
    public static JoinKey joinKeyOf(String key) {
        return key.startsWith("xrid|") ? JoinKey.X_REQUEST_ID : key.startsWith("trace|") ? JoinKey.TRACE_ID
                : JoinKey.L7_TRACEID;
    }

    /**
     * The client's (server's) own NIC: one whose addresses hold the client (server) address as it saw it, and the
     * first (last) capture point of its host in time; null when no capture point is.
     */
    private static Observation endpoint(List<Observation> sorted, boolean client) {
        Observation best = null;
        for (Observation o : sorted) {
            String ip = client ? o.log().clientIp() : o.log().serverIp();
            if (holds(o.nic(), ip)) {
                if (best == null || (client ? o.time() < best.time() : o.time() >= best.time())) {
                    best = o;
                }
            }
        }
        if (best == null) {
            return null;
        }
        for (Observation o : sorted) {
            if (o != best && o.nic().host().equals(best.nic().host())
                    && (client ? o.time() < best.time() : o.time() > best.time())) {
                return null; // another capture point of that host saw it earlier (later): not the endpoint's NIC
            }
        }
        return best;
    }

    private static boolean holds(Nic nic, String ip) {
        if (nic.localAddresses().isEmpty()) {
            return false; // most capture points of a path (veths, bridges) have none: no need to parse the text
        }
        try {
            InetAddress a = InetAddress.getByName(ip);
            return nic.localAddresses().contains(a);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Client side order within a host: the pod's own NIC, host-side veth (a virtual NIC without addresses: a bridge
     * port), bridge, a virtual NIC with addresses of its own (a routed overlay device such as vxlan0: the request
     * leaves through it after routing, before its encapsulated form leaves through the uplink), uplink.
     */
    private static int kindRank(Nic nic) {
        if (!nic.podName().isEmpty()) {
            return 0;
        }
        NicKind k = nic.kind();
        if (k == NicKind.VIRTUAL) {
            return nic.localAddresses().isEmpty() ? 1 : 3;
        }
        return k == NicKind.BRIDGE ? 2 : 4;
    }
}
