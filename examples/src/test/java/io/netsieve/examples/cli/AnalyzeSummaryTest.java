package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code summary.json} as the library's run summary fills it, on the corpus's malformed and truncated captures with
 * a filter that refuses every packet of one file: per capture point the decode outcomes add up to the packets the
 * filter let through, so do L4's tracked and untracked packets (L4 gets every one of them), the malformed reasons
 * add up to the malformed packets, and a file with no packet left has no time span.
 */
class AnalyzeSummaryTest {

    @Test
    void everyPacketThroughTheFilterEndsInOneDecodeAndOneL4Counter(@TempDir Path tmp) throws IOException {
        Path corpus = AnalyzeCommandTest.corpus();
        Path out = tmp.resolve("out");
        assertEquals(0, NetSieveCli.run("analyze", "--out", out.toString(), "--filter", "not udp",
                corpus.resolve("ipv6_frag6_negative_len.pcap").toString(),
                corpus.resolve("ipv6_invalid_length.pcap").toString(), corpus.resolve("kday7.pcap").toString(),
                corpus.resolve("tcp_header_heapoverflow.pcap").toString(), corpus.resolve("dns_udp.pcap").toString()));
        JsonNode root = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        long malformed = 0;
        for (JsonNode p : root.get("capture_points")) {
            String file = p.get("file").asText();
            long through = p.get("packets").asLong() - p.get("filtered_packets").asLong();
            JsonNode d = p.get("decode");
            assertEquals(through, d.get("decoded").asLong() + d.get("truncated").asLong() + d.get("malformed").asLong()
                    + d.get("unsupported_link_type").asLong(), file);
            JsonNode l4 = p.get("l4");
            assertEquals(through, l4.get("tcp_packets").asLong() + l4.get("udp_packets").asLong()
                    + l4.get("untracked_packets").asLong(), file + ": L4 gets every packet through the filter");
            long reasons = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = d.get("malformed_reasons").fields(); it.hasNext(); ) {
                reasons += it.next().getValue().asLong();
            }
            assertEquals(d.get("malformed").asLong(), reasons, file);
            malformed += reasons;
            assertEquals("pcap", p.get("format").asText(), file);
            if (file.endsWith("dns_udp.pcap")) {
                assertEquals(2, p.get("filtered_packets").asLong(), "DNS over UDP refused");
                assertEquals("[\"EN10MB\"]", p.get("link_types").toString());
            }
            if (through == 0) {
                assertTrue(p.get("first_packet").isNull() && p.get("last_packet").isNull(), p.toString());
            } else {
                assertTrue(p.get("first_packet").asText().compareTo(p.get("last_packet").asText()) <= 0, file);
            }
        }
        assertEquals(2, malformed, "ipv6_frag6_negative_len's and kday7's (the filter refuses ipv6_invalid_length's)");
        assertEquals(root.get("totals").get("decode").get("malformed").asLong(), malformed);
    }
}
