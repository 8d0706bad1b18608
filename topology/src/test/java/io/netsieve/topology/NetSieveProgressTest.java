package io.netsieve.topology;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.io.PcapWriter;
import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieve.Builder#onProgress}: per capture point a call at 0 when the file opens, calls in between on long
 * files with the reader's growing offset, and a last call at the file's size — or, for a damaged file, at the offset
 * of the damage; with two pipeline threads too.
 */
class NetSieveProgressTest {

    /** The calls a run made, per capture point: {bytesRead, fileBytes}, in order. */
    private static Map<CapturePoint, List<long[]>> progressOf(NetSieve.Builder b) {
        Map<CapturePoint, List<long[]>> calls = new ConcurrentHashMap<>();
        b.onProgress((point, read, size) -> calls.computeIfAbsent(point, k -> new ArrayList<>())
                .add(new long[] {read, size})).build().run();
        return calls;
    }

    @Test
    void everyFileGoesFromZeroToItsSize() throws IOException {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        Map<CapturePoint, List<long[]>> calls = progressOf(NetSieve.builder().captureSet(set).threads(2));
        assertEquals(set.size(), calls.size());
        for (CapturePoint p : set.points()) {
            List<long[]> c = calls.get(p);
            long size = Files.size(p.file());
            assertTrue(c.size() >= 2, p.file().toString());
            assertEquals(List.of(0L, size), List.of(c.get(0)[0], c.get(0)[1]), p.file() + ": first call");
            assertEquals(List.of(size, size), List.of(c.get(c.size() - 1)[0], c.get(c.size() - 1)[1]),
                    p.file() + ": last call");
        }
    }

    /** 10 000 packets (print-flags.pcap's ten, a thousand times): calls in between, at growing offsets. */
    @Test
    void aLongFileReportsAsItGoes(@TempDir Path tmp) throws IOException {
        Path src = Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap");
        Path big = tmp.resolve("big.pcap");
        try (CaptureFileReader r = CaptureFiles.open(src, 0); PcapWriter w = PcapWriter.create(big, r.linkType(),
                65535, false)) {
            PacketView v = new PacketView();
            while (r.next(v)) {
                w.write(v);
            }
        }
        byte[] one = Files.readAllBytes(big);
        byte[] body = Arrays.copyOfRange(one, 24, one.length);
        try (var out = Files.newOutputStream(big)) {
            out.write(one, 0, 24);
            for (int i = 0; i < 1000; i++) {
                out.write(body);
            }
        }
        List<long[]> c = progressOf(NetSieve.builder().files(List.of(big))).values().iterator().next();
        long size = Files.size(big);
        assertEquals(1 + 10_000 / 4096 + 1, c.size(), "open, every 4096 packets, end");
        long previous = 0;
        for (int i = 1; i < c.size() - 1; i++) {
            assertTrue(c.get(i)[0] > previous && c.get(i)[0] < size, "growing offsets inside the file");
            previous = c.get(i)[0];
            assertEquals(size, c.get(i)[1]);
        }
        // the 4096th packet (the 6th of the 410th copy) ends where the second call says
        java.nio.ByteBuffer head = java.nio.ByteBuffer.wrap(one);
        if (head.getInt(0) != 0xa1b2c3d4) {
            head.order(java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        long end = 24 + 409L * body.length;
        for (int i = 0, at = 24; i < 6; i++) {
            int record = 16 + head.getInt(at + 8);
            end += record;
            at += record;
        }
        assertEquals(end, c.get(1)[0], "the offset after the 4096th packet");
        assertEquals(size, c.get(c.size() - 1)[0]);
    }

    @Test
    void aDamagedFileEndsAtTheDamage(@TempDir Path tmp) throws IOException {
        byte[] bytes = Files.readAllBytes(Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap"));
        Path cut = tmp.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 3));
        NetSieve.Builder b = NetSieve.builder().files(List.of(cut));
        Map<CapturePoint, List<long[]>> calls = new ConcurrentHashMap<>();
        RunSummary run = b.onProgress((point, read, size) -> calls.computeIfAbsent(point, k -> new ArrayList<>())
                .add(new long[] {read, size})).build().run();
        String error = run.errors().values().iterator().next();
        Matcher m = Pattern.compile("at byte offset (\\d+)").matcher(error);
        assertTrue(m.find(), error);
        List<long[]> c = calls.values().iterator().next();
        assertEquals(Long.parseLong(m.group(1)), c.get(c.size() - 1)[0], "the last call: where the damage is");
        assertEquals(bytes.length - 3, c.get(c.size() - 1)[1]);
    }
}
