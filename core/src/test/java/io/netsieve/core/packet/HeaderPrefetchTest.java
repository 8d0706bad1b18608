package io.netsieve.core.packet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HeaderPrefetchTest {
    /** Three frames back to back: 100 bytes, 0 bytes, 10 bytes; byte i of the buffer holds (i % 120) + 1. */
    private static final byte[] BUFFER = new byte[110];
    private static final int[] OFFSETS = {0, 100, 100};
    private static final int[] LENGTHS = {100, 0, 10};

    static {
        for (int i = 0; i < BUFFER.length; i++) {
            BUFFER[i] = (byte) (i % 120 + 1);
        }
    }

    @Test
    void touchReadsTheFirstByteAndTheByteAtTheSecondTouchOrTheLastOfEachNonEmptyFrame() {
        // frame 0: bytes 0 and 66; frame 1 (empty) is skipped; frame 2 (10 bytes at 100): bytes 100 and 109
        int expected = BUFFER[0] + BUFFER[HeaderPrefetch.SECOND_TOUCH] + BUFFER[100] + BUFFER[109];
        assertEquals(expected, HeaderPrefetch.touch(BUFFER, OFFSETS, LENGTHS, 0, 3));
        assertEquals(BUFFER[100] + BUFFER[109], HeaderPrefetch.touch(BUFFER, OFFSETS, LENGTHS, 1, 3));
        assertEquals(0, HeaderPrefetch.touch(BUFFER, OFFSETS, LENGTHS, 2, 2));
    }

    @Test
    void aheadTouchesTheNextBatchOnlyAtBatchStartsAndStopsAtTheCount() {
        int frames = 3 * HeaderPrefetch.BATCH + 5;
        byte[] buffer = new byte[frames];
        int[] offsets = new int[frames];
        int[] lengths = new int[frames];
        for (int i = 0; i < frames; i++) {
            buffer[i] = 1;
            offsets[i] = i;
            lengths[i] = 1; // one byte: both touches read it
        }
        assertEquals(2 * HeaderPrefetch.BATCH, HeaderPrefetch.ahead(buffer, offsets, lengths, frames, 0));
        assertEquals(0, HeaderPrefetch.ahead(buffer, offsets, lengths, frames, 1));
        // at 2 * BATCH only the 5 frames after 3 * BATCH remain
        assertEquals(2 * 5, HeaderPrefetch.ahead(buffer, offsets, lengths, frames, 2 * HeaderPrefetch.BATCH));
        assertEquals(0, HeaderPrefetch.ahead(buffer, offsets, lengths, frames, 3 * HeaderPrefetch.BATCH));
    }

    @Test
    void aFrameOutsideTheBufferIsAnError() {
        assertThrows(IndexOutOfBoundsException.class,
                () -> HeaderPrefetch.touch(BUFFER, new int[] {105}, new int[] {10}, 0, 1));
    }
}
