package io.netsieve.core.io;

import io.netsieve.core.io.internal.ChannelReadBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens capture files, telling pcap from pcapng by their first bytes. */
public final class CaptureFiles {
    /**
     * {@link #openReadingAhead} reads files of this size or more (8 MiB) on a thread of its own; smaller ones on the
     * consumer's thread, where a thread would cost more than it saves.
     */
    static final long READ_AHEAD_FROM = 8L << 20;
    /** Room in front of each read-ahead chunk for a record cut by the chunk boundary: a 256 KiB snapshot and more. */
    static final int READ_AHEAD_HEADROOM = 320 << 10;

    private CaptureFiles() {
    }

    /** Opens {@code file} with capture-point id 0. */
    public static CaptureFileReader open(Path file) throws IOException {
        return open(file, 0);
    }

    /**
     * Opens {@code file}; its packets carry {@code capturePointId}.
     *
     * @throws CaptureFileException if it is neither pcap nor pcapng, or its header is invalid
     * @throws NoSuchFileException  if it does not exist
     */
    public static CaptureFileReader open(Path file, int capturePointId) throws IOException {
        return open(file, capturePointId, false);
    }

    /**
     * Opens {@code file} to be read by a thread of its own, a 1 MiB chunk ahead of the consumer, when it is 8 MiB or
     * more (else as {@link #open(Path, int)}): the copy out of the page cache then runs on another core, into two
     * heap buffers (1.3 MiB each), so the frames are arrays. For consumers slower than the reading thread, such as
     * the whole pipeline of {@code netsieve analyze} (≈ 1–3 M packets/s): a read into a heap buffer copies twice
     * (through the JDK's temporary direct buffer), which caps the reading thread at ≈ 7.5 M packets/s of 766-byte
     * frames ({@code ReadBenchmark}), below what {@link #open(Path, int)} reads on the consumer's thread (≈ 10–11 M
     * on the same VM the same day). {@link CaptureFileReader#close()} stops the thread.
     */
    public static CaptureFileReader openReadingAhead(Path file, int capturePointId) throws IOException {
        return open(file, capturePointId, true);
    }

    private static CaptureFileReader open(Path file, int capturePointId, boolean readAhead) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ChannelReadBuffer in = readAhead && channel.size() >= READ_AHEAD_FROM
                    ? ChannelReadBuffer.readingAhead(channel, CaptureFileReader.DEFAULT_BUFFER_SIZE, READ_AHEAD_HEADROOM,
                            CaptureFileReader.MAX_RECORD_LENGTH + 64)
                    : new ChannelReadBuffer(channel, CaptureFileReader.DEFAULT_BUFFER_SIZE,
                            CaptureFileReader.MAX_RECORD_LENGTH + 64);
            try {
                return open(in, file, capturePointId);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Reads a capture from any channel (a pipe, standard input); {@code name} is used in messages. The channel is
     * closed with the reader.
     */
    public static CaptureFileReader open(ReadableByteChannel channel, Path name, int capturePointId)
            throws IOException {
        return open(new ChannelReadBuffer(channel, CaptureFileReader.DEFAULT_BUFFER_SIZE,
                CaptureFileReader.MAX_RECORD_LENGTH + 64), name, capturePointId);
    }

    private static CaptureFileReader open(ChannelReadBuffer in, Path name, int capturePointId) throws IOException {
        if (!in.ensure(4)) {
            throw new CaptureFileException(name, 0, "file too short to be a capture (" + in.available() + " bytes)");
        }
        int magic = (in.u8(0) << 24) | (in.u8(1) << 16) | (in.u8(2) << 8) | in.u8(3);
        if (magic == PcapNgReader.SHB) {
            return new PcapNgReader(in, name, name.toString(), capturePointId);
        }
        if (magic == PcapReader.MAGIC_MICROS || magic == PcapReader.MAGIC_NANOS
                || magic == PcapReader.MAGIC_MICROS_SWAPPED || magic == PcapReader.MAGIC_NANOS_SWAPPED) {
            return new PcapReader(in, name, name.toString(), capturePointId);
        }
        throw new CaptureFileException(name, 0, String.format("not a pcap or pcapng file (magic 0x%08x)", magic));
    }
}
