package io.netsieve.core.io;

import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged and invalid capture files: clear errors naming the file and offset, never a silent stop. */
class CaptureFileRejectTest {

    /** libpcap's savefile reject tests (filter-reject.tsv rows with a savefile): we must refuse them at open. */
    @TestFactory
    Stream<DynamicTest> libpcapSavefileRejects() throws IOException {
        Path corpus = Prerequisites.libpcapCorpus();
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(corpus.resolve("filter-reject.tsv"), StandardCharsets.UTF_8)) {
            String[] cols = line.split("\t", -1);
            if (line.startsWith("#") || cols.length < 7 || cols[3].isEmpty()) {
                continue;
            }
            Path file = corpus.resolve("savefile-reject").resolve(cols[3]);
            String expected = cols[6].replace("Failed opening: ", "");
            tests.add(DynamicTest.dynamicTest(cols[0], () -> {
                CaptureFileException e = assertThrows(CaptureFileException.class, () -> CaptureFiles.open(file));
                assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                if (expected.startsWith("block total length in header")) {
                    // libpcap skips the trailer check of the section header and trips on the next block's;
                    // we check every block, so we report the section header's own length (52, not 32).
                    assertTrue(e.getMessage().endsWith("and trailer 808464432 don't match"), e.getMessage());
                } else {
                    assertTrue(e.getMessage().endsWith(expected), e.getMessage() + " should end with " + expected);
                }
            }));
        }
        assertEquals(6, tests.size(), "savefile reject rows in filter-reject.tsv");
        return tests.stream();
    }

    @Test
    void truncatedPcapDeliversEveryWholePacketThenNamesTheOffset(@TempDir Path tmp) throws IOException {
        Path source = Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap");
        byte[] bytes = Files.readAllBytes(source);
        // Offsets of each record, computed from the file itself.
        List<Integer> recordStarts = new ArrayList<>();
        int pos = 24;
        while (pos < bytes.length) {
            recordStarts.add(pos);
            int caplen = (bytes[pos + 8] & 0xFF) | (bytes[pos + 9] & 0xFF) << 8 | (bytes[pos + 10] & 0xFF) << 16
                    | (bytes[pos + 11] & 0xFF) << 24;
            pos += 16 + caplen;
        }
        assertEquals(10, recordStarts.size());
        int brokenRecord = 6;
        int cut = recordStarts.get(brokenRecord) + 16 + 5; // header intact, data cut short
        Path truncated = tmp.resolve("truncated.pcap");
        Files.write(truncated, Arrays.copyOf(bytes, cut));

        List<Integer> delivered = new ArrayList<>();
        CaptureFileException e;
        try (CaptureFileReader reader = CaptureFiles.open(truncated)) {
            PacketView view = new PacketView();
            e = assertThrows(CaptureFileException.class, () -> {
                while (reader.next(view)) {
                    delivered.add(view.captureLength());
                }
            });
        }
        assertEquals(brokenRecord, delivered.size(), "every packet before the damage is delivered");
        assertEquals(recordStarts.get(brokenRecord).longValue(), e.byteOffset());
        assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("truncated record"),
                e.getMessage());

        // Cut inside a record header.
        Path cutHeader = tmp.resolve("cut-header.pcap");
        Files.write(cutHeader, Arrays.copyOf(bytes, recordStarts.get(3) + 7));
        try (CaptureFileReader reader = CaptureFiles.open(cutHeader)) {
            PacketView view = new PacketView();
            int n = 0;
            while (true) {
                try {
                    if (!reader.next(view)) break;
                    n++;
                } catch (CaptureFileException ex) {
                    assertEquals(recordStarts.get(3).longValue(), ex.byteOffset());
                    assertTrue(ex.getMessage().contains("truncated record header"), ex.getMessage());
                    break;
                }
            }
            assertEquals(3, n);
        }
    }

    @Test
    void truncatedPcapngNamesTheBlockOffset(@TempDir Path tmp) throws IOException {
        Path source = Prerequisites.tcpdumpCorpus().resolve("bgp-role.pcapng");
        byte[] bytes = Files.readAllBytes(source);
        Path truncated = tmp.resolve("t.pcapng");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 10));
        long packets = 0;
        try (CaptureFileReader reader = CaptureFiles.open(truncated)) {
            PacketView view = new PacketView();
            CaptureFileException e = assertThrows(CaptureFileException.class, () -> {
                while (reader.next(view)) {
                    // drain
                }
            });
            packets = reader.packetsRead();
            assertTrue(e.getMessage().contains("truncated block"), e.getMessage());
            assertTrue(e.byteOffset() > 0 && e.byteOffset() < bytes.length - 10);
        }
        long full = 0;
        try (CaptureFileReader reader = CaptureFiles.open(source)) {
            PacketView view = new PacketView();
            while (reader.next(view)) full++;
        }
        assertEquals(full - 1, packets, "all packets but the cut one are delivered");
    }

    @Test
    void notACaptureFile(@TempDir Path tmp) throws IOException {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "hello, this is not a capture");
        CaptureFileException e = assertThrows(CaptureFileException.class, () -> CaptureFiles.open(text));
        assertTrue(e.getMessage().contains("not a pcap or pcapng file"), e.getMessage());
        Path empty = tmp.resolve("empty.pcap");
        Files.write(empty, new byte[0]);
        assertThrows(CaptureFileException.class, () -> CaptureFiles.open(empty));
    }

    @Test
    void absurdRecordLengthIsCorruptionNotAnAllocation(@TempDir Path tmp) throws IOException {
        byte[] bytes = Files.readAllBytes(Prerequisites.tcpdumpCorpus().resolve("print-flags.pcap"));
        // First record's captured length := 0x7fffffff.
        bytes[24 + 8] = (byte) 0xFF;
        bytes[24 + 9] = (byte) 0xFF;
        bytes[24 + 10] = (byte) 0xFF;
        bytes[24 + 11] = (byte) 0x7F;
        Path bad = tmp.resolve("bad.pcap");
        Files.write(bad, bytes);
        try (CaptureFileReader reader = CaptureFiles.open(bad)) {
            CaptureFileException e = assertThrows(CaptureFileException.class, () -> reader.next(new PacketView()));
            assertEquals(24, e.byteOffset());
            assertTrue(e.getMessage().contains("exceeds the maximum"), e.getMessage());
        }
    }
}
