package io.netsieve.topology;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Tracker;

import java.io.IOException;

/** Test helper: every packet of a capture point's file into an L4 tracker, then a flush. */
public final class DemoReplay {
    private DemoReplay() {
    }

    public static void replay(CapturePoint point, L4Tracker l4) throws IOException {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(point.file(), point.id())) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                decoder.decode(view, d);
                l4.onPacket(d);
            }
        }
        l4.flush();
    }
}
