package io.netsieve.core.io;

import io.netsieve.core.io.internal.ChannelReadBuffer;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads pcapng: Section Header Blocks (byte order per section, versions 1.0 and 1.2 as libpcap accepts), Interface
 * Description Blocks (link type and snap length per interface, {@code if_name}, {@code if_description},
 * {@code if_tsresol}, {@code if_tsoffset}), Enhanced, Simple and (obsolete) Packet Blocks. Name Resolution,
 * Interface Statistics and unknown blocks are skipped. Several sections in one file are read in turn; a packet's
 * {@link PacketView#interfaceId()} is its interface id within its section.
 *
 * <p>Simple Packet Blocks carry no timestamp: their packets get timestamp 0. The direction bits of
 * {@code epb_flags}/{@code pack_flags} are passed on as {@link PacketView#direction()}.
 */
public final class PcapNgReader extends CaptureFileReader {
    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 0x00000001;
    static final int OPB = 0x00000002;
    static final int SPB = 0x00000003;
    static final int EPB = 0x00000006;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPT_END = 0;
    private static final int IF_NAME = 2;
    private static final int IF_DESCRIPTION = 3;
    private static final int IF_TSRESOL = 9;
    private static final int IF_TSOFFSET = 14;
    private static final int EPB_FLAGS = 2;

    private final List<CaptureInterface> interfaces = new ArrayList<>();
    private final List<CaptureInterface> interfacesView = Collections.unmodifiableList(interfaces);
    /** Per interface of the current section: timestamp offset in ns (from if_tsoffset). */
    private long[] tsOffsetNanos = new long[8];
    private int section = -1;

    PcapNgReader(ChannelReadBuffer in, Path file, String name, int capturePointId) throws IOException {
        super(in, file, name, capturePointId);
        // The first block must be a section header; read it now so a bad file fails at open, as with libpcap.
        if (!in.ensure(12) || in.i32(0) != SHB) {
            throw corrupt(0, "not a pcapng file (no section header block)");
        }
        readSectionHeader(0);
    }

    @Override
    public boolean next(PacketView view) throws IOException {
        while (true) {
            long offset = in.fileOffset();
            if (!in.ensure(8)) {
                if (in.available() == 0) {
                    return false;
                }
                throw corrupt(offset, "truncated block header (" + in.available() + " of 8 bytes) after "
                        + packets + " packets");
            }
            int type = in.i32(0);
            if (type == SHB) {
                if (!in.ensure(12)) {
                    throw corrupt(offset, "truncated section header block");
                }
                readSectionHeader(offset);
                continue;
            }
            int length = blockLength(offset);
            switch (type) {
                case IDB -> readInterface(offset, length);
                case EPB -> {
                    if (readEnhancedPacket(view, offset, length)) return true;
                }
                case SPB -> {
                    if (readSimplePacket(view, offset, length)) return true;
                }
                case OPB -> {
                    if (readObsoletePacket(view, offset, length)) return true;
                }
                default -> in.skip(length);
            }
        }
    }

    private void readSectionHeader(long offset) throws IOException {
        int magic = (in.u8(8) << 24) | (in.u8(9) << 16) | (in.u8(10) << 8) | in.u8(11);
        if (magic == BYTE_ORDER_MAGIC) {
            in.order(ByteOrder.BIG_ENDIAN);
        } else if (Integer.reverseBytes(magic) == BYTE_ORDER_MAGIC) {
            in.order(ByteOrder.LITTLE_ENDIAN);
        } else {
            throw corrupt(offset + 8, String.format("bad section header byte-order magic 0x%08x", magic));
        }
        int length = blockLength(offset);
        if (length < 28) {
            throw corrupt(offset, "section header block too short (" + length + " bytes)");
        }
        int major = in.u16(12);
        int minor = in.u16(14);
        if (major != 1 || (minor != 0 && minor != 2)) {
            throw corrupt(offset + 12, "unsupported pcapng savefile version " + major + "." + minor);
        }
        section++;
        interfaces.clear();
        in.skip(length);
    }

    /** Reads and checks the block length, makes the whole block available. */
    private int blockLength(long offset) throws IOException {
        long length = in.u32(4);
        if (length < 12 || (length & 3) != 0) {
            throw corrupt(offset, "invalid block total length " + length);
        }
        if (length > MAX_RECORD_LENGTH) {
            throw corrupt(offset, "block total length " + length + " exceeds the maximum of " + MAX_RECORD_LENGTH);
        }
        int len = (int) length;
        if (!in.ensure(len)) {
            throw corrupt(offset, "truncated block: " + len + " bytes declared, only " + in.available()
                    + " present after " + packets + " packets");
        }
        long trailer = in.u32(len - 4);
        if (trailer != length) {
            throw corrupt(offset, "block total length in header " + length + " and trailer " + trailer
                    + " don't match");
        }
        return len;
    }

    private void readInterface(long offset, int length) throws CaptureFileException {
        if (length < 20) {
            throw corrupt(offset, "interface description block too short (" + length + " bytes)");
        }
        int linkType = in.u16(8);
        int snapLength = in.i32(12);
        String ifName = "";
        String description = "";
        long unitsPerSecond = 1_000_000L;
        long offsetSeconds = 0;
        int pos = 16;
        int end = length - 4;
        while (pos + 4 <= end) {
            int code = in.u16(pos);
            int optLength = in.u16(pos + 2);
            if (code == OPT_END) {
                break;
            }
            if (pos + 4 + optLength > end) {
                throw corrupt(offset + pos, "option " + code + " of length " + optLength
                        + " runs past the end of its interface description block");
            }
            int value = pos + 4;
            switch (code) {
                case IF_NAME -> ifName = string(value, optLength);
                case IF_DESCRIPTION -> description = string(value, optLength);
                case IF_TSRESOL -> {
                    if (optLength >= 1) {
                        unitsPerSecond = resolution(offset + value, in.u8(value));
                    }
                }
                case IF_TSOFFSET -> {
                    if (optLength >= 8) {
                        long hi = in.u32(value);
                        long lo = in.u32(value + 4);
                        offsetSeconds = in.order() == ByteOrder.BIG_ENDIAN ? (hi << 32) | lo : (lo << 32) | hi;
                    }
                }
                default -> { }
            }
            pos = value + ((optLength + 3) & ~3);
        }
        int id = interfaces.size();
        interfaces.add(new CaptureInterface(id, section, linkType, snapLength, ifName, description, unitsPerSecond));
        if (id >= tsOffsetNanos.length) {
            tsOffsetNanos = java.util.Arrays.copyOf(tsOffsetNanos, tsOffsetNanos.length * 2);
        }
        tsOffsetNanos[id] = offsetSeconds * 1_000_000_000L;
        in.skip(length);
    }

    private long resolution(long offset, int tsresol) throws CaptureFileException {
        int exponent = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0) {
            if (exponent > 62) {
                throw corrupt(offset, "if_tsresol 2^-" + exponent + " is not supported");
            }
            return 1L << exponent;
        }
        if (exponent > 18) {
            throw corrupt(offset, "if_tsresol 10^-" + exponent + " is not supported");
        }
        long units = 1;
        for (int i = 0; i < exponent; i++) {
            units *= 10;
        }
        return units;
    }

    private String string(int index, int length) {
        int n = length;
        while (n > 0 && in.u8(index + n - 1) == 0) {
            n--; // options may be NUL-terminated
        }
        return new String(in.copy(index, n), StandardCharsets.UTF_8);
    }

    private CaptureInterface iface(long offset, long id) throws CaptureFileException {
        if (id < 0 || id >= interfaces.size()) {
            throw corrupt(offset, "packet refers to interface " + id + " but the section declares "
                    + interfaces.size());
        }
        return interfaces.get((int) id);
    }

    private boolean readEnhancedPacket(PacketView view, long offset, int length) throws IOException {
        if (length < 32) {
            throw corrupt(offset, "enhanced packet block too short (" + length + " bytes)");
        }
        long id = in.u32(8);
        CaptureInterface iface = iface(offset, id);
        long timestamp = (in.u32(12) << 32) | in.u32(16);
        long captured = in.u32(20);
        long original = in.u32(24);
        if (captured > length - 32) {
            throw corrupt(offset, "captured length " + captured + " exceeds its enhanced packet block of "
                    + length + " bytes");
        }
        int caplen = (int) captured;
        int direction = flagsDirection(28 + ((caplen + 3) & ~3), length - 4, EPB_FLAGS);
        deliver(view, iface, 28, caplen, original, timestamp, direction);
        in.skip(length);
        return true;
    }

    private boolean readObsoletePacket(PacketView view, long offset, int length) throws IOException {
        if (length < 32) {
            throw corrupt(offset, "packet block too short (" + length + " bytes)");
        }
        CaptureInterface iface = iface(offset, in.u16(8));
        long timestamp = (in.u32(12) << 32) | in.u32(16);
        long captured = in.u32(20);
        long original = in.u32(24);
        if (captured > length - 32) {
            throw corrupt(offset, "captured length " + captured + " exceeds its packet block of " + length
                    + " bytes");
        }
        int caplen = (int) captured;
        int direction = flagsDirection(28 + ((caplen + 3) & ~3), length - 4, EPB_FLAGS);
        deliver(view, iface, 28, caplen, original, timestamp, direction);
        in.skip(length);
        return true;
    }

    private boolean readSimplePacket(PacketView view, long offset, int length) throws IOException {
        if (length < 16) {
            throw corrupt(offset, "simple packet block too short (" + length + " bytes)");
        }
        CaptureInterface iface = iface(offset, 0);
        long original = in.u32(8);
        long caplen = Math.min(original, length - 16);
        if (iface.snapLength() > 0) {
            caplen = Math.min(caplen, iface.snapLength());
        }
        deliver(view, iface, 12, (int) caplen, original, Long.MIN_VALUE, PacketView.DIRECTION_UNKNOWN);
        in.skip(length);
        return true;
    }

    private void deliver(PacketView view, CaptureInterface iface, int dataIndex, int caplen, long original,
                         long timestamp, int direction) {
        long nanos = timestamp == Long.MIN_VALUE ? 0
                : toNanos(timestamp, iface.timestampUnitsPerSecond()) + tsOffsetNanos[iface.id()];
        int wire = original > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) original;
        view.wrap(in.buffer(), in.position() + dataIndex, caplen, wire, nanos, iface.linkType(), capturePointId)
                .interfaceId(iface.id())
                .direction(direction);
        packets++;
    }

    /** Finds the flags option between {@code pos} and {@code end}; returns its direction bits. */
    private int flagsDirection(int pos, int end, int flagsCode) {
        while (pos + 4 <= end) {
            int code = in.u16(pos);
            int optLength = in.u16(pos + 2);
            if (code == OPT_END || pos + 4 + optLength > end) {
                break;
            }
            if (code == flagsCode && optLength >= 4) {
                int bits = in.i32(pos + 4) & 3;
                return bits == 1 ? PacketView.DIRECTION_INBOUND
                        : bits == 2 ? PacketView.DIRECTION_OUTBOUND : PacketView.DIRECTION_UNKNOWN;
            }
            pos += 4 + ((optLength + 3) & ~3);
        }
        return PacketView.DIRECTION_UNKNOWN;
    }

    @Override
    public List<CaptureInterface> interfaces() {
        return interfacesView;
    }

    @Override
    public String format() {
        return "pcapng";
    }

    /** The number of the current section (0 for the first). */
    public int section() {
        return section;
    }
}
