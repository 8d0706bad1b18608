package io.netsieve.l7;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Tracker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Test helper: a capture file through L4 and L7 trackers, the L7 records in emission order and the counters. */
public final class Captures {
    public record Run(List<L7Log> logs, L7Stats stats) {
    }

    private Captures() {
    }

    public static Run run(Path file) throws IOException {
        return run(file, L7Config.defaults(), L7Registry.defaults());
    }

    public static Run run(Path file, L7Config config, L7Registry registry) throws IOException {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker l7 = L7Tracker.builder().config(config).registry(registry).listener(logs::add).build();
        L4Tracker l4 = L4Tracker.builder().listener(log -> { }).streams(l7.streams()).datagrams(l7.datagrams())
                .build();
        replay(file, l4, d -> false);
        return new Run(logs, l7.stats());
    }

    /** Decodes every packet of {@code file} into {@code l4}, except those {@code drop} matches, then flushes it. */
    public static void replay(Path file, L4Tracker l4, Predicate<DecodedPacket> drop) throws IOException {
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                decoder.decode(view, d);
                if (!drop.test(d)) {
                    l4.onPacket(d);
                }
            }
        }
        l4.flush();
    }
}
