package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.nic.NicKind;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network request topology (reference §1): capture points, endpoints and {@code N/A} nodes joined by edges along
 * which requests went, with their latencies. Two views: {@link #ofPath} (one exchange, from its client endpoint
 * through every capture point to its server endpoint) and {@link #aggregate} (every exchange of a time range: edge
 * counts, latency percentiles, errors). Export with {@link TopologyExport}. Immutable.
 */
public record Topology(List<TopologyNode> nodes, List<TopologyEdge> edges) {

    public Topology {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /** The path of one exchange: client endpoint, the capture points in order, server endpoint. */
    public static Topology ofPath(ExchangePath path) {
        Builder b = new Builder(false);
        b.add(path);
        return b.build();
    }

    /**
     * Every exchange whose first hop's time lies in {@code [fromNanos, toNanos)}, merged: one node per capture point
     * and per endpoint (clients by address, servers by address and port), one edge per pair of nodes with the number
     * of exchanges, the failed ones, and latency percentiles.
     */
    public static Topology aggregate(Collection<ExchangePath> paths, long fromNanos, long toNanos) {
        Aggregator a = aggregator(fromNanos, toNanos);
        for (ExchangePath p : paths) {
            a.add(p);
        }
        return a.topology();
    }

    /**
     * The same as {@link #aggregate} fed one path at a time, so a run need not keep its paths to draw its topology:
     * what it keeps is one node per capture point and endpoint, one counter set per edge, and the edge's known
     * latencies (two longs per exchange and hop pair, for exact percentiles).
     */
    public static Aggregator aggregator(long fromNanos, long toNanos) {
        return new Aggregator(fromNanos, toNanos);
    }

    /** Builds an aggregate topology incrementally ({@link #aggregator}); one thread at a time. */
    public static final class Aggregator {
        private final long fromNanos;
        private final long toNanos;
        private final Builder builder = new Builder(true);

        private Aggregator(long fromNanos, long toNanos) {
            this.fromNanos = fromNanos;
            this.toNanos = toNanos;
        }

        /** Adds {@code path} when its first hop's time lies in the range. */
        public void add(ExchangePath path) {
            long t = path.hops().get(0).log().timestampNanos();
            if (t >= fromNanos && t < toNanos) {
                builder.add(path);
            }
        }

        /** The topology of the paths added so far. */
        public Topology topology() {
            return builder.build();
        }
    }

    /**
     * The exchange failed: no response or unparsable, HTTP 5xx, DNS error rcode, Redis error reply, gRPC status
     * other than 0 — as its server-most capture point saw it.
     */
    public static boolean isError(ExchangePath path) {
        L7Log log = path.hops().get(path.hops().size() - 1).log();
        if (log.status() != L7Status.OK) {
            return true;
        }
        HttpInfo h = log.http();
        if (h != null && (h.statusCode() >= 500 || h.statusCode() < 0)) {
            return true;
        }
        if (log.dns() != null && log.dns().rcode() > 0) {
            return true;
        }
        String redisError = log.attributes().get("redis_error");
        String grpc = log.attributes().get("grpc_status");
        return (redisError != null && !redisError.isEmpty()) || (grpc != null && !grpc.equals("0"));
    }

    private static final class Builder {
        private final boolean aggregate;
        private final Map<String, TopologyNode> nodes = new LinkedHashMap<>();
        private final Map<String, EdgeStats> edges = new LinkedHashMap<>();
        /*
         * What the aggregate of a bulk capture looks up per exchange, found again without building the texts and
         * hashing them in the maps (a tenth of the writer thread's time): node ids by endpoint and by capture point,
         * edges by their nodes' ids (the same String objects: they come from these caches). Direct-mapped, by hash;
         * a miss goes to the maps as before (the maps keep the order and the content).
         */
        private static final int SLOTS = 256;
        private final String[] endpointIp = new String[SLOTS];
        private final int[] endpointPort = new int[SLOTS];
        private final int[] endpointFlags = new int[SLOTS];
        private final String[] endpointId = new String[SLOTS];
        private final Nic[] nicKey = new Nic[SLOTS];
        private final String[] nicId = new String[SLOTS];
        private final String[] edgeFrom = new String[SLOTS];
        private final String[] edgeTo = new String[SLOTS];
        private final EdgeStats[] edgeStats = new EdgeStats[SLOTS];

        Builder(boolean aggregate) {
            this.aggregate = aggregate;
        }

        void add(ExchangePath p) {
            List<Hop> hops = p.hops();
            boolean error = isError(p);
            Hop first = hops.get(0);
            Hop last = hops.get(hops.size() - 1);
            String previous = aggregate ? endpoint(first.log().clientIp(), -1, p.clientObserved(), true)
                    : endpoint(first.log().clientIp(), first.log().clientPort(), p.clientObserved(), true);
            for (int i = 0; i < hops.size(); i++) {
                String id = cachedNic(hops.get(i), first.log());
                if (i == 0) {
                    edge(previous, id, error, -1, -1);
                } else {
                    edge(previous, id, error, p.requestLatencyNanos().get(i - 1), p.responseLatencyNanos().get(i - 1));
                }
                previous = id;
            }
            edge(previous, endpoint(last.log().serverIp(), last.log().serverPort(), p.serverObserved(), false), error,
                    -1, -1);
        }

        /** {@link #endpoint(String, boolean, boolean)} of {@code ip} (port < 0) or of {@code ip:port}. */
        private String endpoint(String ip, int port, boolean observed, boolean client) {
            if (ip == null) {
                return endpoint(port < 0 ? ip : Hop.endpoint(ip, port), observed, client);
            }
            int flags = (observed ? 1 : 0) | (client ? 2 : 0);
            int h = (ip.hashCode() * 31 + port) * 4 + flags;
            int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
            String known = endpointIp[slot];
            if (known != null && endpointPort[slot] == port && endpointFlags[slot] == flags
                    && (known == ip || known.equals(ip))) {
                return endpointId[slot];
            }
            String id = endpoint(port < 0 ? ip : Hop.endpoint(ip, port), observed, client);
            endpointIp[slot] = ip;
            endpointPort[slot] = port;
            endpointFlags[slot] = flags;
            endpointId[slot] = id;
            return id;
        }

        private String cachedNic(Hop hop, L7Log any) {
            Nic nic = hop.nic();
            int slot = System.identityHashCode(nic) & (SLOTS - 1);
            if (nicKey[slot] == nic) {
                return nicId[slot];
            }
            String id = nic(hop, any);
            if (aggregate) { // a single path's nodes carry the hop's ports: made per hop
                nicKey[slot] = nic;
                nicId[slot] = id;
            }
            return id;
        }

        private String endpoint(String endpoint, boolean observed, boolean client) {
            String id = (observed ? "port:" : "na:") + (client ? "client:" : "server:") + endpoint;
            nodes.computeIfAbsent(id, k -> new TopologyNode(k, observed ? NodeKind.PORT : NodeKind.NOT_AVAILABLE,
                    observed ? endpoint : "N/A", Map.of("endpoint", endpoint)));
            return id;
        }

        private String nic(Hop hop, L7Log any) {
            Nic nic = hop.nic();
            String id = "nic:" + nic.host() + "/" + (nic.podName().isEmpty() ? nic.netns() : nic.podName()) + "/"
                    + nic.nicName();
            if (!nodes.containsKey(id)) {
                boolean virtual = nic.kind() == NicKind.VIRTUAL;
                Map<String, String> a = new LinkedHashMap<>();
                if (virtual) {
                    a.put("pod_name", nic.podName());
                    a.put("nic_name", nic.nicName());
                    a.put("k8s_namespace", nic.k8sNamespace());
                    a.put("k8s_container_name", nic.k8sContainerName());
                    a.put("host", nic.host());
                } else {
                    a.put("host", nic.host());
                    a.put("nic_name", nic.nicName());
                    a.put("l4_proto", any.l4Proto());
                    a.put("l7_proto", any.l7Proto());
                }
                if (!aggregate) {
                    a.put("src_port", Integer.toString(hop.log().clientPort()));
                    a.put("dst_port", Integer.toString(hop.log().serverPort()));
                }
                String label = (virtual && !nic.podName().isEmpty() ? nic.podName() : nic.host()) + "/" + nic.nicName();
                nodes.put(id, new TopologyNode(id, virtual ? NodeKind.VIRTUAL_NIC : NodeKind.PHYSICAL_NIC, label, a));
            }
            return id;
        }

        private void edge(String from, String to, boolean error, long request, long response) {
            int h = from.hashCode() * 31 + to.hashCode();
            int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
            EdgeStats s;
            if (edgeFrom[slot] == from && edgeTo[slot] == to) {
                s = edgeStats[slot];
            } else {
                s = edges.computeIfAbsent(from + "\u0000" + to, k -> new EdgeStats(from, to));
                edgeFrom[slot] = from;
                edgeTo[slot] = to;
                edgeStats[slot] = s;
            }
            s.exchanges++;
            if (error) {
                s.errors++;
            }
            s.add(request, response);
        }

        Topology build() {
            List<TopologyEdge> out = new ArrayList<>();
            for (EdgeStats s : edges.values()) {
                out.add(new TopologyEdge(s.from, s.to, s.exchanges, s.errors, LatencySummary.of(s.request, s.n),
                        LatencySummary.of(s.response, s.n)));
            }
            return new Topology(new ArrayList<>(nodes.values()), out);
        }
    }

    private static final class EdgeStats {
        final String from;
        final String to;
        long exchanges;
        long errors;
        long[] request = new long[4];
        long[] response = new long[4];
        int n;

        EdgeStats(String from, String to) {
            this.from = from;
            this.to = to;
        }

        void add(long req, long resp) {
            if (req < 0 && resp < 0) {
                return; // unknown both ways: LatencySummary skips negative samples anyway, keep nothing
            }
            if (n == request.length) {
                request = Arrays.copyOf(request, 2 * n);
                response = Arrays.copyOf(response, 2 * n);
            }
            request[n] = req;
            response[n] = resp;
            n++;
        }
    }
}
