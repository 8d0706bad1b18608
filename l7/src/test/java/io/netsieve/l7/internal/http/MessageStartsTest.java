package io.netsieve.l7.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MessageStarts#find} against {@link ReferenceResyncScan} (the scan it replaced): the same position, or -1
 * both, in both directions, on heap buffers (read through the backing array, also at an array offset) and on direct
 * and composite ones (the {@code getByte} fallback); on random bytes, on bytes made of the tokens' letters with
 * whole and cut tokens put at random places, and at the end of the range.
 */
class MessageStartsTest {
    /** Every token of both directions: each direction must ignore the other's. */
    private static final List<byte[]> TOKENS = new ArrayList<>();

    static {
        TOKENS.addAll(List.of(Http1Protocol.METHODS));
        TOKENS.add(Http1Protocol.RESPONSE);
        TOKENS.add("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        TOKENS.add("GET".getBytes(StandardCharsets.US_ASCII)); // no space: not a start
        TOKENS.add("get ".getBytes(StandardCharsets.US_ASCII)); // lower case: not a start
    }

    /** The tokens' letters and a few others: near misses everywhere. */
    private static final byte[] LETTERS = "GETPOSUDLAHCNRIFMKYQV/1. \r\n\0\u00ff".getBytes(StandardCharsets.ISO_8859_1);

    private static long compared;
    private static long found;
    private static long foundAtEnd;

    @AfterAll
    static void report() {
        System.out.println("[message starts] " + compared + " scans compared, " + found + " found a start, "
                + foundAtEnd + " of them a token ending at the range's end");
    }

    /** Compares both scans on {@code bytes[from, to)} in both directions, in every kind of buffer. */
    private static void check(byte[] bytes, int from, int to, String what) {
        for (int direction = 0; direction < 2; direction++) {
            int want = ReferenceResyncScan.find(Unpooled.wrappedBuffer(bytes), from, to, direction);
            if (want >= 0) {
                found++;
                for (byte[] t : TOKENS) {
                    foundAtEnd += want + t.length == to && startsWith(bytes, want, t) ? 1 : 0;
                }
            }
            String d = what + " [" + from + ", " + to + ") direction " + direction;
            assertEquals(want, MessageStarts.find(bytes, from, to, direction), d + " (array)");
            for (ByteBuf b : buffers(bytes)) {
                assertEquals(want, MessageStarts.find(b, from, to, direction),
                        d + " (" + b.getClass().getSimpleName() + ")");
                b.release();
            }
            // at an offset into a larger array: wrappedBuffer(a, offset, length) has arrayOffset() == offset
            byte[] padded = new byte[bytes.length + 7];
            System.arraycopy(bytes, 0, padded, 5, bytes.length);
            ByteBuf sliced = Unpooled.wrappedBuffer(padded, 5, bytes.length);
            assertTrue(sliced.hasArray());
            assertEquals(want, MessageStarts.find(sliced, from, to, direction), d + " (array offset 5)");
            assertEquals(want < 0 ? -1 : want + 5, MessageStarts.find(padded, from + 5, to + 5, direction),
                    d + " (array from 5)");
            compared++;
        }
    }

    private static boolean startsWith(byte[] bytes, int at, byte[] t) {
        if (bytes.length - at < t.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            if (bytes[at + i] != t[i]) {
                return false;
            }
        }
        return true;
    }

    /** The bytes as a heap buffer, a direct buffer and a composite of two heap buffers (no single array). */
    private static List<ByteBuf> buffers(byte[] bytes) {
        ByteBuf heap = Unpooled.buffer(bytes.length + 3);
        heap.writeBytes(bytes);
        ByteBuf direct = Unpooled.directBuffer(bytes.length + 1);
        direct.writeBytes(bytes);
        assertFalse(direct.hasArray());
        int half = bytes.length / 2;
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, half));
        composite.addComponent(true, Unpooled.wrappedBuffer(bytes, half, bytes.length - half));
        return List.of(heap, direct, composite);
    }

    @Test
    void everyTokenAtEveryPlaceAndCut() {
        for (byte[] t : TOKENS) {
            for (int before = 0; before < 14; before++) {
                byte[] bytes = new byte[before + t.length + 3];
                Arrays.fill(bytes, (byte) 'x');
                System.arraycopy(t, 0, bytes, before, t.length);
                for (int to = 0; to <= bytes.length; to++) {
                    for (int from = 0; from <= Math.min(to, before + 1); from++) {
                        check(bytes, from, to, new String(t, StandardCharsets.ISO_8859_1) + " after " + before);
                    }
                }
            }
        }
    }

    @Test
    void tokensInsideTokens() {
        // a start inside a cut token, tokens back to back, one token's prefix before another
        for (String s : List.of("GEGET /", "PPOST /", "PROPPATCPROPPATCH /", "HTTP/HTTP/1.1", "HHTTP/1.",
                "PUTPUT PUT ", "POS GET ", "DELETEDELETE ", "OPTIONSOPTIONS /", "MKCOLMOVE /", "UNLOCKLOCK ",
                "HTTP/1HTTP/1.", "GET GET ", "SEARCHREPORT PURGE ")) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            for (int to = 0; to <= bytes.length; to++) {
                for (int from = 0; from <= to; from++) {
                    check(bytes, from, to, s);
                }
            }
        }
    }

    @Test
    void randomBytes() {
        SplittableRandom random = new SplittableRandom(1);
        for (int round = 0; round < 3000; round++) {
            byte[] bytes = new byte[random.nextInt(round % 100 == 0 ? 70_000 : 400)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) random.nextInt(256);
            }
            range(bytes, random, "random " + round);
        }
    }

    @Test
    void tokenLettersWithTokensSeededAndCut() {
        SplittableRandom random = new SplittableRandom(2);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(round % 500 == 0 ? 20_000 : 120)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = LETTERS[random.nextInt(LETTERS.length)];
            }
            int seeds = bytes.length == 0 ? 0 : random.nextInt(4);
            for (int k = 0; k < seeds; k++) {
                byte[] t = TOKENS.get(random.nextInt(TOKENS.size()));
                int n = random.nextInt(4) == 0 ? random.nextInt(t.length) : t.length; // sometimes cut
                int at = random.nextInt(bytes.length);
                System.arraycopy(t, 0, bytes, at, Math.min(n, bytes.length - at));
            }
            if (bytes.length > 0 && random.nextBoolean()) {
                // a token whole or cut at the very end
                byte[] t = TOKENS.get(random.nextInt(TOKENS.size()));
                int n = Math.min(bytes.length, 1 + random.nextInt(t.length));
                System.arraycopy(t, 0, bytes, bytes.length - n, n);
            }
            range(bytes, random, "letters " + round);
        }
    }

    /** The whole buffer, and a random range of it ending at a random place (a token may go on past it). */
    private static void range(byte[] bytes, SplittableRandom random, String what) {
        check(bytes, 0, bytes.length, what);
        int to = random.nextInt(bytes.length + 1);
        int from = random.nextInt(to + 1);
        check(bytes, from, to, what);
    }

    @Test
    void scansFindStarts() {
        // the comparisons above are not all "-1 both": starts are found, also tokens ending at the range's end
        everyTokenAtEveryPlaceAndCut();
        assertTrue(found > 1000, "starts found: " + found);
        assertTrue(foundAtEnd > 100, "starts ending at the range's end: " + foundAtEnd);
    }
}
