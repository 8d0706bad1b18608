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

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    /**
     * Every record through a fresh correlator, flushed; checks that each record ends joined (none open, none late,
     * no listener failure).
     */
    public static List<ExchangePath> correlate(List<Observed> records) {
        List<ExchangePath> paths = new ArrayList<>();
        ExchangeCorrelator c = ExchangeCorrelator.builder().listener(paths::add).build();
        for (Observed o : records) {
            c.offer(o.log(), o.nic());
        }
        c.flush();
        CorrelatorStats s = c.stats();
        assertEquals(s.offered(), s.joined() + s.late() + s.open(), s.toString());
        assertEquals(0, s.open());
        assertEquals(0, s.late());
        assertEquals(0, s.listenerFailures());
        return paths;
    }

    /** A capture point's name as the lab's topology names it: pod/nic for pods, host/nic otherwise. */
    public static String name(Nic nic) {
        return (nic.podName().isEmpty() ? nic.host() : nic.podName()) + "/" + nic.nicName();
    }

    /** The names of a path's hops, in order. */
    public static List<String> names(ExchangePath p) {
        return p.hops().stream().map(h -> name(h.nic())).toList();
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
