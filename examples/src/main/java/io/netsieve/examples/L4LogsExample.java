package io.netsieve.examples;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Tracker;

import java.io.IOException;
import java.nio.file.Path;

/**
 * L4 logs alone ({@code netsieve-l4}): hand a capture's frames to an {@link L4Tracker} and rebuild its TCP
 * connections and UDP flows into {@code bpf_net_l4_log} records, one line each. {@link L4Tracker#onFrame} reads the
 * headers L4 needs straight from plain Ethernet/IPv4/TCP frames and decodes any other frame in full, so an L4-only
 * consumer needs no decoder of its own.
 *
 * <pre>java -cp netsieve-cli.jar io.netsieve.examples.L4LogsExample FILE</pre>
 *
 * Each line: protocol, client -> server (when the direction is known, else src -> dst), packets and bytes each way,
 * Zeek's conn_state and history, the chunk, and the Community ID.
 */
public final class L4LogsExample {
    private L4LogsExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: L4LogsExample FILE");
            System.exit(2);
        }
        Nic nic = CaptureReplay.nicOf(Path.of(args[0]));
        // the listener runs on this thread, when a chunk of a connection closes (256 packets, 30 s, idle, end)
        L4Tracker tracker = L4Tracker.builder().nics(id -> nic).listener(L4LogsExample::print).build();
        try (CaptureFileReader reader = CaptureFiles.open(Path.of(args[0]), 0)) {
            PacketView frame = new PacketView(); // reused: nothing is allocated per packet
            while (reader.next(frame)) {
                tracker.onFrame(frame);
            }
        }
        tracker.flush(); // the end of the capture ends every open connection: its last chunk is written
        System.out.println(tracker.stats());
    }

    private static void print(L4Log log) {
        boolean known = log.clientIp() != null && !log.clientIp().isEmpty();
        String from = known ? log.clientIp() + ":" + log.clientPort() : log.srcIp() + ":" + log.srcPort();
        String to = known ? log.serverIp() + ":" + log.serverPort() : log.dstIp() + ":" + log.dstPort();
        System.out.printf("%s %s -> %s tx %d pkts/%d B rx %d pkts/%d B %s %s chunk %d%s %s%n", log.l4Proto(), from, to,
                log.txPackets(), log.txBytes(), log.rxPackets(), log.rxBytes(), log.connState(), log.history(),
                log.chunkId(), log.lastChunk() ? " (last)" : "", log.communityId());
    }
}
