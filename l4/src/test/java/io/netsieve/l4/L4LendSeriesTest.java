package io.netsieve.l4;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code L4Config.lendPacketSeries}: on every corpus capture, the records of a tracker that lends its series (copied
 * inside the listener call) equal those of a tracker whose records own them (and on the bundled demo lab captures), packet by packet; a lent series read
 * after its call throws instead of showing rows that belong to a later chunk. Small chunks (8 packets) so that rows
 * are reused many times.
 */
class L4LendSeriesTest {

    /** Collects the records and, per record, its series as kept after the call (the lent one copied in the call). */
    private static L4Tracker tracker(boolean lend, List<L4Log> logs, List<PacketSeries> kept,
                                     List<PacketSeries> lentOnes) {
        L4Config config = L4Config.builder().chunkMaxPackets(8).lendPacketSeries(lend).build();
        return L4Tracker.builder().config(config).listener(log -> {
            logs.add(log);
            kept.add(lend ? log.packets().copy() : log.packets());
            if (lend) {
                lentOnes.add(log.packets());
            }
        }).build();
    }

    /** The series' rows as text, one line per packet, every column. */
    static String rows(PacketSeries s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.size(); i++) {
            b.append(s.isTx(i)).append(' ').append(s.srcMacId(i)).append(' ').append(s.dstMacId(i)).append(' ')
                    .append(s.flags(i)).append(' ').append(s.seq(i)).append(' ').append(s.ack(i)).append(' ')
                    .append(s.payloadSize(i)).append(' ').append(s.window(i)).append(' ').append(s.tsOffset(i))
                    .append(' ').append(s.analysis(i)).append(' ').append(s.ackRttNanos(i)).append('\n');
        }
        return b.toString();
    }

    @Test
    void lentSeriesCopiedInTheCallEqualOwnedSeriesOnTheCorpus() throws Exception {
        long packets = 0;
        List<Path> files = CorpusCaptures.allWithDemo();
        for (Path file : files) {
            if (CorpusCaptures.NOT_DECODED.containsKey(file.getFileName().toString())) {
                continue;
            }
            List<L4Log> owned = new ArrayList<>();
            List<PacketSeries> ownedSeries = new ArrayList<>();
            List<L4Log> lent = new ArrayList<>();
            List<PacketSeries> lentCopies = new ArrayList<>();
            List<PacketSeries> lentOnes = new ArrayList<>();
            Replay.replay(tracker(false, owned, ownedSeries, null), file, 0, true);
            Replay.replay(tracker(true, lent, lentCopies, lentOnes), file, 0, true);
            assertEquals(owned.size(), lent.size(), file + ": records");
            for (int i = 0; i < owned.size(); i++) {
                L4Log a = owned.get(i);
                L4Log b = lent.get(i);
                assertEquals(a.srcIp() + a.srcPort() + a.dstIp() + a.dstPort() + a.chunkId() + a.txPackets(),
                        b.srcIp() + b.srcPort() + b.dstIp() + b.dstPort() + b.chunkId() + b.txPackets(),
                        file + " record " + i);
                assertEquals(rows(ownedSeries.get(i)), rows(lentCopies.get(i)), file + " record " + i + ": series");
                packets += a.packets().size();
            }
            for (PacketSeries s : lentOnes) {
                if (s.size() > 0) {
                    assertThrows(IllegalStateException.class, () -> s.seq(0), "a lent series after its call");
                }
            }
        }
        System.out.println("[lend series] " + files.size() + " captures, " + packets + " packets compared");
        assertTrue(packets > 1500, "packets compared: " + packets);
    }
}
