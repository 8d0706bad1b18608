package io.netsieve.core.io.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A buffer reading ahead on its own thread hands out what the one reading on the caller's thread does: the same
 * answers to {@code ensure}, the same bytes at the same file offsets, across chunk boundaries, records longer than
 * the headroom, the end of the channel and a failing channel.
 */
class ChannelReadBufferReadAheadTest {
    private static final int MAX = 20_000;

    @Test
    void sameBytesAndAnswersAsReadingOnTheCallersThread() throws IOException {
        int[] chunks = {1, 2, 3, 7, 64, 500, 4096};
        int[] headrooms = {0, 1, 5, 16, 100, 1000};
        long gathered = 0;
        long swaps = 0;
        for (int seed = 0; seed < 300; seed++) {
            Random r = new Random(seed);
            byte[] data = new byte[r.nextInt(6000)];
            r.nextBytes(data);
            int chunk = chunks[r.nextInt(chunks.length)];
            int headroom = headrooms[r.nextInt(headrooms.length)];
            ChannelReadBuffer sync = new ChannelReadBuffer(channel(data), 64, MAX);
            ChannelReadBuffer ahead = ChannelReadBuffer.readingAhead(channel(data), chunk, headroom, MAX);
            ByteOrder order = r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            sync.order(order);
            ahead.order(order);
            try {
                String where = "seed " + seed + ", " + data.length + " bytes, chunk " + chunk + ", headroom " + headroom;
                ByteBuffer last = null;
                while (true) {
                    // mostly record-sized requests, sometimes one longer than the headroom or than the rest
                    int n = r.nextInt(10) == 0 ? r.nextInt(3000) : r.nextInt(40);
                    boolean expected = sync.ensure(n);
                    assertEquals(expected, ahead.ensure(n), where);
                    assertEquals(sync.fileOffset(), ahead.fileOffset(), where);
                    if (!expected) {
                        assertEquals(data.length - sync.fileOffset(), sync.available(), where + " sync");
                        assertEquals(sync.available(), ahead.available(), where);
                        assertEquals(data.length - sync.fileOffset(), ahead.available(), where);
                        n = ahead.available();
                    }
                    int at = (int) ahead.fileOffset();
                    byte[] got = new byte[n];
                    ahead.buffer().get(ahead.position(), got, 0, n);
                    assertTrue(Arrays.equals(data, at, at + n, got, 0, n), where + " at " + at);
                    for (int i = 0; i + 4 <= n; i += 3) { // the file's byte order, from the array or the buffer
                        assertEquals(sync.i32(i), ahead.i32(i), where);
                        assertEquals(ByteBuffer.wrap(got, i, 4).order(order).getInt(), ahead.i32(i), where);
                        assertEquals(sync.u16(i), ahead.u16(i), where);
                        assertEquals(ByteBuffer.wrap(got, i, 2).order(order).getShort() & 0xFFFF, ahead.u16(i), where);
                        assertEquals(got[i] & 0xFF, ahead.u8(i), where);
                    }
                    if (ahead.buffer() != last) {
                        last = ahead.buffer();
                        if (ahead.buffer().capacity() == headroom + chunk) {
                            swaps++;
                        } else {
                            gathered++;
                        }
                    }
                    if (n == 0 && !expected) {
                        break;
                    }
                    int skip = r.nextInt(n + 1);
                    sync.skip(skip);
                    ahead.skip(skip);
                }
            } finally {
                sync.close();
                ahead.close();
            }
        }
        assertTrue(swaps > 300 && gathered > 300, "both ways of crossing a chunk boundary ran: " + swaps + " swaps, "
                + gathered + " gathered");
    }

    @Test
    void aFailingChannelGivesEveryByteBeforeItsFailureThenTheFailure() throws IOException {
        byte[] data = new byte[10_000];
        new Random(7).nextBytes(data);
        IOException failure = new IOException("disk gone");
        ReadableByteChannel failing = new ReadableByteChannel() {
            private final ReadableByteChannel in = channel(data);
            private boolean open = true;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                int n = in.read(dst);
                if (n < 0) {
                    throw failure;
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
        ChannelReadBuffer ahead = ChannelReadBuffer.readingAhead(failing, 300, 50, MAX);
        try {
            for (int i = 0; i < data.length; i += 100) {
                assertTrue(ahead.ensure(100));
                assertEquals(data[i], ahead.buffer().get(ahead.position()));
                ahead.skip(100);
            }
            assertSame(failure, assertThrows(IOException.class, () -> ahead.ensure(1)));
            assertSame(failure, assertThrows(IOException.class, () -> ahead.ensure(1)), "and again");
        } finally {
            ahead.close();
        }
    }

    @Test
    void closeStopsTheReadingThreadEvenWhenItWaitsForAFreeBuffer() throws IOException {
        long before = readingThreads();
        ChannelReadBuffer ahead = ChannelReadBuffer.readingAhead(channel(new byte[1 << 20]), 1000, 100, MAX);
        assertTrue(ahead.ensure(10));
        assertEquals(before + 1, readingThreads(), "a thread reads ahead");
        ahead.close(); // the thread has filled both buffers by now or soon: it waits for one to come back
        assertEquals(before, readingThreads(), "and ends with close");
        ChannelReadBuffer small = ChannelReadBuffer.readingAhead(channel(new byte[10]), 1000, 100, MAX);
        assertFalse(small.ensure(11));
        assertEquals(10, small.available());
        small.close();
        assertEquals(before, readingThreads());
    }

    private static long readingThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("netsieve-read-ahead") && t.isAlive()).count();
    }

    /** A channel over {@code data} that hands out at most 8 KiB per read (as a stream-backed channel does). */
    private static ReadableByteChannel channel(byte[] data) {
        return Channels.newChannel(new ByteArrayInputStream(data));
    }
}
