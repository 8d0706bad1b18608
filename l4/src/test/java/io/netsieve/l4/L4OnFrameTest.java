package io.netsieve.l4;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.PacketView;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link L4Tracker#onFrame} (frames of the common kind read without the decoder's views, the rest decoded) gives
 * the same records, row by row, and the same counters as decoding every frame and calling
 * {@link L4Tracker#onPacket}: every corpus and demo capture, under configurations that reach chunking, timeouts,
 * eviction, lent series, and a stream handler factory (which turns the direct reading off).
 */
class L4OnFrameTest {
    private static final Map<String, L4Config> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("defaults", L4Config.defaults());
        CONFIGS.put("chunkMaxPackets 2", L4Config.builder().chunkMaxPackets(2).build());
        CONFIGS.put("idle timeouts", L4Config.builder().chunkIdle(Duration.ofMillis(200))
                .tcpIdleTimeout(Duration.ofSeconds(3)).timeWaitTimeout(Duration.ofSeconds(1)).build());
        CONFIGS.put("maxFlows 3", L4Config.builder().maxFlows(3).build());
        CONFIGS.put("maxFlows 16", L4Config.builder().maxFlows(16).build());
        CONFIGS.put("lent", L4Config.builder().lendPacketSeries(true).build());
    }

    private record Run(List<String> records, L4Stats stats) {
    }

    private static Run run(L4Config config, boolean streams, boolean frames, Path file) throws IOException {
        TextRecorder r = new TextRecorder();
        L4Tracker.Builder b = L4Tracker.builder().config(config).listener(r);
        if (streams) {
            b.streams(info -> (direction, data, offset, length, seq, ts) -> { });
        }
        L4Tracker tracker = b.build();
        if (frames) {
            try (CaptureFileReader reader = CaptureFiles.open(file, 0)) {
                PacketView view = new PacketView();
                while (reader.next(view)) {
                    tracker.onFrame(view);
                }
            } catch (CaptureFileException e) {
                // a damaged file ends where it breaks, as Replay does with tolerateDamage
            }
            tracker.flush();
        } else {
            Replay.replay(tracker, file, 0, true);
        }
        return new Run(r.records, tracker.stats());
    }

    @Test
    void sameRecordsAndCountersAsDecodingEveryFrame() throws IOException {
        long records = 0;
        for (Path file : CorpusCaptures.allWithDemo()) {
            for (Map.Entry<String, L4Config> c : CONFIGS.entrySet()) {
                for (boolean streams : new boolean[] {false, true}) {
                    if (streams && !c.getKey().equals("defaults")) {
                        continue;
                    }
                    String where = file.getFileName() + ", " + c.getKey() + (streams ? ", streams" : "");
                    Run decoded = run(c.getValue(), streams, false, file);
                    Run frames = run(c.getValue(), streams, true, file);
                    assertEquals(decoded.records(), frames.records(), where);
                    assertEquals(decoded.stats(), frames.stats(), where);
                    records += decoded.records().size();
                }
            }
        }
        System.out.println("onFrame: " + records + " records identical to onPacket's");
        assertTrue(records > 2_000, "records compared: " + records);
    }
}
