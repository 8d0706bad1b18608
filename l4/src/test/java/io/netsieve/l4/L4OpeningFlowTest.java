package io.netsieve.l4;

import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new TCP flow is kept compact (its first packets) and replayed into a full connection when it needs one; this
 * must not change any record. A tracker with a stream handler factory that accepts every connection with a handler
 * that does nothing (and gives no hints) builds the full connection on the first packet instead and keeps it, so
 * the two trackers' records are compared field by field and
 * row by row — inner trace ids by their order of first appearance (they are random, but must stay the same across
 * a connection's records) — on every corpus and demo capture, under configurations that reach each way out of the
 * compact form: small chunks, chunk and TCP idle timeouts (sweeps; a chunk written while the flow stays compact),
 * eviction from a tiny table, lent series.
 */
class L4OpeningFlowTest {
    private static final Map<String, L4Config> CONFIGS = new java.util.LinkedHashMap<>();

    static {
        CONFIGS.put("defaults", L4Config.defaults());
        for (int n = 2; n <= 7; n++) { // around the 3 packets kept in fields and the 6 kept in all
            CONFIGS.put("chunkMaxPackets " + n, L4Config.builder().chunkMaxPackets(n).build());
        }
        CONFIGS.put("idle timeouts", L4Config.builder().chunkIdle(Duration.ofMillis(200))
                .tcpIdleTimeout(Duration.ofSeconds(3)).build());
        CONFIGS.put("chunk span", L4Config.builder().chunkMaxSpan(Duration.ofMillis(1)).build());
        CONFIGS.put("maxFlows 3", L4Config.builder().maxFlows(3).build());
        CONFIGS.put("lent, idle", L4Config.builder().lendPacketSeries(true).chunkIdle(Duration.ofMillis(200))
                .build());
    }

    private static List<String> records(L4Config config, boolean compact, Consumer<L4Tracker> feed) {
        return records(config, compact, false, feed);
    }

    /** {@code declining}: with a stream handler factory that declines every connection (kept compact too). */
    private static List<String> records(L4Config config, boolean compact, boolean declining,
                                        Consumer<L4Tracker> feed) {
        TextRecorder r = new TextRecorder();
        L4Tracker.Builder b = L4Tracker.builder().config(config).listener(r);
        if (declining) {
            b.streams(info -> null);
        } else if (!compact) {
            // a handler to feed makes the tracker build the connection on its first packet (a declined one is kept
            // compact like any other)
            b.streams(info -> (direction, data, offset, length, seq, ts) -> { });
        }
        feed.accept(b.build());
        return r.records;
    }

    @Test
    void recordsAreThoseOfConnectionsBuiltOnTheFirstPacket() throws Exception {
        int records = 0;
        for (Path file : CorpusCaptures.allWithDemo()) {
            for (Map.Entry<String, L4Config> c : CONFIGS.entrySet()) {
                Consumer<L4Tracker> feed = t -> {
                    try {
                        Replay.replay(t, file, 0, true);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
                List<String> expected = records(c.getValue(), false, feed);
                assertEquals(expected, records(c.getValue(), true, feed), file.getFileName() + ", " + c.getKey());
                assertEquals(expected, records(c.getValue(), true, true, feed),
                        file.getFileName() + ", " + c.getKey() + ", declining factory");
                records += expected.size();
            }
        }
        assertTrue(records > 5_000, "records compared: " + records);
    }

    /**
     * A handshake whose chunk is written by the chunk idle timeout (the flow stays compact), then data, a
     * retransmission and the close: the second record continues the first (chunk id, trace id, direction).
     */
    @Test
    void handshakeRecordedWhileIdleThenData() {
        L4Config config = L4Config.builder().chunkIdle(Duration.ofSeconds(1)).build();
        Consumer<L4Tracker> feed = t -> {
            Frames f = new Frames();
            long s = 1_000_000_000L;
            f.send(t, true, 100, 0, 0x02, 0, s);            // SYN
            f.send(t, false, 500, 101, 0x12, 0, s + 1_000);  // SYN-ACK
            f.send(t, true, 101, 501, 0x10, 0, s + 2_000);   // ACK
            t.advanceTime(s + 3_000_000_000L);                 // the chunk goes idle: first record
            long d = s + 4_000_000_000L;
            f.send(t, true, 101, 501, 0x18, 10, d);           // request
            f.send(t, true, 101, 501, 0x18, 10, d + 5_000_000);  // its retransmission
            f.send(t, false, 501, 111, 0x18, 20, d + 6_000_000); // response
            f.send(t, true, 111, 521, 0x11, 0, d + 7_000_000);   // FIN
            f.send(t, false, 521, 112, 0x11, 0, d + 8_000_000);  // FIN
            f.send(t, true, 112, 522, 0x10, 0, d + 9_000_000);   // last ACK
            t.flush();
        };
        List<String> expected = records(config, false, feed);
        assertEquals(2, expected.size(), expected.toString());
        assertEquals(expected, records(config, true, feed));
    }

    /** A flow the stream handler factory declined on its first packet is kept compact, and never offered again. */
    @Test
    void declinedFlowIsOfferedOnce() {
        int[] offers = new int[1];
        List<String> records = new ArrayList<>();
        L4Tracker t = L4Tracker.builder().listener(log -> records.add(log.connState() + " " + log.history()))
                .streams(info -> {
                    offers[0]++;
                    return null;
                }).build();
        Frames f = new Frames();
        long s = 1_000_000_000L;
        f.send(t, true, 100, 0, 0x02, 0, s);              // SYN: offered, declined
        f.send(t, false, 500, 101, 0x12, 0, s + 1_000);    // SYN-ACK
        f.send(t, true, 101, 501, 0x10, 0, s + 2_000);     // ACK
        f.send(t, true, 101, 501, 0x18, 10, s + 3_000);    // request: the 4th packet rebuilds the connection
        f.send(t, false, 501, 111, 0x18, 20, s + 4_000);   // response
        t.flush();
        assertEquals(1, offers[0]);
        assertEquals(List.of("S1 ShADd"), records);
    }

    /** A second SYN with a new ISN (port reuse: a new connection) and one with the same ISN (a retransmission). */
    @Test
    void secondSynOfAnOpeningFlow() {
        Consumer<L4Tracker> feed = t -> {
            Frames f = new Frames();
            long s = 1_000_000_000L;
            f.send(t, true, 100, 0, 0x02, 0, s);                 // SYN
            f.send(t, true, 900, 0, 0x02, 0, s + 1_000_000);     // SYN, new ISN: a new connection
            f.send(t, true, 900, 0, 0x02, 0, s + 2_000_000);     // its retransmission
            f.send(t, false, 300, 901, 0x12, 0, s + 3_000_000);  // SYN-ACK
            f.send(t, true, 901, 301, 0x10, 0, s + 4_000_000);   // ACK
            t.flush();
        };
        List<String> expected = records(L4Config.defaults(), false, feed);
        assertEquals(2, expected.size(), expected.toString());
        assertTrue(expected.get(1).contains("trace-1") && expected.get(1).contains("tcpSynRetrans=1"),
                expected.get(1));
        assertEquals(expected, records(L4Config.defaults(), true, feed));
    }

    /** Ethernet/IPv4/TCP frames of one flow, 10.0.0.1:40000 (client) <-> 10.0.0.2:80. */
    private static final class Frames {
        private final PacketDecoder decoder = new PacketDecoder();
        private final DecodedPacket decoded = new DecodedPacket();
        private final PacketView view = new PacketView();

        void send(L4Tracker t, boolean fromClient, long seq, long ack, int flags, int payload, long time) {
            int length = 54 + payload;
            ByteBuffer b = ByteBuffer.allocate(length);
            b.put(fromClient ? new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1} : new byte[] {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2})
                    .putShort((short) 0x0800);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putInt(0).put((byte) 64).put((byte) 6)
                    .putShort((short) 0).putInt(fromClient ? 0x0a000001 : 0x0a000002)
                    .putInt(fromClient ? 0x0a000002 : 0x0a000001);
            b.putShort((short) (fromClient ? 40000 : 80)).putShort((short) (fromClient ? 80 : 40000))
                    .putInt((int) seq).putInt((int) ack).put((byte) 0x50).put((byte) flags).putShort((short) 1000)
                    .putInt(0);
            view.wrap(b.array(), 0, length, length, time, LinkType.ETHERNET, 0);
            decoder.decode(view, decoded);
            t.onPacket(decoded);
        }
    }
}
