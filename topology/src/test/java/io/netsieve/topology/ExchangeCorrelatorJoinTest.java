package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.DemoReplay.Observed;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The join's guarantees on the demo lab set's records: any arrival order gives the same paths; a record that shares
 * an {@code l7_traceid} but carries another request, or lies outside the window, is kept apart and counted; across
 * a proxy that terminates TCP (the far side's seqs differ) {@code x-request-id} joins, and the hop says so; a record
 * older than the watermark by more than the window is late, counted and handed to {@code onLate}. The altered
 * records below are copies of real ones with one field changed (marked where made).
 */
class ExchangeCorrelatorJoinTest {
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    private static List<Observed> records() throws Exception {
        return DemoReplay.l7Records(CaptureManifest.read(DEMO));
    }

    private static TreeSet<String> canonical(List<ExchangePath> paths) {
        TreeSet<String> out = new TreeSet<>();
        for (ExchangePath p : paths) {
            out.add(p.hops().stream().map(h -> h.nic().label() + "=" + h.role().label() + " " + h.log().l7TraceId())
                    .collect(Collectors.joining(", ")));
        }
        return out;
    }

    private static List<ExchangePath> correlate(List<Observed> records, ExchangeCorrelator.Builder b) {
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = b.listener(paths::add).build();
        records.forEach(o -> c.offer(o.log(), o.nic()));
        c.flush();
        return paths;
    }

    @Test
    void anyArrivalOrderGivesTheSamePaths() throws Exception {
        List<Observed> all = records();
        TreeSet<String> reference = canonical(correlate(all, ExchangeCorrelator.builder()));
        for (long seed = 1; seed <= 5; seed++) {
            List<Observed> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, new Random(seed));
            assertEquals(reference, canonical(correlate(shuffled, ExchangeCorrelator.builder())), "seed " + seed);
        }
    }

    /** A copy of {@code x} with another time and HTTP request (test-made). */
    private static L7Log altered(L7Log x, long timeShift, String path, String requestId, String l7TraceId) {
        HttpInfo h = x.http();
        HttpInfo h2 = new HttpInfo(h.method(), path, h.query(), h.version(), h.host(), h.statusCode(), h.reason(),
                h.informational(), h.reqHeaderBytes(), h.reqBodyBytes(), h.respHeaderBytes(), h.respBodyBytes(),
                h.contentType(), h.userAgent(), h.traceId(), h.parentId(), requestId, h.headers(), h.smuggling());
        return new L7Log(x.timestampNanos() + timeShift, x.capturePointId(), x.l4Proto(), x.l7Proto(), x.clientIp(),
                x.clientPort(), x.serverIp(), x.serverPort(), x.innerTraceId(), l7TraceId, x.reqSeq(), x.respSeq(),
                x.reqBytes(), x.respBytes(), x.txSeq(), x.rxSeq(), x.txPackets(), x.rxPackets(), x.txBytes(),
                x.rxBytes(), x.txRetrans(), x.rxRetrans(), x.chunkIdMin(), x.chunkIdMax(), x.costReqSentNanos(),
                x.costRespWaitNanos(), x.costCntDlNanos(), x.latencyNanos(), x.status(), h2, x.dns(), x.attributes());
    }

    private static List<Observed> chunkedOn(List<Observed> all, String pod) {
        return all.stream().filter(o -> o.nic().podName().equals(pod) && o.log().http() != null
                && o.log().http().path().equals("/chunked")).toList();
    }

    @Test
    void sameSeqsButAnotherRequestOrTooFarApartStayApart() throws Exception {
        List<Observed> all = records();
        Observed client = chunkedOn(all, "pod-a").get(0);
        Observed server = chunkedOn(all, "pod-c").get(0);
        // the server's record as if it carried another path (an unrelated connection that reused the ISN pair)
        L7Log other = altered(server.log(), 0, "/elsewhere", null, server.log().l7TraceId());
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(paths::add).build();
        c.offer(client.log(), client.nic());
        c.offer(other, server.nic());
        c.flush();
        assertEquals(2, paths.size(), "fingerprints differ: two exchanges");

        // the same request, but an hour later (outside the 5 s window)
        paths.clear();
        L7Log later = altered(server.log(), 3_600_000_000_000L, "/chunked", null, server.log().l7TraceId());
        ExchangeCorrelator d = ExchangeCorrelator.builder().listener(paths::add).build();
        d.offer(client.log(), client.nic());
        d.offer(later, server.nic());
        d.flush();
        assertEquals(2, paths.size(), "outside the window: two exchanges");
        assertEquals(1, d.stats().collisions());
    }

    @Test
    void theSameSeqsSpelledAnotherWayAreAnotherKey() throws Exception {
        // the correlator keeps an l7_traceid of two plain numbers as the numbers (a compact key): records join
        // exactly when their key texts are equal, so a zero-padded spelling of the same seqs is another exchange
        List<Observed> all = records();
        Observed client = chunkedOn(all, "pod-a").get(0);
        Observed server = chunkedOn(all, "pod-c").get(0);
        String id = server.log().l7TraceId();
        assertTrue(id.matches("[1-9][0-9]*_[1-9][0-9]*"), id);
        for (String spelling : List.of("0" + id, id.replace("_", "_0"), id + " ")) {
            L7Log padded = altered(server.log(), 0, "/chunked", null, spelling); // test-made
            List<ExchangePath> paths = correlate(List.of(client, new Observed(padded, server.nic())),
                    ExchangeCorrelator.builder());
            assertEquals(2, paths.size(), spelling);
        }
        List<ExchangePath> paths = correlate(List.of(client, server), ExchangeCorrelator.builder());
        assertEquals(1, paths.size());
        assertEquals(id + "|http GET /chunked", paths.get(0).key());
        assertEquals(2, paths.get(0).hops().size());
    }

    @Test
    void xRequestIdJoinsAcrossAProxyThatTerminatesTcp() throws Exception {
        List<Observed> all = records();
        Observed client = chunkedOn(all, "pod-a").get(0);
        Observed server = chunkedOn(all, "pod-c").get(0);
        // as if a proxy between them had opened its own connection: other seqs on the server's side, the proxy
        // forwarding the client's x-request-id (test-made)
        L7Log front = altered(client.log(), 0, "/chunked", "req-7f3a", client.log().l7TraceId());
        L7Log back = altered(server.log(), 0, "/chunked", "req-7f3a", "1234_5678");
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(paths::add).build();
        c.offer(back, server.nic());
        c.offer(front, client.nic());
        c.flush();
        assertEquals(1, paths.size());
        ExchangePath p = paths.get(0);
        assertEquals(List.of("pod-a", "pod-c"), p.hops().stream().map(h -> h.nic().podName()).toList());
        assertEquals(JoinKey.X_REQUEST_ID, p.hops().get(1).joinedBy());
        assertTrue(p.translations().isEmpty(), "no NAT is claimed across a join by header");
    }

    @Test
    void aRecordBehindTheWatermarkIsLate() throws Exception {
        List<Observed> all = records();
        Observed early = chunkedOn(all, "pod-a").get(0);
        Observed late = chunkedOn(all, "pod-c").get(0);
        List<L7Log> lateOnes = new ArrayList<>();
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().window(Duration.ofMillis(100))
                .allowedLateness(Duration.ofMillis(50)).listener(new ExchangePathListener() {
                    @Override
                    public void onPath(ExchangePath path) {
                        paths.add(path);
                    }

                    @Override
                    public void onLate(L7Log log) {
                        lateOnes.add(log);
                    }
                }).build();
        c.offer(early.log(), early.nic());
        c.advance(early.log().timestampNanos() + 1_000_000_000L); // one second on: the window closed
        c.offer(late.log(), late.nic());
        c.flush();
        assertEquals(List.of(late.log()), lateOnes);
        CorrelatorStats s = c.stats();
        assertEquals(1, s.late());
        assertEquals(s.offered(), s.joined() + s.late() + s.open());
        assertEquals(1, paths.size());
    }
}
