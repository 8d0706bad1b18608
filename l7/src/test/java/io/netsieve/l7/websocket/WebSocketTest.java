package io.netsieve.l7.websocket;

import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Stats;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A WebSocket conversation after its HTTP/1.1 upgrade, written here frame by frame after RFC 6455 (client frames
 * masked, a 300-byte message in a 16-bit length, a message split over a continuation, ping/pong, close 1000 both
 * ways), fed at random segment boundaries: the upgrade is one {@code http} record answered 101, the rest one
 * {@code websocket} record with the frames, messages, payload bytes, pings and close code written; a gap stops the
 * counting of its direction and is flagged.
 */
class WebSocketTest {
    private static final long MS = 1_000_000L;

    private static byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            out.write(maskBit | payload.length);
        } else {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xFF);
        }
        byte[] key = {0x12, 0x34, 0x56, 0x78};
        if (masked) {
            out.writeBytes(key);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ key[i % 4] : payload[i]);
        }
        return out.toByteArray();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] close(int code) {
        return new byte[] {(byte) (code >>> 8), (byte) code};
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static final byte[] CLIENT = concat(
            text("GET /chat HTTP/1.1\r\nHost: 198.18.2.10\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            frame(true, 1, text("hello"), true),
            frame(true, 2, new byte[300], true),
            frame(false, 1, text("part one, "), true),
            frame(true, 0, text("part two"), true),
            frame(true, 9, text("ping"), true),
            frame(true, 8, close(1000), true));
    static final byte[] SERVER = concat(
            text("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
            frame(true, 1, text("hi"), false),
            frame(true, 10, text("ping"), false),
            frame(true, 8, close(1000), false));

    /** Both directions cut at random boundaries, the client's first bytes first. */
    private static List<L7Log> run(SplittableRandom random, boolean gapInClient) {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.1.10", 40000, "198.18.2.10", 80, true, "ws"));
        int headEnd = new String(CLIENT, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
        int respEnd = new String(SERVER, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
        feed(h, 0, CLIENT, 0, headEnd, 1000, random, 1);
        feed(h, 1, SERVER, 0, respEnd, 5000, random, 2);
        if (gapInClient) {
            h.onGap(0, 1000 + headEnd, 7, 3 * MS);
            feed(h, 0, CLIENT, headEnd + 7, CLIENT.length, 1000, random, 3);
        } else {
            feed(h, 0, CLIENT, headEnd, CLIENT.length, 1000, random, 3);
        }
        feed(h, 1, SERVER, respEnd, SERVER.length, 5000, random, 4);
        h.onClose(10 * MS);
        L7Stats st = t.stats();
        assertEquals(0, st.parserFailures(), st.toString());
        return logs;
    }

    private static void feed(StreamHandler h, int dir, byte[] all, int from, int to, long isn, SplittableRandom random,
                             long ms) {
        int at = from;
        while (at < to) {
            int n = Math.min(to - at, 1 + random.nextInt(40));
            h.onData(dir, ByteBuffer.wrap(all), at, n, isn + at, ms * MS);
            at += n;
        }
    }

    @Test
    void framesAreCountedAtAnySegmentation() {
        for (int round = 0; round < 200; round++) {
            List<L7Log> logs = run(new SplittableRandom(round), false);
            assertEquals(2, logs.size(), "round " + round + ": " + logs);
            L7Log upgrade = logs.get(0);
            assertEquals("http", upgrade.l7Proto());
            assertEquals(101, upgrade.http().statusCode());
            L7Log ws = logs.get(1);
            assertEquals("websocket", ws.l7Proto());
            assertEquals("6", ws.attributes().get("ws_frames_c2s"));
            assertEquals("3", ws.attributes().get("ws_frames_s2c"));
            assertEquals("3", ws.attributes().get("ws_messages_c2s"), "hello, the binary one, the two-part one");
            assertEquals("1", ws.attributes().get("ws_messages_s2c"));
            assertEquals(Long.toString(5 + 300 + 10 + 8 + 4 + 2), ws.attributes().get("ws_payload_bytes_c2s"));
            assertEquals("1", ws.attributes().get("ws_pings"));
            assertEquals("1000", ws.attributes().get("ws_close_code"));
            assertNull(ws.attributes().get("ws_lost"));
            assertEquals("198.18.1.10", ws.clientIp());
        }
    }

    @Test
    void aGapStopsCountingThatDirectionAndIsFlagged() {
        List<L7Log> logs = run(new SplittableRandom(5), true);
        L7Log ws = logs.get(1);
        assertEquals("websocket", ws.l7Proto());
        assertEquals("true", ws.attributes().get("ws_lost"));
        assertEquals("0", ws.attributes().get("ws_frames_c2s"), "framing after a gap cannot be trusted");
        assertEquals("3", ws.attributes().get("ws_frames_s2c"));
    }
}
