package io.netsieve.core.io;

import io.netsieve.core.io.internal.ChannelReadBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A streaming reader of a capture file (pcap or pcapng). Open one with {@link CaptureFiles#open(Path)}.
 *
 * <p>The file is read in large chunks into one buffer and every frame is handed out as a view into that buffer: no
 * copy, no allocation per packet, no native call ({@link CaptureFiles#openReadingAhead}: on a thread of its own, a
 * chunk ahead, for a slow consumer). A damaged file ends with a {@link CaptureFileException} naming the file and the
 * byte offset, after every intact packet before the damage has been returned.
 *
 * <p>Not thread-safe: one consuming thread.
 */
public abstract sealed class CaptureFileReader implements PacketSource permits PcapReader, PcapNgReader {
    /** The default read size. */
    public static final int DEFAULT_BUFFER_SIZE = 1 << 20;
    /**
     * The largest record or block accepted (64 MiB): a larger length field is treated as corruption, so that a
     * damaged file cannot make the reader allocate without bound.
     */
    public static final int MAX_RECORD_LENGTH = 64 << 20;

    final ChannelReadBuffer in;
    final Path file;
    final String name;
    final int capturePointId;
    long packets;

    CaptureFileReader(ChannelReadBuffer in, Path file, String name, int capturePointId) {
        this.in = in;
        this.file = file;
        this.name = name;
        this.capturePointId = capturePointId;
    }

    /** The interfaces declared so far (pcap: exactly one; pcapng: those of the current section, growing as read). */
    public abstract List<CaptureInterface> interfaces();

    /** The link type of the first interface (pcap: the file's link type). */
    public int linkType() {
        List<CaptureInterface> interfaces = interfaces();
        return interfaces.isEmpty() ? -1 : interfaces.get(0).linkType();
    }

    /** The format: {@code pcap} or {@code pcapng}. */
    public abstract String format();

    /** Packets returned so far. */
    public long packetsRead() {
        return packets;
    }

    /** Offset in the file of the next record or block to read. */
    public long byteOffset() {
        return in.fileOffset();
    }

    /** The file path (may be a pseudo path such as {@code -} for standard input). */
    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    CaptureFileException corrupt(long offset, String problem) {
        return new CaptureFileException(file, offset, problem);
    }

    /** Converts a timestamp in units of {@code 1/unitsPerSecond} s to nanoseconds since the epoch. */
    static long toNanos(long units, long unitsPerSecond) {
        if (unitsPerSecond == 1_000_000_000L) {
            return units;
        }
        if (unitsPerSecond == 1_000_000L) {
            return units * 1_000L;
        }
        long seconds = Long.divideUnsigned(units, unitsPerSecond);
        long fraction = Long.remainderUnsigned(units, unitsPerSecond);
        long fractionNanos = unitsPerSecond <= 1_000_000_000L && 1_000_000_000L % unitsPerSecond == 0
                ? fraction * (1_000_000_000L / unitsPerSecond)
                : (long) ((double) fraction * 1e9 / unitsPerSecond);
        return seconds * 1_000_000_000L + fractionNanos;
    }
}
