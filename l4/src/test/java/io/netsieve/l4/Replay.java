package io.netsieve.l4;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.nio.file.Path;

/** Test helper: a capture file decoded packet by packet into an {@link L4Tracker}, then flushed, as a pipeline does. */
public final class Replay {
    private Replay() {
    }

    /** Every packet of {@code file} (capture point 0), then {@link L4Tracker#flush()}; a damaged file throws. */
    public static void replay(L4Tracker tracker, Path file) throws IOException {
        replay(tracker, file, 0, false);
    }

    /**
     * Every packet of {@code file} as capture point {@code capturePointId}, then {@link L4Tracker#flush()}. With
     * {@code tolerateDamage} a damaged or truncated file ends the replay where it breaks (what was read counts),
     * as tshark does.
     */
    public static void replay(L4Tracker tracker, Path file, int capturePointId, boolean tolerateDamage)
            throws IOException {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(file, capturePointId)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                decoder.decode(view, decoded);
                tracker.onPacket(decoded);
            }
        } catch (CaptureFileException e) {
            if (!tolerateDamage) {
                throw e;
            }
        }
        tracker.flush();
    }
}
