package io.netsieve.topology.internal;

import io.netsieve.l4.Direction;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.topology.AddressTranslation;
import io.netsieve.topology.EvidenceLayer;
import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.EvidenceStep;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.FindingKind;
import io.netsieve.topology.FindingSubject;
import io.netsieve.topology.FindingThresholds;
import io.netsieve.topology.Hop;
import io.netsieve.topology.internal.FindingFacts.ExchangeNote;
import io.netsieve.topology.internal.FindingFacts.L4Fact;
import io.netsieve.topology.internal.FindingHopHistory.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.netsieve.topology.internal.FindingFacts.ms;
import static io.netsieve.topology.internal.FindingFacts.percent;

/**
 * One event-time window of a findings analyzer: what was seen per subject, and at its close the findings with
 * their evidence in the troubleshooting order. Bounded by {@link FindingThresholds#maxSubjects()} per kind and
 * {@link FindingThresholds#maxRefsPerStep()} kept records per subject and list.
 */
public final class FindingWindow {
    private static final int FACTS_PER_CONNECTION = 64;

    private final FindingThresholds t;
    private final long start;
    private final long end;
    private long droppedSubjects;
    private long omittedRefs;

    /** Failed connections by kind, then by connection key: their records on every capture point. */
    private final Map<FindingKind, Map<String, List<L4Fact>>> failed = new EnumMap<>(FindingKind.class);
    /** Transport rates: server -> capture point -> counters. */
    private final Map<String, Map<String, Rate>> rates = new LinkedHashMap<>();
    private int rateSubjects;
    /** Zero windows by the endpoint that advertised them. */
    private final Map<String, ZeroWindow> zeroWindows = new LinkedHashMap<>();
    /** Exchanges by server (the server-most hop's server endpoint). */
    private final Map<String, Server> servers = new LinkedHashMap<>();
    /** Address translations by edge, kind and addresses. */
    private final Map<String, Nat> nats = new LinkedHashMap<>();
    /** Outlying hop latencies by edge. */
    private final Map<String, SlowHop> slowHops = new LinkedHashMap<>();

    private static final class Rate {
        long packets;
        long retrans;
        long lost;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        final List<L4Fact> examples = new ArrayList<>();
    }

    private static final class ZeroWindow {
        final Map<String, Long> packetsByPoint = new LinkedHashMap<>();
        final Set<String> connections = new LinkedHashSet<>();
        final List<L4Fact> facts = new ArrayList<>();
    }

    private static final class Server {
        long exchanges;
        long http;
        long dns;
        final Map<FindingKind, List<ExchangePath>> bad = new EnumMap<>(FindingKind.class);
        final Map<FindingKind, Long> badCount = new EnumMap<>(FindingKind.class);
        final Map<FindingKind, Map<String, Long>> what = new EnumMap<>(FindingKind.class);
        long maxWaitNanos;
    }

    private static final class Nat {
        AddressTranslation translation;
        String from;
        String to;
        long count;
        final Set<String> servers = new LinkedHashSet<>();
        final List<ExchangePath> paths = new ArrayList<>();
    }

    private record Outlier(ExchangePath path, int hop, boolean request, long latency, Verdict verdict) {
    }

    private static final class SlowHop {
        String from;
        String to;
        final List<Outlier> outliers = new ArrayList<>();
        long count;
    }

    public FindingWindow(FindingThresholds thresholds, long start, long end) {
        this.t = thresholds;
        this.start = start;
        this.end = end;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public long droppedSubjects() {
        return droppedSubjects;
    }

    public long omittedRefs() {
        return omittedRefs;
    }

    // ---- intake ---------------------------------------------------------------------------------------------

    public void add(L4Fact f) {
        FindingKind failure = null;
        if (f.connState().equals("REJ")) {
            failure = FindingKind.CONNECTION_REFUSED;
        } else if (f.connState().equals("S0") && f.lastChunk() && !f.evicted() && f.history().startsWith("S")) {
            failure = FindingKind.CONNECTION_TIMEOUT;
        } else if (f.lastChunk() && (f.connState().equals("RSTO") || f.connState().equals("RSTR"))) {
            failure = FindingKind.CONNECTION_RESET;
        }
        if (failure != null) {
            Map<String, List<L4Fact>> byConnection = failed.computeIfAbsent(failure, k -> new LinkedHashMap<>());
            List<L4Fact> facts = byConnection.get(f.connectionKey());
            if (facts == null) {
                if (byConnection.size() >= t.maxSubjects()) {
                    droppedSubjects++;
                    return;
                }
                facts = new ArrayList<>(8);
                byConnection.put(f.connectionKey(), facts);
            }
            if (facts.size() < FACTS_PER_CONNECTION) {
                facts.add(f);
            }
        }
        if (failure == FindingKind.CONNECTION_REFUSED || failure == FindingKind.CONNECTION_TIMEOUT
                || f.connState().equals("S0") || f.packets() == 0) {
            return; // a connection that never opened has no transport rate
        }
        Map<String, Rate> byPoint = rates.get(f.server());
        if (byPoint == null) {
            if (rateSubjects >= t.maxSubjects()) {
                droppedSubjects++;
                return;
            }
            rateSubjects++;
            byPoint = new LinkedHashMap<>();
            rates.put(f.server(), byPoint);
        }
        Rate r = byPoint.computeIfAbsent(f.ref().capturePoint().id(), k -> new Rate());
        r.packets += f.packets();
        r.retrans += f.retrans();
        r.lost += f.lost();
        r.first = Math.min(r.first, f.timeNanos());
        r.last = Math.max(r.last, f.endNanos());
        if ((f.retrans() > 0 || f.lost() > 0) && r.examples.size() < t.maxRefsPerStep()) {
            r.examples.add(f);
        }
        if (f.zeroWindowTx() > 0) {
            zeroWindow(f.src(), f);
        }
        if (f.zeroWindowRx() > 0) {
            zeroWindow(f.dst(), f);
        }
    }

    private void zeroWindow(String endpoint, L4Fact f) {
        ZeroWindow z = zeroWindows.get(endpoint);
        if (z == null) {
            if (zeroWindows.size() >= t.maxSubjects()) {
                droppedSubjects++;
                return;
            }
            z = new ZeroWindow();
            zeroWindows.put(endpoint, z);
        }
        int packets = endpoint.equals(f.src()) ? f.zeroWindowTx() : f.zeroWindowRx();
        z.packetsByPoint.merge(f.ref().capturePoint().id(), (long) packets, Long::sum);
        z.connections.add(f.connectionKey());
        if (z.facts.size() < t.maxRefsPerStep()) {
            z.facts.add(f);
        }
    }

    public void add(ExchangePath p, FindingHopHistory history) {
        Hop last = p.hops().get(p.hops().size() - 1);
        L7Log log = last.log();
        Server s = servers.get(last.server());
        if (s == null) {
            if (servers.size() >= t.maxSubjects()) {
                droppedSubjects++;
            } else {
                s = new Server();
                servers.put(last.server(), s);
            }
        }
        if (s != null) {
            s.exchanges++;
            HttpInfo h = log.http();
            if (h != null && log.status() != L7Status.REQUEST_MALFORMED) {
                s.http++;
                if (h.statusCode() >= 500 && h.statusCode() <= 599) {
                    bad(s, FindingKind.HTTP_5XX, p, Integer.toString(h.statusCode()));
                } else if (h.statusCode() >= 400 && h.statusCode() <= 499) {
                    bad(s, FindingKind.HTTP_4XX, p, Integer.toString(h.statusCode()));
                }
            }
            DnsInfo d = log.dns();
            if (d != null) {
                s.dns++;
                if (log.status() == L7Status.NO_RESPONSE) {
                    bad(s, FindingKind.DNS_TIMEOUT, p, "no answer");
                } else if (d.rcode() > 0 && (d.rcode() != 3 || t.dnsNxdomainIsFailure())) {
                    bad(s, FindingKind.DNS_FAILURE, p, rcode(d.rcode()));
                }
            }
            long wait = log.costRespWaitNanos();
            if (wait >= 0 && wait >= t.slowServer().toNanos()) {
                bad(s, FindingKind.SLOW_SERVER, p, FindingFacts.label(log));
                s.maxWaitNanos = Math.max(s.maxWaitNanos, wait);
            }
        }
        for (AddressTranslation tr : p.translations()) {
            Hop before = p.hops().get(tr.afterHop() - 1);
            Hop after = p.hops().get(tr.afterHop());
            String from = EvidenceRef.CapturePoint.of(before.nic()).id();
            String to = EvidenceRef.CapturePoint.of(after.nic()).id();
            String key = from + " -> " + to + "|" + tr.snat() + tr.dnat() + "|"
                    + FindingFacts.address(tr.clientBefore()) + ">" + FindingFacts.address(tr.clientAfter()) + "|"
                    + FindingFacts.address(tr.serverBefore()) + ">" + FindingFacts.address(tr.serverAfter());
            Nat n = nats.get(key);
            if (n == null) {
                if (nats.size() >= t.maxSubjects()) {
                    droppedSubjects++;
                    continue;
                }
                n = new Nat();
                n.translation = tr;
                n.from = from;
                n.to = to;
                nats.put(key, n);
            }
            n.count++;
            n.servers.add(last.server());
            if (n.paths.size() < t.maxRefsPerStep()) {
                n.paths.add(p);
            }
        }
        for (int i = 0; i + 1 < p.hops().size(); i++) {
            String from = EvidenceRef.CapturePoint.of(p.hops().get(i).nic()).id();
            String to = EvidenceRef.CapturePoint.of(p.hops().get(i + 1).nic()).id();
            hop(p, i, true, from, to, p.requestLatencyNanos().get(i), history);
            hop(p, i, false, from, to, p.responseLatencyNanos().get(i), history);
        }
    }

    private void hop(ExchangePath p, int i, boolean request, String from, String to, long latency,
                     FindingHopHistory history) {
        if (latency == -1 || p.hops().get(i).requestNanos() < 0 && request
                || p.hops().get(i).responseNanos() < 0 && !request) {
            return;
        }
        Verdict v = history.judge(from + " -> " + to + (request ? " request" : " response"), latency);
        if (!v.outlier()) {
            return;
        }
        String key = from + " -> " + to;
        SlowHop s = slowHops.get(key);
        if (s == null) {
            if (slowHops.size() >= t.maxSubjects()) {
                droppedSubjects++;
                return;
            }
            s = new SlowHop();
            s.from = from;
            s.to = to;
            slowHops.put(key, s);
        }
        s.count++;
        if (s.outliers.size() < t.maxRefsPerStep()) {
            s.outliers.add(new Outlier(p, i, request, latency, v));
        }
    }

    private void bad(Server s, FindingKind kind, ExchangePath p, String what) {
        s.badCount.merge(kind, 1L, Long::sum);
        s.what.computeIfAbsent(kind, k -> new TreeMap<>()).merge(what, 1L, Long::sum);
        List<ExchangePath> list = s.bad.computeIfAbsent(kind, k -> new ArrayList<>());
        if (list.size() < t.maxRefsPerStep()) {
            list.add(p);
        }
    }

    private static String rcode(int rcode) {
        String[] names = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
                "NXRRSET", "NOTAUTH", "NOTZONE"};
        return rcode < names.length ? names[rcode] + " (" + rcode + ")" : "rcode " + rcode;
    }

    // ---- findings -------------------------------------------------------------------------------------------

    /** The window's findings, kind by kind in {@link FindingKind} order, subjects in the order first seen. */
    public List<Finding> close(FindingIndex index) {
        List<Finding> out = new ArrayList<>();
        for (FindingKind k : List.of(FindingKind.CONNECTION_TIMEOUT, FindingKind.CONNECTION_REFUSED,
                FindingKind.CONNECTION_RESET)) {
            connectionFailures(k, index, out);
        }
        rates(FindingKind.RETRANSMISSIONS, index, out);
        rates(FindingKind.PACKET_LOSS, index, out);
        zeroWindows(index, out);
        exchanges(FindingKind.SLOW_SERVER, index, out);
        slowHops(index, out);
        exchanges(FindingKind.HTTP_5XX, index, out);
        exchanges(FindingKind.HTTP_4XX, index, out);
        exchanges(FindingKind.DNS_FAILURE, index, out);
        exchanges(FindingKind.DNS_TIMEOUT, index, out);
        nats(index, out);
        return out;
    }

    /** Collects the evidence steps of one finding, with the reference bound. */
    private final class Steps {
        final List<EvidenceStep> steps = new ArrayList<>();

        void add(EvidenceLayer layer, String description, List<? extends EvidenceRef> refs) {
            LinkedHashSet<EvidenceRef> unique = new LinkedHashSet<>(refs);
            List<EvidenceRef> kept = new ArrayList<>(unique);
            int omitted = 0;
            if (kept.size() > t.maxRefsPerStep()) {
                omitted = kept.size() - t.maxRefsPerStep();
                kept = kept.subList(0, t.maxRefsPerStep());
                omittedRefs += omitted;
            }
            steps.add(new EvidenceStep(layer, description, kept, omitted));
        }
    }

    // connection timeouts, refusals, resets ---------------------------------------------------------------------

    private void connectionFailures(FindingKind kind, FindingIndex index, List<Finding> out) {
        Map<String, List<L4Fact>> byConnection = failed.get(kind);
        if (byConnection == null) {
            return;
        }
        // each connection, its records in the order its first packet reached them; grouped by server
        Map<String, List<List<L4Fact>>> byServer = new LinkedHashMap<>();
        for (List<L4Fact> facts : byConnection.values()) {
            List<L4Fact> ordered = new ArrayList<>(facts);
            ordered.sort(Comparator.comparingLong(L4Fact::timeNanos));
            byServer.computeIfAbsent(serverSide(ordered).server(), k -> new ArrayList<>()).add(ordered);
        }
        for (Map.Entry<String, List<List<L4Fact>>> e : byServer.entrySet()) {
            out.add(connectionFailure(kind, e.getKey(), e.getValue(), index));
        }
    }

    /** The record closest to the server: the server's own NIC when captured, else the last one the packets reached. */
    private static L4Fact serverSide(List<L4Fact> ordered) {
        for (L4Fact f : ordered) {
            if (f.direction() == Direction.INCOMING) {
                return f;
            }
        }
        return ordered.get(ordered.size() - 1);
    }

    private static L4Fact clientSide(List<L4Fact> ordered) {
        for (L4Fact f : ordered) {
            if (f.direction() == Direction.OUTGOING) {
                return f;
            }
        }
        return ordered.get(0);
    }

    private Finding connectionFailure(FindingKind kind, String server, List<List<L4Fact>> connections,
                                      FindingIndex index) {
        int n = connections.size();
        Set<String> clients = new LinkedHashSet<>();
        List<EvidenceRef> clientRefs = new ArrayList<>();
        List<EvidenceRef> serverRefs = new ArrayList<>();
        List<EvidenceRef> all = new ArrayList<>();
        List<EvidenceRef> l7 = new ArrayList<>();
        List<EvidenceRef> paths = new ArrayList<>();
        List<EvidenceRef> earlier = new ArrayList<>();
        List<EvidenceRef> icmp = new ArrayList<>();
        Set<String> icmpErrors = new LinkedHashSet<>();
        Set<String> states = new LinkedHashSet<>();
        Set<String> nicTraceIds = new LinkedHashSet<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int syns = 0;
        int byServer = 0;
        int cut = 0;
        int exchanges = 0;
        for (List<L4Fact> c : connections) {
            L4Fact client = clientSide(c);
            L4Fact near = serverSide(c);
            clients.add(FindingFacts.address(client.client()));
            clientRefs.add(client.ref());
            serverRefs.add(near.ref());
            syns += client.syns();
            states.add(near.connState() + " " + near.history());
            if (near.connState().equals("RSTR")) {
                byServer++;
            }
            if (!c.get(0).nicTraceId().equals("0_0")) {
                nicTraceIds.add(c.get(0).nicTraceId());
            }
            for (L4Fact f : c) {
                all.add(f.ref());
                first = Math.min(first, f.timeNanos());
                last = Math.max(last, f.endNanos());
                if (f.icmpErrors() > 0) {
                    icmp.add(f.ref());
                    icmpErrors.add(f.icmpLastError());
                }
            }
            if (kind == FindingKind.CONNECTION_RESET) {
                FindingIndex.Connection conn = index.get(client.ref().capturePoint(), client.ref().innerTraceId());
                for (ExchangeNote x : conn.exchanges()) {
                    exchanges++;
                    l7.add(x.ref());
                    if (x.status() == L7Status.NO_RESPONSE) {
                        cut++;
                    }
                    if (x.path() != null) {
                        paths.add(x.path());
                    }
                }
                for (L4Fact chunk : conn.chunks()) {
                    if (!chunk.ref().equals(client.ref())) {
                        earlier.add(chunk.ref());
                    }
                }
            }
        }
        String from = String.join(", ", clients);
        List<L4Fact> firstConnection = connections.get(0);
        L4Fact near = serverSide(firstConnection);
        String route = firstConnection.stream().map(f -> f.ref().capturePoint().name()).distinct()
                .collect(Collectors.joining(" -> "));
        String attempts = n + (n == 1 ? " connection" : " connections");
        Steps s = new Steps();
        String summary;
        switch (kind) {
            case CONNECTION_TIMEOUT -> {
                summary = attempts + " to " + server + " timed out: " + syns + " SYNs from " + from
                        + ", no SYN-ACK";
                s.add(EvidenceLayer.SYMPTOM, attempts + " from " + from + " to " + server
                        + " never opened: the client gave up waiting for the handshake", clientRefs);
                s.add(EvidenceLayer.L4, "conn_state S0: " + syns + " SYNs (" + Math.max(0, syns - n)
                        + " retransmitted), no answer (" + String.join("; ", states) + ")", serverRefs);
                s.add(EvidenceLayer.L7, "no exchange: the connection never opened", List.of());
                s.add(EvidenceLayer.TOPOLOGY, "the SYNs crossed " + route + "; " + (near.direction()
                        == Direction.INCOMING ? "they reached the server's own NIC " + near.ref().capturePoint().name()
                        + " and were not answered there: dropped in the server's host or namespace (a firewall "
                        + "DROP, a full backlog)" : "they were last seen on " + near.ref().capturePoint().name()
                        + ": dropped after it, on the way to the server or by it"),
                        firstConnection.stream().map(L4Fact::ref).toList());
            }
            case CONNECTION_REFUSED -> {
                summary = attempts + " to " + server + " refused: SYN answered by RST (from " + from + ")";
                s.add(EvidenceLayer.SYMPTOM, attempts + " from " + from + " to " + server
                        + " failed at once (connection refused)", clientRefs);
                s.add(EvidenceLayer.L4, "conn_state REJ: the SYN was answered by RST"
                        + (near.rstAfterNanos() >= 0 ? " after " + ms(near.rstAfterNanos()) + " at "
                        + near.ref().capturePoint().name() : "") + " (" + String.join("; ", states) + ")",
                        serverRefs);
                s.add(EvidenceLayer.L7, "no exchange: the connection never opened", List.of());
                s.add(EvidenceLayer.TOPOLOGY, "the SYN crossed " + route + "; " + (near.direction()
                        == Direction.INCOMING ? "the RST came from the server's own NIC "
                        + near.ref().capturePoint().name() + ": nothing listens on port "
                        + server.substring(server.lastIndexOf(':') + 1) + " there"
                        : "the RST came from beyond " + near.ref().capturePoint().name()
                        + ", the last capture point the SYN reached (the server, or a firewall before it)"),
                        firstConnection.stream().map(L4Fact::ref).toList());
            }
            default -> {
                summary = attempts + " to " + server + " reset after they opened (by the server: " + byServer
                        + ", by the client: " + (n - byServer) + ")" + (cut > 0 ? "; " + cut
                        + " exchanges cut without response" : "");
                s.add(EvidenceLayer.SYMPTOM, attempts + " from " + from + " to " + server
                        + " ended with a reset", clientRefs);
                s.add(EvidenceLayer.L4, "RSTR: reset by the server, RSTO: by the client ("
                        + String.join("; ", states) + ")", serverRefs);
                s.add(EvidenceLayer.L7, exchanges == 0 ? "no exchange on these connections"
                        : exchanges + " exchanges on these connections, " + cut + " without response", l7);
                s.add(EvidenceLayer.TOPOLOGY, "seen on " + route, firstConnection.stream().map(L4Fact::ref)
                        .toList());
            }
        }
        List<EvidenceRef> correlation = new ArrayList<>(all);
        correlation.addAll(paths);
        s.add(EvidenceLayer.CORRELATION, "the same " + (n == 1 ? "connection" : "connections") + " on "
                + all.size() / Math.max(1, n) + " capture points" + (nicTraceIds.isEmpty() ? ""
                : " by nic_traceid " + String.join(", ", limit(nicTraceIds, 5)))
                + (paths.isEmpty() ? "" : "; the exchanges' paths"), correlation);
        List<EvidenceRef> related = new ArrayList<>(earlier);
        related.addAll(icmp);
        if (!related.isEmpty()) {
            s.add(EvidenceLayer.RELATED, (earlier.isEmpty() ? "" : "the connections' earlier L4 records")
                    + (earlier.isEmpty() || icmp.isEmpty() ? "" : "; ")
                    + (icmp.isEmpty() ? "" : "ICMP errors quoting the flow: " + String.join(", ", icmpErrors)),
                    related);
        }
        return new Finding(kind, kind.severity(), summary, new FindingSubject(FindingSubject.Type.SERVER, server),
                first, last, n, s.steps);
    }

    private static List<String> limit(Set<String> values, int n) {
        List<String> out = new ArrayList<>(values);
        if (out.size() > n) {
            int more = out.size() - n;
            out = new ArrayList<>(out.subList(0, n));
            out.add("… " + more + " more");
        }
        return out;
    }

    // retransmissions and loss ----------------------------------------------------------------------------------

    private void rates(FindingKind kind, FindingIndex index, List<Finding> out) {
        boolean retrans = kind == FindingKind.RETRANSMISSIONS;
        double threshold = retrans ? t.retransmissionRate() : t.lossRate();
        String flag = retrans ? "retransmitted" : "lost (previous segment not captured)";
        for (Map.Entry<String, Map<String, Rate>> e : rates.entrySet()) {
            String server = e.getKey();
            Map<String, Rate> byPoint = e.getValue();
            String worst = null;
            double worstShare = -1;
            for (Map.Entry<String, Rate> p : byPoint.entrySet()) {
                Rate r = p.getValue();
                long bad = retrans ? r.retrans : r.lost;
                double share = r.packets == 0 ? 0 : (double) bad / r.packets;
                if (r.packets >= t.minPackets() && bad > 0 && share >= threshold && share > worstShare) {
                    worst = p.getKey();
                    worstShare = share;
                }
            }
            if (worst == null) {
                continue;
            }
            Rate w = byPoint.get(worst);
            long bad = retrans ? w.retrans : w.lost;
            List<Map.Entry<String, Rate>> ordered = new ArrayList<>(byPoint.entrySet());
            ordered.sort(Comparator.comparingLong(x -> x.getValue().first));
            List<EvidenceRef> worstRefs = new ArrayList<>();
            List<EvidenceRef> allRefs = new ArrayList<>();
            List<EvidenceRef> l7 = new ArrayList<>();
            List<EvidenceRef> paths = new ArrayList<>();
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (Map.Entry<String, Rate> p : ordered) {
                first = Math.min(first, p.getValue().first);
                last = Math.max(last, p.getValue().last);
                for (L4Fact f : p.getValue().examples) {
                    if ((retrans ? f.retrans() : f.lost()) == 0) {
                        continue;
                    }
                    allRefs.add(f.ref());
                    if (p.getKey().equals(worst)) {
                        worstRefs.add(f.ref());
                        for (ExchangeNote x : index.get(f.ref().capturePoint(), f.ref().innerTraceId())
                                .exchanges()) {
                            if (!retrans || x.retrans() > 0) {
                                l7.add(x.ref());
                                if (x.path() != null) {
                                    paths.add(x.path());
                                }
                            }
                        }
                    }
                }
            }
            String worstName = name(worst);
            String rate = percent(worstShare) + " (" + bad + " of " + w.packets + " packets)";
            String summary = (retrans ? "retransmissions " : "packet loss ") + rate + " on connections to " + server
                    + " at " + worstName + " (threshold " + percent(threshold) + ")";
            Steps s = new Steps();
            s.add(EvidenceLayer.SYMPTOM, "connections to " + server + (retrans ? " retransmit " : " lose ") + rate
                    + " at " + worstName, worstRefs);
            s.add(EvidenceLayer.L4, "the L4 records with packets " + flag, allRefs);
            if (!l7.isEmpty()) {
                s.add(EvidenceLayer.L7, "exchanges on those connections" + (retrans ? " with retransmitted packets"
                        : ""), l7);
            }
            s.add(EvidenceLayer.TOPOLOGY, "per capture point, in the order the packets reached them: "
                    + ordered.stream().map(p -> name(p.getKey()) + " " + percent(share(p.getValue(), retrans))
                    + " of " + p.getValue().packets).collect(Collectors.joining(", ")), List.of());
            if (!paths.isEmpty()) {
                s.add(EvidenceLayer.CORRELATION, "the exchanges' paths across capture points", paths);
            }
            out.add(new Finding(kind, kind.severity(), summary,
                    new FindingSubject(FindingSubject.Type.SERVER, server), first, last, bad, s.steps));
        }
    }

    private static double share(Rate r, boolean retrans) {
        return r.packets == 0 ? 0 : (double) (retrans ? r.retrans : r.lost) / r.packets;
    }

    /** {@code pod/nic} or {@code host/nic} of a capture point id {@code host/netns-or-pod/nic}. */
    private static String name(String id) {
        String[] parts = id.split("/", -1);
        if (parts.length != 3) {
            return id;
        }
        String owner = parts[1].isEmpty() || parts[1].equals(parts[0]) ? parts[0] : parts[1];
        return owner.isEmpty() ? parts[2] : owner + "/" + parts[2];
    }

    // zero windows ---------------------------------------------------------------------------------------------

    private void zeroWindows(FindingIndex index, List<Finding> out) {
        for (Map.Entry<String, ZeroWindow> e : zeroWindows.entrySet()) {
            ZeroWindow z = e.getValue();
            long packets = z.packetsByPoint.values().stream().mapToLong(Long::longValue).max().orElse(0);
            if (packets < t.zeroWindowPackets()) {
                continue;
            }
            String endpoint = e.getKey();
            List<EvidenceRef> refs = z.facts.stream().map(f -> (EvidenceRef) f.ref()).toList();
            List<EvidenceRef> l7 = new ArrayList<>();
            List<EvidenceRef> paths = new ArrayList<>();
            for (L4Fact f : z.facts) {
                for (ExchangeNote x : index.get(f.ref().capturePoint(), f.ref().innerTraceId()).exchanges()) {
                    l7.add(x.ref());
                    if (x.path() != null) {
                        paths.add(x.path());
                    }
                }
            }
            long first = z.facts.stream().mapToLong(L4Fact::timeNanos).min().orElse(start);
            long last = z.facts.stream().mapToLong(L4Fact::endNanos).max().orElse(start);
            String summary = endpoint + " advertised a zero receive window in " + packets + " packets on "
                    + z.connections.size() + (z.connections.size() == 1 ? " connection" : " connections")
                    + ": its application does not read fast enough";
            Steps s = new Steps();
            s.add(EvidenceLayer.SYMPTOM, "transfers to " + endpoint + " stall while its window is zero",
                    refs.subList(0, Math.min(1, refs.size())));
            s.add(EvidenceLayer.L4, "packets flagged zero_window sent by " + endpoint + ", per capture point: "
                    + z.packetsByPoint.entrySet().stream().map(p -> name(p.getKey()) + " " + p.getValue())
                    .collect(Collectors.joining(", ")), refs);
            if (!l7.isEmpty()) {
                s.add(EvidenceLayer.L7, "exchanges on those connections", l7);
            }
            if (!paths.isEmpty()) {
                s.add(EvidenceLayer.CORRELATION, "the exchanges' paths across capture points", paths);
            }
            out.add(new Finding(FindingKind.ZERO_WINDOW, FindingKind.ZERO_WINDOW.severity(), summary,
                    new FindingSubject(FindingSubject.Type.ENDPOINT, endpoint), first, last, packets, s.steps));
        }
    }

    // exchanges: HTTP, DNS, slow server --------------------------------------------------------------------------

    private void exchanges(FindingKind kind, FindingIndex index, List<Finding> out) {
        for (Map.Entry<String, Server> e : servers.entrySet()) {
            Server srv = e.getValue();
            long bad = srv.badCount.getOrDefault(kind, 0L);
            if (bad == 0) {
                continue;
            }
            long total = switch (kind) {
                case HTTP_5XX, HTTP_4XX -> srv.http;
                case DNS_FAILURE, DNS_TIMEOUT -> srv.dns;
                default -> srv.exchanges;
            };
            double share = total == 0 ? 0 : (double) bad / total;
            double threshold = switch (kind) {
                case HTTP_5XX -> t.http5xxRate();
                case HTTP_4XX -> t.http4xxRate();
                case DNS_FAILURE, DNS_TIMEOUT -> t.dnsFailureRate();
                default -> 0;
            };
            if (share < threshold) {
                continue;
            }
            String server = e.getKey();
            List<ExchangePath> paths = srv.bad.get(kind);
            String what = srv.what.get(kind).entrySet().stream().map(w -> w.getKey() + " x" + w.getValue())
                    .collect(Collectors.joining(", "));
            String ofTotal = bad + " of " + total + " (" + percent(share) + ")";
            String summary = switch (kind) {
                case HTTP_5XX -> ofTotal + " HTTP exchanges with " + server + " answered 5xx: " + what;
                case HTTP_4XX -> ofTotal + " HTTP exchanges with " + server + " answered 4xx: " + what;
                case DNS_FAILURE -> ofTotal + " DNS queries to " + server + " failed: " + what;
                case DNS_TIMEOUT -> ofTotal + " DNS queries to " + server + " got no answer";
                default -> bad + " of " + total + " exchanges with " + server + " waited at least "
                        + ms(t.slowServer().toNanos()) + " for the response (longest " + ms(srv.maxWaitNanos)
                        + "): " + what;
            };
            String symptom = switch (kind) {
                case HTTP_5XX, HTTP_4XX -> "the clients got " + what + " from " + server;
                case DNS_FAILURE -> "lookups at " + server + " failed: " + what;
                case DNS_TIMEOUT -> "lookups at " + server + " got no answer";
                default -> "slow responses from " + server;
            };
            String l7 = switch (kind) {
                case HTTP_5XX, HTTP_4XX -> "the server-most records: " + labels(paths);
                case DNS_FAILURE -> "the server-most records: " + labels(paths);
                case DNS_TIMEOUT -> "the queries, no response on any capture point: " + labels(paths);
                default -> "cost_resp_wait at the server-most capture point: " + paths.stream()
                        .map(p -> FindingFacts.label(last(p).log()) + " " + ms(last(p).log().costRespWaitNanos()))
                        .collect(Collectors.joining(", "));
            };
            out.add(pathFinding(kind, new FindingSubject(FindingSubject.Type.SERVER, server), summary, symptom, l7,
                    bad, paths, index));
        }
    }

    private static String labels(List<ExchangePath> paths) {
        return paths.stream().map(p -> FindingFacts.label(last(p).log())).distinct().limit(10)
                .collect(Collectors.joining(", "));
    }

    private static Hop last(ExchangePath p) {
        return p.hops().get(p.hops().size() - 1);
    }

    /** A finding shown by exchanges: the client's view, transport, server's view, path, hops, connection. */
    private Finding pathFinding(FindingKind kind, FindingSubject subject, String summary, String symptom,
                                String l7, long count, List<ExchangePath> paths, FindingIndex index) {
        List<EvidenceRef> clientRefs = new ArrayList<>();
        List<EvidenceRef> serverRefs = new ArrayList<>();
        List<EvidenceRef> transport = new ArrayList<>();
        List<EvidenceRef> pathRefs = new ArrayList<>();
        List<EvidenceRef> hops = new ArrayList<>();
        List<EvidenceRef> related = new ArrayList<>();
        Set<String> states = new LinkedHashSet<>();
        Set<String> routes = new LinkedHashSet<>();
        Set<String> statusChanges = new LinkedHashSet<>();
        long retrans = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        Set<EvidenceRef> inFinding = new LinkedHashSet<>();
        for (ExchangePath p : paths) {
            for (Hop h : p.hops()) {
                inFinding.add(EvidenceRef.L7.of(h.log(), h.nic()));
            }
        }
        for (ExchangePath p : paths) {
            Hop c = p.hops().get(0);
            Hop s = last(p);
            clientRefs.add(EvidenceRef.L7.of(c.log(), c.nic()));
            serverRefs.add(EvidenceRef.L7.of(s.log(), s.nic()));
            pathRefs.add(EvidenceRef.Path.of(p));
            routes.add(route(p));
            String serverLabel = FindingFacts.label(s.log());
            for (Hop h : p.hops()) {
                hops.add(EvidenceRef.L7.of(h.log(), h.nic()));
                first = Math.min(first, h.log().timestampNanos());
                last = Math.max(last, h.log().timestampNanos() + Math.max(0, h.log().latencyNanos()));
                if (!FindingFacts.label(h.log()).equals(serverLabel)) {
                    statusChanges.add(EvidenceRef.CapturePoint.of(h.nic()).name() + " saw "
                            + FindingFacts.label(h.log()));
                }
            }
            EvidenceRef.CapturePoint point = EvidenceRef.CapturePoint.of(s.nic());
            FindingIndex.Connection conn = index.get(point, s.log().innerTraceId());
            for (L4Fact f : conn.chunks(s.log().chunkIdMin(), s.log().chunkIdMax())) {
                transport.add(f.ref());
                states.add(f.connState());
                retrans += f.retrans();
            }
            for (ExchangeNote x : conn.exchanges()) {
                if (!inFinding.contains(x.ref())) {
                    related.add(x.ref());
                }
            }
        }
        Steps st = new Steps();
        st.add(EvidenceLayer.SYMPTOM, symptom + " (the client-side records)", clientRefs);
        if (!transport.isEmpty()) {
            st.add(EvidenceLayer.L4, "the connections at the server-most capture point: conn_state "
                    + String.join("/", states) + ", " + (retrans == 0 ? "no retransmission"
                    : retrans + " retransmitted packets"), transport);
        }
        st.add(EvidenceLayer.L7, l7, serverRefs);
        String topology = "path " + String.join("; ", limit(routes, 3));
        if (kind == FindingKind.SLOW_SERVER) {
            ExchangePath p = paths.get(0);
            long network = network(p);
            topology += network >= 0 ? "; the capture points between client and server add " + ms(network)
                    + ", the server waited " + ms(last(p).log().costRespWaitNanos()) : "";
        } else if (kind != FindingKind.DNS_TIMEOUT) {
            topology += statusChanges.isEmpty() ? "; the same answer on every capture point: the server gave it"
                    : "; the answer differs along the path: " + String.join(", ", limit(statusChanges, 5));
        }
        st.add(EvidenceLayer.TOPOLOGY, topology, pathRefs);
        st.add(EvidenceLayer.CORRELATION, "the exchange" + (paths.size() == 1 ? "" : "s") + " on every capture point, "
                + "joined by " + joinKeys(paths), hops);
        if (!related.isEmpty()) {
            st.add(EvidenceLayer.RELATED, "the other exchanges on the same connections", related);
        }
        return new Finding(kind, kind.severity(), summary, subject, first, last, count, st.steps);
    }

    /** Time the capture points between the first and last hop add: request and response ways. */
    private static long network(ExchangePath p) {
        Hop c = p.hops().get(0);
        Hop s = last(p);
        if (p.hops().size() < 2 || c.requestNanos() < 0 || s.requestNanos() < 0 || c.responseNanos() < 0
                || s.responseNanos() < 0) {
            return -1;
        }
        return (s.requestNanos() - c.requestNanos()) + (c.responseNanos() - s.responseNanos());
    }

    private static String route(ExchangePath p) {
        return p.hops().stream().map(h -> EvidenceRef.CapturePoint.of(h.nic()).name())
                .collect(Collectors.joining(" -> "));
    }

    private static String joinKeys(List<ExchangePath> paths) {
        Set<String> keys = new LinkedHashSet<>();
        for (ExchangePath p : paths) {
            for (Hop h : p.hops()) {
                if (h.joinedBy() != null) {
                    keys.add(h.joinedBy().name().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return keys.isEmpty() ? "nothing (one capture point)" : String.join(", ", keys);
    }

    // slow hops --------------------------------------------------------------------------------------------------

    private void slowHops(FindingIndex index, List<Finding> out) {
        for (SlowHop s : slowHops.values()) {
            Outlier worst = s.outliers.stream().max(Comparator.comparingLong(o -> o.latency() - o.verdict().median()))
                    .orElseThrow();
            String edge = name(s.from) + " -> " + name(s.to);
            String summary = (worst.request() ? "request" : "response") + " latency " + edge + " "
                    + ms(worst.latency()) + " against a median of " + ms(worst.verdict().median()) + " over "
                    + worst.verdict().samples() + " earlier exchanges (" + s.count + (s.count == 1 ? " outlier)"
                    : " outliers)");
            List<ExchangePath> paths = s.outliers.stream().map(Outlier::path).distinct().toList();
            EdgeEvidence ev = new EdgeEvidence();
            for (Outlier o : s.outliers) {
                ev.add(index, o.path(), o.hop());
            }
            List<EvidenceRef> clientRefs = ev.clientRefs;
            List<EvidenceRef> transport = ev.transport;
            List<EvidenceRef> hopRefs = ev.sides;
            List<EvidenceRef> pathRefs = ev.pathRefs;
            List<EvidenceRef> all = ev.all;
            long first = ev.first;
            long last = ev.last;
            Steps st = new Steps();
            st.add(EvidenceLayer.SYMPTOM, "exchanges through " + edge + " took longer than usual", clientRefs);
            if (!transport.isEmpty()) {
                st.add(EvidenceLayer.L4, "the connections at both ends of the edge", transport);
            }
            st.add(EvidenceLayer.L7, "the exchanges' records at " + name(s.from) + " and " + name(s.to), hopRefs);
            st.add(EvidenceLayer.TOPOLOGY, "hop " + edge + ": " + s.outliers.stream().limit(5)
                    .map(o -> (o.request() ? "request " : "response ") + ms(o.latency()) + " (median "
                            + ms(o.verdict().median()) + ", MAD " + ms(o.verdict().mad()) + ", p99 "
                            + ms(o.verdict().p99()) + " of " + o.verdict().samples() + ")")
                    .collect(Collectors.joining("; ")), pathRefs);
            st.add(EvidenceLayer.CORRELATION, "the exchanges on every capture point, joined by " + joinKeys(paths),
                    all);
            out.add(new Finding(FindingKind.SLOW_HOP, FindingKind.SLOW_HOP.severity(), summary,
                    new FindingSubject(FindingSubject.Type.EDGE, s.from + " -> " + s.to), first, last, s.count,
                    st.steps));
        }
    }

    /**
     * The references of paths that share an edge (hop {@code from} to {@code from + 1}): each path's client record and
     * key, the two hops' records and their L4 chunks, every hop's record, and the time range they cover.
     */
    private static final class EdgeEvidence {
        final List<EvidenceRef> clientRefs = new ArrayList<>();
        final List<EvidenceRef> transport = new ArrayList<>();
        final List<EvidenceRef> sides = new ArrayList<>();
        final List<EvidenceRef> pathRefs = new ArrayList<>();
        final List<EvidenceRef> all = new ArrayList<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;

        void add(FindingIndex index, ExchangePath p, int from) {
            clientRefs.add(EvidenceRef.L7.of(p.hops().get(0).log(), p.hops().get(0).nic()));
            pathRefs.add(EvidenceRef.Path.of(p));
            for (int i = from; i <= from + 1; i++) {
                Hop h = p.hops().get(i);
                sides.add(EvidenceRef.L7.of(h.log(), h.nic()));
                for (L4Fact f : index.get(EvidenceRef.CapturePoint.of(h.nic()), h.log().innerTraceId())
                        .chunks(h.log().chunkIdMin(), h.log().chunkIdMax())) {
                    transport.add(f.ref());
                }
            }
            for (Hop h : p.hops()) {
                all.add(EvidenceRef.L7.of(h.log(), h.nic()));
                first = Math.min(first, h.log().timestampNanos());
                last = Math.max(last, h.log().timestampNanos() + Math.max(0, h.log().latencyNanos()));
            }
        }
    }

    // NAT --------------------------------------------------------------------------------------------------------

    private void nats(FindingIndex index, List<Finding> out) {
        for (Nat n : nats.values()) {
            AddressTranslation tr = n.translation;
            String edge = name(n.from) + " -> " + name(n.to);
            List<String> what = new ArrayList<>();
            if (tr.snat()) {
                what.add("SNAT " + FindingFacts.address(tr.clientBefore()) + " -> "
                        + FindingFacts.address(tr.clientAfter()));
            }
            if (tr.dnat()) {
                what.add("DNAT " + FindingFacts.address(tr.serverBefore()) + " -> "
                        + FindingFacts.address(tr.serverAfter()));
            }
            String translation = String.join(" and ", what);
            String servers = String.join(", ", limit(n.servers, 5));
            String summary = translation + " between " + name(n.from) + " and " + name(n.to) + " (" + n.count
                    + (n.count == 1 ? " exchange" : " exchanges") + " to " + servers + ")";
            EdgeEvidence ev = new EdgeEvidence();
            for (ExchangePath p : n.paths) {
                AddressTranslation pt = p.translations().stream().filter(x -> EvidenceRef.CapturePoint
                        .of(p.hops().get(x.afterHop()).nic()).id().equals(n.to)).findFirst().orElse(tr);
                ev.add(index, p, pt.afterHop() - 1);
            }
            List<EvidenceRef> clientRefs = ev.clientRefs;
            List<EvidenceRef> transport = ev.transport;
            List<EvidenceRef> sides = ev.sides;
            List<EvidenceRef> pathRefs = ev.pathRefs;
            List<EvidenceRef> all = ev.all;
            long first = ev.first;
            long last = ev.last;
            Steps st = new Steps();
            st.add(EvidenceLayer.SYMPTOM, "exchanges to " + servers + " change addresses on the way: "
                    + translation, clientRefs);
            if (!transport.isEmpty()) {
                st.add(EvidenceLayer.L4, "the connection before and after the translation: different 5-tuples",
                        transport);
            }
            st.add(EvidenceLayer.L7, "the exchange at " + name(n.from) + " (client " + tr.clientBefore()
                    + ", server " + tr.serverBefore() + ") and at " + name(n.to) + " (client " + tr.clientAfter()
                    + ", server " + tr.serverAfter() + ")", sides);
            st.add(EvidenceLayer.TOPOLOGY, "path " + route(n.paths.get(0)) + "; the translation is between "
                    + name(n.from) + " and " + name(n.to), pathRefs);
            st.add(EvidenceLayer.CORRELATION, "joined across the translation by " + joinKeys(n.paths)
                    + " (TCP seqs survive NAT)", all);
            out.add(new Finding(FindingKind.NAT_IN_PATH, FindingKind.NAT_IN_PATH.severity(), summary,
                    new FindingSubject(FindingSubject.Type.EDGE, n.from + " -> " + n.to), first, last, n.count,
                    st.steps));
        }
    }
}
