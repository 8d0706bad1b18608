package io.netsieve.core.packet;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutation fuzzing with a fixed seed: every frame of the corpus, mutated many times (bytes flipped, lengths cut,
 * header fields overwritten with extreme values) and decoded under every supported link type. The decoder must
 * never throw, must give exactly one outcome, and every offset it reports must stay inside the captured frame.
 */
class PacketDecoderFuzzTest {
    private static final int[] LINK_TYPES = {LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL,
            LinkType.LOOP, LinkType.RAW, LinkType.IPV4, LinkType.IPV6};

    @Test
    void mutatedCorpusFramesNeverThrow() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (Path file : PacketDecoderCorpusTest.corpusCaptures()) {
            try (CaptureFileReader reader = CaptureFiles.open(file)) {
                PacketView view = new PacketView();
                int n = 0;
                while (reader.next(view) && n++ < 200) {
                    seeds.add(view.copyBytes());
                }
            } catch (CaptureFileException e) {
                // keep what was read before the damage
            }
        }
        assertTrue(seeds.size() > 1000, "seed frames: " + seeds.size());
        SplittableRandom random = new SplittableRandom(20261124);
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        DecodeStats stats = new DecodeStats();
        PacketView view = new PacketView();
        long runs = 0;
        for (byte[] seed : seeds) {
            for (int m = 0; m < 40; m++) {
                byte[] frame = seed.clone();
                int mutations = 1 + random.nextInt(4);
                for (int k = 0; k < mutations && frame.length > 0; k++) {
                    int at = random.nextInt(frame.length);
                    switch (random.nextInt(4)) {
                        case 0 -> frame[at] = (byte) random.nextInt(256);
                        case 1 -> frame[at] = (byte) (random.nextBoolean() ? 0 : 0xFF);
                        case 2 -> frame[at] ^= (byte) (1 << random.nextInt(8));
                        default -> {
                            if (at + 1 < frame.length) {
                                frame[at] = (byte) 0xFF;
                                frame[at + 1] = (byte) 0xFF;
                            }
                        }
                    }
                }
                int caplen = random.nextInt(4) == 0 ? random.nextInt(frame.length + 1) : frame.length;
                int wire = random.nextBoolean() ? frame.length : frame.length + random.nextInt(2000);
                int linkType = m < 20 ? LinkType.ETHERNET : LINK_TYPES[random.nextInt(LINK_TYPES.length)];
                view.wrap(frame, 0, caplen, wire, 0, linkType, 0);
                try {
                    decoder.decode(view, d);
                } catch (RuntimeException e) {
                    fail("decoder threw on link type " + linkType + " caplen " + caplen + ": " + hex(frame, caplen), e);
                }
                stats.record(d);
                runs++;
                checkBounds(d, caplen, frame, linkType);
            }
        }
        long outcomes = 0;
        for (DecodeOutcome o : DecodeOutcome.values()) {
            outcomes += stats.count(o);
        }
        assertEquals(runs, stats.packets());
        assertEquals(runs, outcomes);
        assertTrue(stats.count(DecodeOutcome.MALFORMED) > 0 && stats.count(DecodeOutcome.DECODED) > 0, stats::toString);
        System.out.println("[fuzz] " + runs + " mutated frames: " + stats);
    }

    private static void checkBounds(DecodedPacket d, int caplen, byte[] frame, int linkType) {
        String where = d + " link " + linkType + " " + hex(frame, caplen);
        if (d.transport() == Layer.TCP && d.tcp().headerLength() >= 20 && d.outcome() != DecodeOutcome.MALFORMED) {
            TcpView t = d.tcp();
            assertTrue(t.payloadOffset() + t.capturedPayloadLength() <= caplen, where);
            assertTrue(t.capturedPayloadLength() <= t.payloadLength(), where);
        }
        if (d.transport() == Layer.UDP) {
            UdpView u = d.udp();
            assertTrue(u.capturedPayloadLength() >= 0 && u.payloadOffset() + u.capturedPayloadLength() <= caplen, where);
        }
        if (d.ip().version() != 0) {
            assertTrue(d.ip().payloadOffset() <= Math.max(caplen, d.ip().headerOffset() + d.ip().totalLength()), where);
        }
    }

    private static String hex(byte[] frame, int caplen) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(caplen, 96); i++) {
            b.append(String.format("%02x", frame[i]));
        }
        return b.toString();
    }
}
