package io.netsieve.l7.dns;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l7.Captures;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DNS exchanges of the corpus DNS captures against tshark: every response tshark pairs with its query
 * ({@code dns.time}) is one OK record with tshark's {@code dns.id}, {@code dns.qry.name}, {@code dns.flags.rcode}
 * and a latency equal to {@code dns.time}; nothing else is emitted.
 */
class DnsCorpusTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"dns_udp.pcap,", "dns_tcp.pcap,", "dns_udp_8053.pcap,", "dns_tcp_8053.pcap,tcp.port==8053",
            "dnssec.pcap,", "edns-opts.pcap,", "dns-badcookie.pcap,", "dns-uri.pcap,"})
    void exchangesMatchTshark(String name, String decodeAs) throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve(name);
        String[] extra = decodeAs == null ? new String[] {"-Y", "dns.flags.response == 1"}
                : new String[] {"-d", decodeAs + ",dns", "-Y", "dns.flags.response == 1"};
        List<String> expected = new ArrayList<>();
        for (String[] r : Tshark.fields(file, List.of("dns.id", "dns.qry.name", "dns.flags.rcode", "dns.time"), extra)
                .rows()) {
            assertFalse(r[3].isEmpty(), "tshark paired every response of " + name);
            expected.add(Integer.decode(r[0]) + " " + r[1] + " rcode=" + r[2] + " latency="
                    + Tshark.epochNanos(r[3]));
        }
        Captures.Run run = Captures.run(file);
        List<String> actual = new ArrayList<>();
        for (L7Log log : run.logs()) {
            assertEquals("dns", log.l7Proto());
            assertEquals(L7Status.OK, log.status(), log.toString());
            actual.add(log.dns().id() + " " + log.dns().queryName() + " rcode=" + log.dns().rcode() + " latency="
                    + log.latencyNanos());
        }
        assertFalse(expected.isEmpty());
        Collections.sort(expected);
        Collections.sort(actual);
        assertEquals(expected, actual);
        System.out.println("[dns] " + name + ": " + actual.size() + " exchanges as tshark; " + run.stats());
    }

    /**
     * Every DNS exchange of the lab capture set (dnsmasq, queries over UDP and TCP from the pods) on every capture
     * point, as tshark pairs them, with {@code dns.time} as latency; the responses tshark does not pair are ours
     * without request.
     */
    @Test
    void labExchangesMatchTshark() throws Exception {
        Prerequisites.requireCommand("tshark");
        io.netsieve.core.testing.Lab lab = io.netsieve.core.testing.Lab.shared();
        List<Path> files;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(lab.dir())) {
            files = s.filter(f -> f.toString().endsWith(".pcap")).sorted().toList();
        }
        int total = 0;
        for (Path file : files) {
            List<String> expected = new ArrayList<>();
            for (String[] r : Tshark.fields(file, List.of("dns.id", "dns.qry.name", "dns.flags.rcode", "dns.time"),
                    "-Y", "dns.flags.response == 1").rows()) {
                expected.add(Integer.decode(r[0]) + " " + r[1] + " rcode=" + r[2] + " latency="
                        + (r[3].isEmpty() ? "none" : String.valueOf(Tshark.epochNanos(r[3]))));
            }
            List<String> actual = new ArrayList<>();
            for (L7Log log : Captures.run(file).logs()) {
                if (!"dns".equals(log.l7Proto()) || log.status() == L7Status.NO_RESPONSE) {
                    continue;
                }
                actual.add(log.dns().id() + " " + log.dns().queryName() + " rcode=" + log.dns().rcode()
                        + " latency=" + (log.status() == L7Status.NO_REQUEST ? "none" : log.latencyNanos()));
            }
            Collections.sort(expected);
            Collections.sort(actual);
            assertEquals(expected, actual, file.getFileName().toString());
            total += actual.size();
        }
        assertTrue(total > 0, "the lab's DNS queries");
        System.out.println("[dns] lab: " + total + " exchanges on " + files.size() + " captures as tshark");
    }

    /** A response-only garbage datagram on port 53 (opcode 15, lying counts): not taken for DNS. */
    @Test
    void garbageOnPort53IsUndetected() throws Exception {
        Captures.Run run = Captures.run(Prerequisites.tcpdumpCorpus().resolve("dns_fwdptr.pcap"));
        assertTrue(run.logs().isEmpty());
        assertEquals(1, run.stats().undetected());
    }

    /**
     * dns_udp_2.pcap: the response was cut by the snap length (tshark: "Packet size limited during capture"), so
     * tshark does not pair it (no {@code dns.time}); we pair it by id as a malformed response, with the query's id
     * and name and the latency of the frame times tshark prints.
     */
    @Test
    void pairsWhatTsharkLeavesUnpaired() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve("dns_udp_2.pcap");
        List<String[]> rows = Tshark.fields(file, List.of("frame.time_epoch", "dns.id", "dns.qry.name")).rows();
        Captures.Run run = Captures.run(file);
        assertEquals(1, run.logs().size());
        L7Log log = run.logs().get(0);
        assertEquals(L7Status.RESPONSE_MALFORMED, log.status());
        assertTrue(log.dns().malformed().startsWith("response: record past the end"), log.dns().malformed());
        assertEquals(0, log.dns().rcode());
        assertEquals(Integer.decode(rows.get(0)[1]), log.dns().id());
        assertEquals(rows.get(0)[2], log.dns().queryName());
        assertEquals(Tshark.epochNanos(rows.get(1)[0]) - Tshark.epochNanos(rows.get(0)[0]), log.latencyNanos());
        assertEquals(Tshark.epochNanos(rows.get(0)[0]), log.timestampNanos());
    }
}
