package io.netsieve.core.io;

import io.netsieve.core.io.internal.LittleEndianOutput;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a pcapng file (one little-endian section) with named interfaces of any link type and nanosecond
 * timestamps ({@code if_tsresol} = 9). Frames are written as Enhanced Packet Blocks; a known
 * {@link PacketView#direction()} is kept in {@code epb_flags}.
 */
public final class PcapNgWriter implements CaptureFileWriter {
    private static final String APPLICATION = "netsieve";
    private final LittleEndianOutput out;
    private int interfaces;
    private int[] snapLengths = new int[4];
    private int[] linkTypes = new int[4];
    private long packets;

    private PcapNgWriter(OutputStream stream) throws IOException {
        this.out = new LittleEndianOutput(stream);
        byte[] app = APPLICATION.getBytes(StandardCharsets.UTF_8);
        int optionsLength = 4 + pad(app.length) + 4;
        out.u32(PcapNgReader.SHB);
        out.u32(28 + optionsLength);
        out.u32(PcapNgReader.BYTE_ORDER_MAGIC);
        out.u16(1);
        out.u16(0);
        out.u32(0xFFFFFFFFL); // section length unknown
        out.u32(0xFFFFFFFFL);
        option(4, app); // shb_userappl
        out.u32(0); // opt_endofopt
        out.u32(28 + optionsLength);
    }

    public static PcapNgWriter create(Path file) throws IOException {
        return new PcapNgWriter(Files.newOutputStream(file));
    }

    public static PcapNgWriter to(OutputStream stream) throws IOException {
        return new PcapNgWriter(stream);
    }

    /**
     * Declares an interface; must precede the packets written for it.
     *
     * @return the interface id to pass to {@link #write(int, PacketView)}
     */
    public int addInterface(String name, int linkType, int snapLength) throws IOException {
        if (linkType < 0 || linkType > 0xFFFF) throw new IllegalArgumentException("link type out of range: " + linkType);
        if (snapLength < 0) throw new IllegalArgumentException("snap length must be >= 0: " + snapLength);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 0xFFFF) throw new IllegalArgumentException("interface name too long");
        int optionsLength = (nameBytes.length > 0 ? 4 + pad(nameBytes.length) : 0) + 8 + 4;
        int length = 20 + optionsLength;
        out.u32(PcapNgReader.IDB);
        out.u32(length);
        out.u16(linkType);
        out.u16(0);
        out.u32(snapLength);
        if (nameBytes.length > 0) option(2, nameBytes);
        option(9, new byte[] {9}); // if_tsresol: nanoseconds
        out.u32(0);
        out.u32(length);
        if (interfaces == linkTypes.length) {
            linkTypes = java.util.Arrays.copyOf(linkTypes, interfaces * 2);
            snapLengths = java.util.Arrays.copyOf(snapLengths, interfaces * 2);
        }
        linkTypes[interfaces] = linkType;
        snapLengths[interfaces] = snapLength;
        return interfaces++;
    }

    /** Writes to interface 0, which must have been added. */
    @Override
    public void write(PacketView packet) throws IOException {
        write(0, packet);
    }

    /** Writes {@code packet} as captured on interface {@code interfaceId}. */
    public void write(int interfaceId, PacketView packet) throws IOException {
        if (interfaceId < 0 || interfaceId >= interfaces) {
            throw new IllegalArgumentException("interface " + interfaceId + " was not added (" + interfaces + " are)");
        }
        if (packet.linkType() != linkTypes[interfaceId]) {
            throw new IllegalArgumentException("frame link type " + packet.linkType() + " differs from interface "
                    + interfaceId + "'s " + linkTypes[interfaceId]);
        }
        int snap = snapLengths[interfaceId];
        int caplen = snap > 0 ? Math.min(packet.captureLength(), snap) : packet.captureLength();
        boolean flags = packet.direction() != PacketView.DIRECTION_UNKNOWN;
        int length = 32 + pad(caplen) + (flags ? 12 : 0); // epb_flags option (8) + opt_endofopt (4)
        long ts = packet.timestampNanos();
        out.u32(PcapNgReader.EPB);
        out.u32(length);
        out.u32(interfaceId);
        out.u32(ts >>> 32);
        out.u32(ts & 0xFFFFFFFFL);
        out.u32(caplen);
        out.u32(packet.wireLength());
        if (caplen == packet.captureLength()) {
            out.frame(packet);
        } else {
            PcapWriter.ByteRange.write(out, packet, caplen);
        }
        out.zeros(pad(caplen) - caplen);
        if (flags) {
            out.u16(2); // epb_flags
            out.u16(4);
            out.u32(packet.direction() == PacketView.DIRECTION_INBOUND ? 1 : 2);
            out.u32(0); // opt_endofopt
        }
        out.u32(length);
        packets++;
    }

    private void option(int code, byte[] value) throws IOException {
        out.u16(code);
        out.u16(value.length);
        out.bytes(value, 0, value.length);
        out.zeros(pad(value.length) - value.length);
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    @Override
    public long packetsWritten() {
        return packets;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
