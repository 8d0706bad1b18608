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
 * offload super-segment, sized from the frame), options other than timestamps.
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
