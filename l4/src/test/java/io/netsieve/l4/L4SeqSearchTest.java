package io.netsieve.l4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finding the packet of a connection by sequence number: every data segment tshark lists in the bundled lab
 * capture (by its raw sequence number) is found in the L4 record of its connection, with tshark's payload length.
 */
class L4SeqSearchTest {

    @Test
    void everyDataSegmentIsFoundByItsSequenceNumber() throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.repositoryRoot().resolve("examples/src/main/resources/demo/node2-eth0.pcap");
        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().config(L4Config.defaults()).listener(logs::add).build();
        Replay.replay(tracker, file);
        Tshark.Result t = Tshark.fields(file, List.of("tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.len",
                "tcp.seq"), "-Y", "tcp.len > 0 and not tcp.analysis.retransmission");
        int checked = 0;
        for (String[] row : t.rows()) {
            int srcPort = Integer.parseInt(row[0]);
            int dstPort = Integer.parseInt(row[1]);
            long seqRaw = Long.parseLong(row[2]);
            int len = Integer.parseInt(row[3]);
            long relative = Long.parseLong(row[4]);
            boolean found = false;
            for (L4Log log : logs) {
                if (!"tcp".equals(log.l4Proto())) {
                    continue;
                }
                boolean fromSrc = log.srcPort() == srcPort && log.dstPort() == dstPort;
                boolean fromDst = log.srcPort() == dstPort && log.dstPort() == srcPort;
                if (!fromSrc && !fromDst) {
                    continue;
                }
                int i = log.packetAtSeq(fromSrc, seqRaw);
                if (i < 0) {
                    continue; // another chunk of the connection
                }
                assertEquals(len, log.packets().payloadSize(i), "payload of the packet carrying seq " + seqRaw);
                assertEquals(fromSrc, log.packets().isTx(i));
                // relative numbers of the record model are seq - (first seq - 1): the SYN is 1, the first data
                // byte 2; tshark counts the SYN as 0 and the first data byte as 1
                assertEquals(i, log.packetAtRelativeSeq(fromSrc, relative + 1), "relative seq " + relative);
                found = true;
                break;
            }
            assertTrue(found, "segment " + srcPort + "->" + dstPort + " seq " + seqRaw + " not found");
            checked++;
        }
        assertTrue(checked > 20, "too few data segments in the capture: " + checked);
        System.out.println("[seq search] " + checked + " data segments found by raw and relative seq");
    }
}
