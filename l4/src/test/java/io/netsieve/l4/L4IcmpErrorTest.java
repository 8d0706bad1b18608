package io.netsieve.l4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * ICMP errors attached to the flow they quote, on the corpus capture with ICMP port-unreachable replies to UDP
 * (afs.pcap): every error whose quoted UDP tuple was seen before it is attached, the others are counted as
 * unmatched, as tshark's fields say.
 */
class L4IcmpErrorTest {

    @Test
    void icmpErrorsAreAttachedToTheFlowsTheyQuote() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve("afs.pcap");
        // oracle: UDP tuples seen so far, and for each ICMP error whether its quoted tuple was among them
        Tshark.Result t = Tshark.fields(file, List.of("frame.number", "icmp.type", "ip.src", "ip.dst", "udp.srcport",
                "udp.dstport"), "-Y", "udp");
        Set<String> seen = new HashSet<>();
        int expectAttached = 0;
        int expectUnmatched = 0;
        for (String[] row : t.rows()) {
            String[] src = row[2].split(",");
            String[] dst = row[3].split(",");
            String[] sport = row[4].split(",");
            String[] dport = row[5].split(",");
            if (!row[1].isEmpty()) {
                // ICMP error: the second ip/udp header is the quoted one
                String q = tuple(src[src.length - 1], sport[sport.length - 1], dst[dst.length - 1],
                        dport[dport.length - 1]);
                if (seen.contains(q)) {
                    expectAttached++;
                } else {
                    expectUnmatched++;
                }
            } else {
                seen.add(tuple(src[0], sport[0], dst[0], dport[0]));
            }
        }
        assertTrue(expectAttached + expectUnmatched > 10, "too few ICMP errors in " + file);
        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().config(L4Config.defaults()).listener(logs::add).build();
        Replay.replay(tracker, file);
        L4Stats s = tracker.stats();
        assertEquals(expectAttached, s.icmpErrorsAttached(), "attached");
        assertEquals(expectUnmatched, s.icmpErrorsUnmatched(), "unmatched");
        long inRecords = logs.stream().mapToLong(L4Log::icmpErrors).sum();
        assertEquals(expectAttached, inRecords, "errors reported in the records");
        assertTrue(logs.stream().anyMatch(l -> l.icmpLastError().equals("icmp 3/3")), "port unreachable named");
        System.out.println("[icmp] " + s.icmpErrorsAttached() + " attached, " + s.icmpErrorsUnmatched() + " unmatched");
    }

    /** A UDP tuple in the order of the packet (the quoted header is in the order of the original packet). */
    private static String tuple(String src, String sport, String dst, String dport) {
        return src + ":" + sport + ">" + dst + ":" + dport;
    }
}
