package io.netsieve.examples;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Tracker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What the examples share: a capture file's NIC, and (the L7 example) its packets decoded into an L4 tracker. */
final class CaptureReplay {
    private CaptureReplay() {
    }

    /**
     * The capture point a plain file stands for: an unnamed NIC (a manifest, {@code CaptureManifest}, gives the
     * real metadata: name, addresses and MAC decide tx/rx and direction).
     */
    static Nic nicOf(Path file) {
        return CaptureSet.ofFiles(List.of(file)).get(0).nic();
    }

    /** Decodes every packet of {@code file} into {@code tracker}, then ends its connections ({@code flush}). */
    static void replay(Path file, L4Tracker tracker) throws IOException {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket(); // reused: nothing is allocated per packet
        PacketView view = new PacketView();
        try (CaptureFileReader reader = CaptureFiles.open(file, 0)) {
            while (reader.next(view)) {
                DecodeOutcome outcome = decoder.decode(view, decoded);
                if (outcome == DecodeOutcome.DECODED || outcome == DecodeOutcome.TRUNCATED) {
                    tracker.onPacket(decoded);
                }
            }
        }
        tracker.flush(); // the end of the capture ends every open connection: its last chunk is written
    }
}
