package io.netsieve.core.io;

import io.netsieve.core.io.internal.LittleEndianOutput;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic pcap file (little-endian, version 2.4) with microsecond or nanosecond timestamps. All frames
 * must have the file's link type.
 */
public final class PcapWriter implements CaptureFileWriter {
    private final LittleEndianOutput out;
    private final int linkType;
    private final int snapLength;
    private final boolean nanosecond;
    private long packets;

    private PcapWriter(OutputStream stream, int linkType, int snapLength, boolean nanosecond) throws IOException {
        if (linkType < 0 || linkType > 0xFFFF) throw new IllegalArgumentException("link type out of range: " + linkType);
        if (snapLength <= 0) throw new IllegalArgumentException("snap length must be > 0: " + snapLength);
        this.out = new LittleEndianOutput(stream);
        this.linkType = linkType;
        this.snapLength = snapLength;
        this.nanosecond = nanosecond;
        out.u32(nanosecond ? PcapReader.MAGIC_NANOS : PcapReader.MAGIC_MICROS);
        out.u16(2);
        out.u16(4);
        out.u32(0); // thiszone: timestamps are UTC
        out.u32(0); // sigfigs
        out.u32(snapLength);
        out.u32(linkType);
    }

    /** Creates (or truncates) {@code file}. */
    public static PcapWriter create(Path file, int linkType, int snapLength, boolean nanosecond) throws IOException {
        return new PcapWriter(Files.newOutputStream(file), linkType, snapLength, nanosecond);
    }

    /** Writes to {@code stream} (buffered here; closed with the writer). */
    public static PcapWriter to(OutputStream stream, int linkType, int snapLength, boolean nanosecond)
            throws IOException {
        return new PcapWriter(stream, linkType, snapLength, nanosecond);
    }

    @Override
    public void write(PacketView packet) throws IOException {
        if (packet.linkType() != linkType) {
            throw new IllegalArgumentException("frame link type " + packet.linkType() + " differs from the file's "
                    + linkType + " (use PcapNgWriter for mixed link types)");
        }
        int caplen = Math.min(packet.captureLength(), snapLength);
        long ts = packet.timestampNanos();
        long seconds = Math.floorDiv(ts, 1_000_000_000L);
        long nanos = Math.floorMod(ts, 1_000_000_000L);
        if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("timestamp " + ts + " ns is outside what pcap's 32-bit seconds can hold"
                    + " (1970..2106); write pcapng instead");
        }
        out.u32(seconds);
        out.u32(nanosecond ? nanos : nanos / 1_000L);
        out.u32(caplen);
        out.u32(packet.wireLength());
        if (caplen == packet.captureLength()) {
            out.frame(packet);
        } else {
            ByteRange.write(out, packet, caplen);
        }
        packets++;
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

    /** Writes a prefix of a frame (snap length shorter than the frame). Rare: not optimised. */
    static final class ByteRange {
        private ByteRange() {
        }

        static void write(LittleEndianOutput out, PacketView packet, int length) throws IOException {
            byte[] copy = new byte[length];
            packet.copyTo(0, copy, 0, length);
            out.bytes(copy, 0, length);
        }
    }
}
