package io.netsieve.l7.http;

import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l7.Captures;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/1.x exchanges against tshark, exchange by exchange: client, server, method, URI and response code of every
 * request/response tshark pairs (and of requests without response, responses without request), and tshark's
 * {@code http.time} (request frame to response frame, i.e. last request byte to last response byte) equal to ours.
 * On the corpus captures with HTTP and on every capture of the lab set (HTTP on :8080).
 */
class HttpCorpusTest {

    /**
     * Where we say more than tshark, by design: tshark's text of the exchange, ours, and why. accecn_handshake.pcap
     * holds the first segments of a 1 MB response: tshark, which shows only complete messages, pairs the request
     * with nothing; we record that the response started and was cut (-2).
     */
    private static final Map<String, String[]> DIFFERENCES = Map.of("accecn_handshake.pcap", new String[] {
            "31.133.146.248:16433 -> 66.228.43.12:80 GET /1M => none",
            "31.133.146.248:16433 -> 66.228.43.12:80 GET /1M => -2"});

    @TestFactory
    Stream<DynamicTest> corpusMatchesTshark() {
        Prerequisites.requireCommand("tshark");
        return Stream.of("ipv4_tcp_http_xml.pcap", "ipv4_tcp_http_xml_tso.pcap", "accecn_handshake.pcap",
                        "print-flags.pcap")
                .map(n -> DynamicTest.dynamicTest(n, () -> compare(Prerequisites.tcpdumpCorpus().resolve(n))));
    }

    @Test
    void labCaptureSetMatchesTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        Lab lab = Lab.shared();
        int exchanges = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(lab.dir())) {
            files = s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            exchanges += compare(f);
        }
        // the lab's curl clients talk to pod-c's server: every capture point on the way saw them
        assertTrue(exchanges >= 10, "HTTP exchanges in the lab set: " + exchanges);
    }

    static int compare(Path file) throws Exception {
        HttpTshark.Expected expected = HttpTshark.tshark(file);
        Captures.Run run = Captures.run(file);
        List<String> actual = new ArrayList<>();
        int timed = 0;
        for (L7Log log : run.logs()) {
            if (!"http".equals(log.l7Proto())) {
                continue;
            }
            String text = HttpTshark.text(log);
            actual.add(text);
            List<Long> times = expected.times().get(text);
            if (times != null && log.status() == L7Status.OK) {
                long ours = log.latencyNanos() - log.costReqSentNanos(); // last request byte -> last response byte
                assertTrue(times.contains(ours), file.getFileName() + ": " + text + " http.time " + times
                        + " ns, ours " + ours);
                timed++;
            }
        }
        List<String> want = new ArrayList<>(expected.exchanges());
        String[] difference = DIFFERENCES.get(file.getFileName().toString());
        if (difference != null) {
            assertTrue(want.remove(difference[0]), "tshark no longer says " + difference[0]);
            want.add(difference[1]);
        }
        Collections.sort(want);
        Collections.sort(actual);
        assertEquals(want, actual, file.getFileName().toString());
        System.out.println("[http] " + file.getFileName() + ": " + actual.size() + " exchanges as tshark, " + timed
                + " http.time equal; " + run.stats());
        return actual.size();
    }
}
