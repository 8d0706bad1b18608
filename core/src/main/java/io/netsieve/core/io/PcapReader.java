package io.netsieve.core.io;

import io.netsieve.core.io.internal.ChannelReadBuffer;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the classic pcap format: the four magics (microsecond and nanosecond timestamps, either byte order),
 * version 2.x up to 2.4, and the FCS bits of the link-type field. Checks the file header as libpcap does (same
 * messages for an unsupported version or a non-zero reserved link-type field).
 */
public final class PcapReader extends CaptureFileReader {
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    static final int MAGIC_NANOS = 0xA1B23C4D;
    static final int MAGIC_MICROS_SWAPPED = 0xD4C3B2A1;
    static final int MAGIC_NANOS_SWAPPED = 0x4D3CB2A1;
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    /** Bits 16..25 of the link-type field are reserved and must be zero (libpcap's LT_RESERVED1). */
    private static final int LINKTYPE_RESERVED_MASK = 0x03FF0000;

    private final int linkType;
    private final long unitsPerSecond;
    private final List<CaptureInterface> interfaces;

    PcapReader(ChannelReadBuffer in, Path file, String name, int capturePointId) throws IOException {
        super(in, file, name, capturePointId);
        if (!in.ensure(FILE_HEADER)) {
            throw corrupt(0, "file too short for a pcap file header (" + in.available() + " of 24 bytes)");
        }
        int magic = ((in.u8(0) << 24) | (in.u8(1) << 16) | (in.u8(2) << 8) | in.u8(3));
        switch (magic) {
            case MAGIC_MICROS -> { in.order(ByteOrder.BIG_ENDIAN); unitsPerSecond = 1_000_000L; }
            case MAGIC_NANOS -> { in.order(ByteOrder.BIG_ENDIAN); unitsPerSecond = 1_000_000_000L; }
            case MAGIC_MICROS_SWAPPED -> { in.order(ByteOrder.LITTLE_ENDIAN); unitsPerSecond = 1_000_000L; }
            case MAGIC_NANOS_SWAPPED -> { in.order(ByteOrder.LITTLE_ENDIAN); unitsPerSecond = 1_000_000_000L; }
            default -> throw corrupt(0, String.format("not a pcap file (magic 0x%08x)", magic));
        }
        int major = in.u16(4);
        int minor = in.u16(6);
        if (major != 2 || minor > 4) {
            throw corrupt(4, "unsupported pcap savefile version " + major + "." + minor);
        }
        int snapLength = in.i32(16);
        int network = in.i32(20);
        if ((network & LINKTYPE_RESERVED_MASK) != 0) {
            throw corrupt(20, String.format("savefile linktype reserved field not zero (0x%08x)",
                    network & LINKTYPE_RESERVED_MASK));
        }
        linkType = network & 0xFFFF;
        interfaces = List.of(new CaptureInterface(0, 0, linkType, snapLength, "", "", unitsPerSecond));
        in.skip(FILE_HEADER);
    }

    @Override
    public boolean next(PacketView view) throws IOException {
        long offset = in.fileOffset();
        if (!in.ensure(RECORD_HEADER)) {
            if (in.available() == 0) {
                return false;
            }
            throw corrupt(offset, "truncated record header (" + in.available() + " of 16 bytes) after "
                    + packets + " packets");
        }
        long captured = in.u32(8);
        long original = in.u32(12);
        if (captured > MAX_RECORD_LENGTH) {
            throw corrupt(offset, "record captured length " + captured + " exceeds the maximum of "
                    + MAX_RECORD_LENGTH + " (corrupt record header)");
        }
        int caplen = (int) captured;
        if (!in.ensure(RECORD_HEADER + caplen)) {
            throw corrupt(offset, "truncated record: " + caplen + " captured bytes declared, only "
                    + (in.available() - RECORD_HEADER) + " present");
        }
        long seconds = in.u32(0);
        long fraction = in.u32(4);
        long nanos = seconds * 1_000_000_000L + (unitsPerSecond == 1_000_000L ? fraction * 1_000L : fraction);
        int wire = original > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) original;
        view.wrap(in.buffer(), in.position() + RECORD_HEADER, caplen, wire, nanos, linkType, capturePointId);
        in.skip(RECORD_HEADER + caplen);
        packets++;
        return true;
    }

    @Override
    public List<CaptureInterface> interfaces() {
        return interfaces;
    }

    @Override
    public String format() {
        return "pcap";
    }

    /** True when the file has nanosecond timestamps. */
    public boolean isNanosecond() {
        return unitsPerSecond == 1_000_000_000L;
    }
}
