package io.netsieve.core.io;

import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.ExternalCommand;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every capture of the shared corpus is read by our reader and by tshark; packet count, captured length, wire
 * length and the nanosecond timestamp of every packet must agree.
 */
class CaptureFileReaderCorpusTest {

    static List<Path> corpusCaptures() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Prerequisites.tcpdumpCorpus(), Prerequisites.libpcapCorpus().resolve("filter"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                        .sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() >= 90, "expected the whole corpus, found " + files.size() + " captures");
        return files;
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusCaptureMatchesTshark() throws IOException {
        Prerequisites.requireCommand("tshark");
        return corpusCaptures().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> compare(f)));
    }

    private static void compare(Path file) throws Exception {
        Tshark.Result expected = Tshark.fields(file, List.of("frame.cap_len", "frame.len", "frame.time_epoch"));
        List<long[]> ours = new ArrayList<>();
        CaptureFileException damage = null;
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                ours.add(new long[] {view.captureLength(), view.wireLength(), view.timestampNanos()});
            }
        } catch (CaptureFileException e) {
            damage = e;
        }
        if (expected.error() != null && expected.error().contains("unknown or unsupported")) {
            // tshark cannot open some link types (DSA, Broadcom tags): libpcap's tcpdump counts the packets instead.
            assertEquals(null, damage == null ? null : damage.getMessage(), "tcpdump reads " + file);
            String count = ExternalCommand.run(60, "tcpdump", "--count", "-r", file.toString());
            assertTrue(count.strip().endsWith(ours.size() + " packets"), "tcpdump says " + count.strip()
                    + ", we read " + ours.size());
            return;
        }
        if (expected.error() != null) {
            // tshark stopped on a damaged file: we must stop there too, with the file and offset named.
            assertNotNull(damage, "tshark failed (" + expected.error().strip() + ") but we read the whole file");
        } else if (damage != null) {
            fail("tshark reads " + file + " fully but we stopped: " + damage.getMessage());
        }
        assertEquals(expected.rows().size(), ours.size(), "packet count of " + file);
        for (int i = 0; i < ours.size(); i++) {
            String[] row = expected.rows().get(i);
            long[] got = ours.get(i);
            assertEquals(Long.parseLong(row[0]), got[0], "caplen of packet " + (i + 1));
            // A record whose captured length exceeds its original length (crafted files) gets wire length =
            // captured length: PacketView keeps wireLength >= captureLength; tshark shows the raw field.
            assertEquals(Math.max(Long.parseLong(row[0]), Long.parseLong(row[1])), got[1],
                    "wire length of packet " + (i + 1));
            assertEquals(Tshark.epochNanos(row[2]), got[2], "timestamp of packet " + (i + 1));
        }
    }
}
