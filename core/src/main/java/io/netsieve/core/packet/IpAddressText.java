package io.netsieve.core.packet;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * IP addresses as records write them: IPv4 dotted quad, IPv6 in the RFC 5952 canonical form ({@code fd00::10}, not
 * Java's {@code fd00:0:0:0:0:0:0:10}): lower-case hex without leading zeros, the longest run of two or more zero
 * groups (the first of equal runs) written as {@code ::}. The form tshark, Zeek and Go's {@code net.IP} print, so
 * records compare as text with theirs.
 */
public final class IpAddressText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private IpAddressText() {
    }

    /** An IPv6 address given as its two 64-bit halves, network order. */
    public static String ipv6(long high, long low) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xFFFF;
            groups[4 + i] = (int) (low >>> (48 - 16 * i)) & 0xFFFF;
        }
        // the longest run of zero groups, at least two long; the first of equal runs
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            hex(b, groups[i]);
        }
        return b.toString();
    }

    /** A 4-byte (IPv4) or 16-byte (IPv6) address. */
    public static String of(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "."
                    + (address[3] & 0xFF);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = high << 8 | (address[i] & 0xFF);
            low = low << 8 | (address[8 + i] & 0xFF);
        }
        return ipv6(high, low);
    }

    /** An address without its scope (the text of {@link #of(byte[])}). */
    public static String of(InetAddress address) {
        return address instanceof Inet4Address ? address.getHostAddress() : of(address.getAddress());
    }

    private static void hex(StringBuilder b, int group) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = group >>> shift & 0xF;
            if (digit != 0 || started || shift == 0) {
                b.append(HEX[digit]);
                started = true;
            }
        }
    }
}
