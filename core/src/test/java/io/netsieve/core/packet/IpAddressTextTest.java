package io.netsieve.core.packet;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 5952's canonical IPv6 text: its own examples, and properties on random addresses with zero runs. */
class IpAddressTextTest {

    private static String text(String address) throws Exception {
        return IpAddressText.of(InetAddress.getByName(address).getAddress());
    }

    @Test
    void rfc5952Examples() throws Exception {
        assertEquals("2001:db8::1", text("2001:db8:0:0:0:0:0:1"));            // 4.2.1: shorten as much as possible
        assertEquals("2001:db8:0:1:1:1:1:1", text("2001:db8:0:1:1:1:1:1"));  // 4.2.2: not one 16-bit 0 field
        assertEquals("2001:0:0:1::1", text("2001:0:0:1:0:0:0:1"));           // 4.2.3: the longest run
        assertEquals("2001:db8::1:0:0:1", text("2001:db8:0:0:1:0:0:1"));     // 4.2.3: the first of equal runs
        assertEquals("2001:db8::aaaa:0:0:1", text("2001:0db8:0:0:AAAA:0:0:1")); // 4.3: lower case
        assertEquals("::", text("::"));
        assertEquals("::1", text("::1"));
        assertEquals("1::", text("1::"));
        assertEquals("fe80::1:2", text("fe80:0:0:0:0:0:1:2"));
        assertEquals("2001:2::10", text("2001:0002:0000:0000:0000:0000:0000:0010"));
        assertEquals("198.18.0.1", IpAddressText.of(new byte[] {(byte) 198, 18, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> IpAddressText.of(new byte[5]));
    }

    @Test
    void randomAddressesRoundTripInCanonicalForm() throws Exception {
        Random r = new Random(5952);
        for (int n = 0; n < 20_000; n++) {
            byte[] a = new byte[16];
            for (int g = 0; g < 8; g++) {
                int v = switch (r.nextInt(4)) {
                    case 0, 1 -> 0;            // many zero groups, so runs of every length and position occur
                    case 2 -> r.nextInt(16);   // leading zeros to strip
                    default -> r.nextInt(65536);
                };
                a[2 * g] = (byte) (v >>> 8);
                a[2 * g + 1] = (byte) v;
            }
            String t = IpAddressText.of(a);
            assertArrayEquals(a, InetAddress.getByName(t).getAddress(), t);
            assertEquals(t.toLowerCase(), t);
            assertTrue(t.indexOf("::") == t.lastIndexOf("::"), t);
            for (String group : t.split(":")) {
                assertFalse(group.length() > 1 && group.startsWith("0"), t);
            }
            // the compressed run is the first longest run of >= 2 zero groups
            int bestStart = -1;
            int bestLength = 1;
            for (int i = 0; i < 8; i++) {
                int j = i;
                while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0) {
                    j++;
                }
                if (j - i > bestLength) {
                    bestStart = i;
                    bestLength = j - i;
                }
            }
            assertEquals(bestStart >= 0, t.contains("::"), t);
            if (bestStart >= 0) {
                int before = t.startsWith("::") ? 0 : t.substring(0, t.indexOf("::")).split(":").length;
                assertEquals(bestStart, before, t);
            }
        }
    }

    /** The 128-bit form the decoder and the flow keys hold: IPv4-mapped addresses print as Java prints IPv4. */
    @Test
    void ipv4MappedAsDottedQuadAgainstInetAddress() throws Exception {
        Random r = new Random(0x1b4L);
        int[] edges = {0, -1, 0xC6120001, 0x01020304, 0x64000A09, 0x0A640909};
        for (int t = 0; t < 10_000; t++) {
            int a = t < edges.length ? edges[t] : r.nextInt();
            byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
            String java = InetAddress.getByAddress(b).getHostAddress();
            assertEquals(java, IpAddressText.of(0, 0xFFFF_0000_0000L | (a & 0xFFFF_FFFFL)));
            assertEquals(java, IpAddressText.ipv4(a));
            assertEquals(java, IpAddressText.of(b));
        }
        // not IPv4-mapped: IPv6
        assertEquals("2001:2::10", IpAddressText.of(0x2001_0002_0000_0000L, 0x10));
    }
}
