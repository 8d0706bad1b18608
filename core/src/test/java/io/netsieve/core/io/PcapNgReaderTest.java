package io.netsieve.core.io;

import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hand-built files exercise what the corpus lacks: several sections of different byte order, {@code if_tsresol}
 * powers of two and ten, {@code if_tsoffset}, simple and obsolete packet blocks, name-resolution and unknown blocks,
 * big-endian and nanosecond pcap. tshark reads the same files as the oracle.
 */
class PcapNgReaderTest {

    /** Builds blocks in a chosen byte order. */
    static final class Blocks {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteOrder order;

        Blocks(ByteOrder order) {
            this.order = order;
        }

        void block(int type, byte[] body) {
            int length = 12 + body.length;
            ByteBuffer b = ByteBuffer.allocate(length).order(order);
            b.putInt(type).putInt(length).put(body).putInt(length);
            out.writeBytes(b.array());
        }

        ByteBuffer body(int size) {
            return ByteBuffer.allocate(size).order(order);
        }

        void section() {
            block(0x0A0D0D0A, body(16).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1).array());
        }

        void iface(int linkType, int tsresol, long tsOffsetSeconds, String name) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            int nameOpt = 4 + ((n.length + 3) & ~3);
            ByteBuffer b = body(8 + nameOpt + 8 + (tsOffsetSeconds != 0 ? 12 : 0) + 4);
            b.putShort((short) linkType).putShort((short) 0).putInt(0);
            b.putShort((short) 2).putShort((short) n.length).put(n);
            b.position(8 + nameOpt);
            b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
            if (tsOffsetSeconds != 0) {
                b.putShort((short) 14).putShort((short) 8).putLong(tsOffsetSeconds);
            }
            b.putInt(0);
            block(1, b.array());
        }

        void epb(int iface, long ts, byte[] data) {
            ByteBuffer b = body(20 + ((data.length + 3) & ~3));
            b.putInt(iface).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(data.length).putInt(data.length + 4);
            b.put(data);
            block(6, b.array());
        }

        void spb(byte[] data) {
            ByteBuffer b = body(4 + ((data.length + 3) & ~3));
            b.putInt(data.length).put(data);
            block(3, b.array());
        }

        void opb(int iface, long ts, byte[] data) {
            ByteBuffer b = body(20 + ((data.length + 3) & ~3));
            b.putShort((short) iface).putShort((short) 0).putInt((int) (ts >>> 32)).putInt((int) ts)
                    .putInt(data.length).putInt(data.length);
            b.put(data);
            block(2, b.array());
        }
    }

    static byte[] frame(int marker) {
        byte[] f = new byte[60];
        for (int i = 0; i < 12; i++) f[i] = (byte) (i + 1);
        f[12] = 0x08; // IPv4 ethertype; the rest is padding with a marker
        f[20] = (byte) marker;
        return f;
    }

    @Test
    void sectionsByteOrdersResolutionsAndBlockKinds(@TempDir Path tmp) throws Exception {
        Blocks b = new Blocks(ByteOrder.LITTLE_ENDIAN);
        b.section();
        b.iface(1, 6, 0, "eth0");                       // microseconds
        b.iface(1, 0x80 | 20, 0, "eth1");               // 2^-20 s
        b.block(4, new byte[] {0, 0, 0, 0});            // name resolution block: skipped
        b.epb(0, 1_700_000_000_123_456L, frame(1));
        b.epb(1, (1_700_000_001L << 20) | (1 << 19), frame(2)); // .5 s
        b.block(0x0BAD, new byte[8]);                   // unknown block: skipped
        b.opb(0, 1_700_000_002_000_001L, frame(3));
        b.order = ByteOrder.BIG_ENDIAN;
        b.section();
        b.iface(1, 9, 100, "eth2");                     // nanoseconds, +100 s offset
        b.epb(0, 1_700_000_003_000_000_007L, frame(4));
        b.spb(frame(5));
        Path file = tmp.resolve("sections.pcapng");
        Files.write(file, b.out.toByteArray());

        List<long[]> got = new ArrayList<>();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            assertEquals("pcapng", reader.format());
            PacketView view = new PacketView();
            while (reader.next(view)) {
                got.add(new long[] {view.u8(20), view.timestampNanos(), view.interfaceId()});
            }
            assertEquals(1, ((PcapNgReader) reader).section());
            assertEquals("eth2", reader.interfaces().get(0).name());
        }
        assertEquals(5, got.size());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), got.stream().map(r -> r[0]).toList());
        assertEquals(1_700_000_000_123_456_000L, got.get(0)[1]);
        assertEquals(1_700_000_001_500_000_000L, got.get(1)[1]);
        assertEquals(1, got.get(1)[2]);
        assertEquals(1_700_000_002_000_001_000L, got.get(2)[1]);
        assertEquals(1_700_000_103_000_000_007L, got.get(3)[1]);
        assertEquals(0L, got.get(4)[1], "simple packet blocks carry no timestamp");

        Prerequisites.requireCommand("tshark");
        // tshark shows the unknown block as a record of its own; keep the Ethernet frames only.
        Tshark.Result t = Tshark.fields(file, List.of("frame.time_epoch"), "-Y", "eth");
        assertEquals(null, t.error());
        assertEquals(5, t.rows().size(), () -> t.rows().stream().map(r -> String.join("|", r)).toList().toString());
        for (int i = 0; i < 4; i++) {
            assertEquals(got.get(i)[1], Tshark.epochNanos(t.rows().get(i)[0]), "packet " + (i + 1));
        }
    }

    @Test
    void bigEndianAndNanosecondPcap(@TempDir Path tmp) throws Exception {
        for (boolean nanos : new boolean[] {false, true}) {
            ByteBuffer b = ByteBuffer.allocate(24 + 2 * (16 + 60)).order(ByteOrder.BIG_ENDIAN);
            b.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(65535).putInt(1);
            for (int i = 0; i < 2; i++) {
                b.putInt(1_700_000_000 + i).putInt(nanos ? 123_456_789 : 123_456).putInt(60).putInt(1514)
                        .put(frame(i));
            }
            Path file = tmp.resolve(nanos ? "be-ns.pcap" : "be-us.pcap");
            Files.write(file, b.array());
            try (CaptureFileReader reader = CaptureFiles.open(file)) {
                PacketView view = new PacketView();
                for (int i = 0; i < 2; i++) {
                    assertEquals(true, reader.next(view));
                    assertEquals((1_700_000_000L + i) * 1_000_000_000L + (nanos ? 123_456_789 : 123_456_000),
                            view.timestampNanos());
                    assertEquals(1514, view.wireLength());
                    assertEquals(60, view.captureLength());
                    assertEquals(i, view.u8(20));
                    assertEquals(true, view.isTruncated());
                }
                assertEquals(false, reader.next(view));
                assertEquals(nanos, ((PcapReader) reader).isNanosecond());
            }
            Prerequisites.requireCommand("tshark");
            Tshark.Result t = Tshark.fields(file, List.of("frame.time_epoch"));
            assertEquals((1_700_000_000L) * 1_000_000_000L + (nanos ? 123_456_789 : 123_456_000),
                    Tshark.epochNanos(t.rows().get(0)[0]));
        }
    }
}
