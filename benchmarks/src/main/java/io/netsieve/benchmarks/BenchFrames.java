package io.netsieve.benchmarks;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Tracker;
import java.io.ByteArrayOutputStream;

/** The first frames of the benchmark capture copied into one array, with their offsets, lengths and times. */
final class BenchFrames {
    final byte[] frames;
    final int[] offsets;
    final int[] lengths;
    final int[] wireLengths;
    final long[] timestamps;
    final int linkType;
    final int count;

    BenchFrames(byte[] frames, int[] offsets, int[] lengths, int[] wireLengths, long[] timestamps,
                        int linkType, int count) {
        this.frames = frames;
        this.offsets = offsets;
        this.lengths = lengths;
        this.wireLengths = wireLengths;
        this.timestamps = timestamps;
        this.linkType = linkType;
        this.count = count;
    }

    /** Points {@code view} at frame {@code i}, its capture time moved by {@code shiftNanos}. */
    void wrap(PacketView view, int i, long shiftNanos) {
        view.wrap(frames, offsets[i], lengths[i], wireLengths[i], timestamps[i] + shiftNanos, linkType, 0);
    }

    /** Decodes every frame (times moved by {@code shiftNanos}) into {@code tracker}, then flushes it. */
    void track(L4Tracker tracker, PacketView view, PacketDecoder decoder, DecodedPacket decoded, long shiftNanos) {
        for (int i = 0; i < count; i++) {
            wrap(view, i, shiftNanos);
            decoder.decode(view, decoded);
            tracker.onPacket(decoded);
        }
        tracker.flush();
    }

    /**
     * The same frames as a capture with snap length {@code snaplen} would hold them: each cut to at most that many
     * bytes (wire lengths kept), packed back to back.
     */
    BenchFrames headersOnly(int snaplen) {
        ByteArrayOutputStream cut = new ByteArrayOutputStream(count * snaplen);
        int[] newOffsets = new int[count];
        int[] newLengths = new int[count];
        for (int i = 0; i < count; i++) {
            newOffsets[i] = cut.size();
            newLengths[i] = Math.min(lengths[i], snaplen);
            cut.write(frames, offsets[i], newLengths[i]);
        }
        return new BenchFrames(cut.toByteArray(), newOffsets, newLengths, wireLengths.clone(), timestamps.clone(),
                linkType, count);
    }

    /** Loads exactly {@code max} frames (fails if the capture has fewer). */
    static BenchFrames load(int max) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream(512 << 20);
        int[] offsets = new int[max];
        int[] lengths = new int[max];
        int[] wire = new int[max];
        long[] ts = new long[max];
        int linkType = -1;
        int n = 0;
        try (CaptureFileReader reader = CaptureFiles.open(BenchCapture.path())) {
            PacketView v = new PacketView();
            while (n < max && reader.next(v)) {
                byte[] bytes = v.copyBytes();
                offsets[n] = all.size();
                lengths[n] = bytes.length;
                wire[n] = v.wireLength();
                ts[n] = v.timestampNanos();
                linkType = v.linkType();
                all.writeBytes(bytes);
                n++;
            }
        }
        if (n != max) {
            throw new IllegalStateException("capture has " + n + " packets, need " + max);
        }
        return new BenchFrames(all.toByteArray(), offsets, lengths, wire, ts, linkType, n);
    }
}
