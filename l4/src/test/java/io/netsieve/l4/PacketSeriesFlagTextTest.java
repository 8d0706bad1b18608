package io.netsieve.l4;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The flag texts of the packet rows: the set bits' names, SYN and ACK first, for every combination. */
class PacketSeriesFlagTextTest {
    /** TCP header flag bits (FIN = bit 0 … NS = bit 8) in the order the text names them. */
    private static final int[] BITS = {1, 4, 0, 2, 3, 5, 6, 7, 8};
    private static final String[] NAMES = {"SYN", "ACK", "FIN", "RST", "PSH", "URG", "ECE", "CWR", "NS"};

    @Test
    void everyCombinationNamesItsBitsInOrder() {
        for (int flags = 0; flags < 1 << 10; flags++) {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < BITS.length; k++) {
                if ((flags >> BITS[k] & 1) != 0) {
                    names.add(NAMES[k]);
                }
            }
            assertEquals(String.join("|", names), PacketSeries.flagText(flags), "flags 0x" + Integer.toHexString(flags));
        }
        assertEquals("SYN|ACK", PacketSeries.flagText(0x12));
        assertEquals("ACK|FIN", PacketSeries.flagText(0x11));
        assertSame(PacketSeries.flagText(0x18), PacketSeries.flagText(0x18), "made once, not per packet");
    }
}
