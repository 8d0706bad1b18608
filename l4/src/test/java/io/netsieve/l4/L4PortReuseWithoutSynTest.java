package io.netsieve.l4;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tuple reused without a SYN in the capture, 26 s after a FIN close (inside the TIME_WAIT timeout, so the closed
 * connection is still in the table): the new segments start a new connection picked up mid-stream instead of being
 * appended to the closed one. The capture is an excerpt of a 3 M-frame lab/bench-capture.sh capture (wrk against
 * nginx; the reused connection's handshake was not captured), port 34778, 41 frames around the reuse.
 */
class L4PortReuseWithoutSynTest {
    private static final Path CAPTURE = Path.of("src/test/resources/captures/port-reuse-without-syn.pcap");

    @Test
    void segmentsTheClosedConnectionCannotHoldStartANewOne() throws Exception {
        Prerequisites.requireCommand("tshark");
        // the oracle: both FINs of the first connection, and where its packets end (the first frame after the
        // last FIN whose client seq is not the first connection's)
        Tshark.Result t = Tshark.fields(CAPTURE, List.of("frame.time_epoch", "tcp.srcport", "tcp.seq_raw",
                "tcp.flags.fin", "tcp.len"));
        assertEquals(null, t.error());
        List<String[]> rows = t.rows();
        int lastFin = -1;
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i)[3].equals("1") || rows.get(i)[3].equals("True")) {
                lastFin = i;
            }
        }
        assertTrue(lastFin > 0, "the first connection closes with FINs");
        int firstNew = -1;
        long finClientSeq = -1;
        for (int i = 0; i <= lastFin; i++) {
            if (rows.get(i)[1].equals("34778")) {
                finClientSeq = Long.parseLong(rows.get(i)[2]);
            }
        }
        for (int i = lastFin + 1; i < rows.size(); i++) {
            long seq = Long.parseLong(rows.get(i)[2]);
            if (rows.get(i)[1].equals("34778") && Math.abs(seq - finClientSeq) > 1_000_000) {
                firstNew = i;
                break;
            }
        }
        assertTrue(firstNew > lastFin, "a later client segment far from the first connection's sequence space");

        List<L4Log> logs = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().listener(logs::add).build();
        Replay.replay(tracker, CAPTURE);

        List<String> ids = logs.stream().map(L4Log::innerTraceId).distinct().toList();
        assertEquals(2, ids.size(), "two connections: " + logs);
        long firstPackets = 0;
        long secondPackets = 0;
        long secondStart = Long.MAX_VALUE;
        for (L4Log l : logs) {
            if (l.innerTraceId().equals(ids.get(0))) {
                firstPackets += l.txPackets() + l.rxPackets();
            } else {
                secondPackets += l.txPackets() + l.rxPackets();
                secondStart = Math.min(secondStart, l.timeNanos());
            }
        }
        L4Log firstLast = logs.stream().filter(l -> l.innerTraceId().equals(ids.get(0))).reduce((a, b) -> b)
                .orElseThrow();
        assertTrue(firstLast.lastChunk(), "the first connection ended with its FINs");
        assertEquals(firstNew, firstPackets, "the first connection's packets run up to the reuse");
        assertEquals(rows.size() - firstNew, secondPackets, "every later packet is the new connection's");
        assertEquals(Tshark.epochNanos(rows.get(firstNew)[0]), secondStart);
        L4Log second = logs.stream().filter(l -> l.innerTraceId().equals(ids.get(1))).findFirst().orElseThrow();
        assertEquals("0_0", second.nicTraceId(), "picked up mid-stream: no handshake");
        assertEquals(1, tracker.stats().portReuses());
    }
}
