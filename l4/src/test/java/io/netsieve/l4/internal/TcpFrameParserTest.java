package io.netsieve.l4.internal;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.CorpusCaptures;
import io.netsieve.l4.flow.FlowKey;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link TcpFrameParser} gives exactly the flow key and segment that the full decoder followed by
 * {@code FlowKey.set} and {@code Segment.set} gives, and it takes every frame of its kind: every frame of every corpus
 * and demo capture, each also cut to every capture length up to 96 bytes and to a few past its headers (the cut
 * frames are where the decoder says truncated or malformed), read from a heap array and from a direct buffer.
 * Not of its kind, and left to the decoder: VLAN tags, tunnels, fragments, IPv4 total length 0 (a segmentation
 * offload super-segment, sized from the frame), options other than timestamps. And the same on 200 000 mutants of
 * the corpus frames of its kind (one to three random header bytes changed).
 */
class TcpFrameParserTest {

    @Test
    void sameKeyAndSegmentAsTheDecoderOnEveryCorpusFrame() throws IOException {
        Counts n = new Counts();
        for (Path file : CorpusCaptures.allWithDemo()) {
            try (CaptureFileReader reader = CaptureFiles.open(file, 3)) {
                PacketView view = new PacketView();
                while (reader.next(view)) {
                    byte[] bytes = view.copyBytes();
                    int full = view.captureLength();
                    for (int cut = 0; cut <= full; cut = cut < 96 ? cut + 1 : cut < full - 8 ? full - 8 : cut + 1) {
                        check(file, bytes, cut, view, false, n);
                        check(file, bytes, cut, view, true, n);
                    }
                }
            } catch (CaptureFileException e) {
                // a damaged file ends where it breaks, as in the other corpus tests
            }
        }
        System.out.printf("frame parser: %d frames taken, %d declined (%d of them the decoder's own TCP frames"
                + " of other kinds: IPv6, tags, options…)%n", n.taken, n.declined, n.otherOptions);
        assertTrue(n.taken > 10_000, "frames taken: " + n.taken);
        assertTrue(n.declined > 100_000, "frames declined: " + n.declined);
    }

    /**
     * The same check on frames of the kind with one to three header bytes changed at random (version, lengths,
     * flags, fragment bits, EtherType, data offset, options…): 200 000 mutants of the corpus's frames.
     */
    @Test
    void sameAsTheDecoderOnMutatedHeaders() throws IOException {
        java.util.List<PacketView> frames = new java.util.ArrayList<>();
        java.util.List<byte[]> bytes = new java.util.ArrayList<>();
        for (Path file : CorpusCaptures.allWithDemo()) {
            try (CaptureFileReader reader = CaptureFiles.open(file, 3)) {
                PacketView view = new PacketView();
                FlowKey k = new FlowKey();
                Segment s = new Segment();
                while (reader.next(view) && frames.size() < 5_000) {
                    if (TcpFrameParser.parse(view, k, s)) {
                        byte[] b = view.copyBytes();
                        bytes.add(b);
                        frames.add(new PacketView().wrap(b, 0, b.length, view.wireLength(), view.timestampNanos(),
                                view.linkType(), view.capturePointId()));
                    }
                }
            } catch (CaptureFileException e) {
                // a damaged file ends where it breaks
            }
        }
        assertTrue(frames.size() > 1_000, "frames of the kind: " + frames.size());
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        Counts n = new Counts();
        for (int i = 0; i < 200_000; i++) {
            int f = random.nextInt(frames.size());
            PacketView original = frames.get(f);
            byte[] b = bytes.get(f).clone();
            int flips = 1 + random.nextInt(3);
            for (int j = 0; j < flips; j++) {
                int at = random.nextInt(Math.min(b.length, 70));
                b[at] = random.nextInt(2) == 0 ? (byte) random.nextInt(256) : (byte) (b[at] ^ (1 << random.nextInt(8)));
            }
            check(Path.of("mutant " + i), b, b.length, original, random.nextInt(2) == 0, n);
        }
        System.out.printf("frame parser, mutants: %d taken, %d declined%n", n.taken, n.declined);
        assertTrue(n.taken > 20_000 && n.declined > 20_000, n.taken + " taken, " + n.declined + " declined");
    }

    private static final class Counts {
        long taken;
        long declined;
        long otherOptions;
    }

    private static void check(Path file, byte[] bytes, int cut, PacketView original, boolean direct, Counts n) {
        PacketView v = new PacketView();
        if (direct) {
            ByteBuffer b = ByteBuffer.allocateDirect(bytes.length + 3);
            b.position(3);
            b.put(bytes);
            v.wrap(b, 3, cut, original.wireLength(), original.timestampNanos(), original.linkType(),
                    original.capturePointId());
        } else {
            byte[] padded = new byte[bytes.length + 5];
            System.arraycopy(bytes, 0, padded, 5, bytes.length);
            v.wrap(padded, 5, cut, original.wireLength(), original.timestampNanos(), original.linkType(),
                    original.capturePointId());
        }
        FlowKey parsedKey = new FlowKey();
        Segment parsed = new Segment();
        boolean taken = TcpFrameParser.parse(v, parsedKey, parsed);

        DecodedPacket d = new DecodedPacket();
        new PacketDecoder().decode(v, d);
        boolean ofItsKind = v.linkType() == LinkType.ETHERNET && d.outcome() == DecodeOutcome.DECODED
                && d.transport() == Layer.TCP && d.link().vlanCount() == 0 && d.link().etherType() == 0x0800
                && d.ip().version() == 4 && !d.ip().isFragment() && !d.ip().lengthFromFrame() && d.tunnel().depth() == 0 && d.link().mplsCount() == 0
                && (d.tcp().headerLength() == 20
                    || (d.tcp().headerLength() == 32 && d.tcp().mss() == -1 && d.tcp().windowScale() == -1
                        && !d.tcp().sackPermitted() && d.tcp().sackCount() == 0 && d.tcp().tsVal() >= 0
                        && v.i32(d.tcp().headerOffset() + 20) == 0x0101080A));
        String where = file.getFileName() + " frame at " + original.timestampNanos() + " cut " + cut
                + (direct ? " (direct buffer)" : "");
        if (!taken) {
            if (ofItsKind) {
                fail(where + ": declined a frame of its kind");
            }
            n.declined++;
            if (d.outcome() == DecodeOutcome.DECODED && d.transport() == Layer.TCP) {
                n.otherOptions++;
            }
            return;
        }
        if (!ofItsKind) {
            fail(where + ": took a frame the decoder says is " + d.outcome() + " " + d.malformedReason()
                    + " / " + d.transport());
        }
        FlowKey key = new FlowKey();
        assertTrue(key.set(d), where);
        assertEquals(key, parsedKey, where);
        assertEquals(key.packetFromA(), parsedKey.packetFromA(), where);
        Segment s = new Segment().set(d);
        assertEquals(s.tcp, parsed.tcp, where);
        assertEquals(s.flags, parsed.flags, where);
        assertEquals(s.seq, parsed.seq, where);
        assertEquals(s.ack, parsed.ack, where);
        assertEquals(s.payload, parsed.payload, where);
        assertEquals(s.window, parsed.window, where);
        assertEquals(s.windowScale, parsed.windowScale, where);
        assertEquals(s.srcMac, parsed.srcMac, where);
        assertEquals(s.dstMac, parsed.dstMac, where);
        n.taken++;
    }
}
