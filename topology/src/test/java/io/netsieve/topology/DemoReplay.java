package io.netsieve.topology;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Tracker;

import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.nic.Nic;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Tracker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helper: every packet of a capture point's file into an L4 tracker, then a flush. */
public final class DemoReplay {
    private DemoReplay() {
    }

    /** An L7 record and the capture point that wrote it. */
    public record Observed(L7Log log, Nic nic) {
    }

    /** The bundled demo lab set's manifest. */
    public static final Path DEMO = Path.of("../examples/src/main/resources/demo/captures.tsv");

    /** Every L7 record of every capture point of {@code set}, capture point after capture point. */
    public static List<Observed> l7Records(CaptureSet set) throws IOException {
        List<Observed> out = new ArrayList<>();
        for (CapturePoint point : set.points()) {
            L7Tracker l7 = L7Tracker.builder().listener(log -> out.add(new Observed(log, point.nic()))).build();
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(log -> { })
                    .streams(l7.streams()).datagrams(l7.datagrams()).build();
            replay(point, l4);
        }
        return out;
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
