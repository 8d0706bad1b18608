package io.netsieve.core.packet;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

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

    /**
     * An address as netsieve keeps it (128 bits, network order; IPv4 as IPv4-mapped {@code ::ffff:a.b.c.d}): IPv4
     * as a dotted quad, anything else as IPv6.
     */
    public static String of(long high, long low) {
        return high == 0 && (low >>> 32) == 0xFFFFL ? ipv4((int) low) : ipv6(high, low);
    }

    /** An IPv4 address as a dotted quad, written straight into the string's bytes (records format one per side). */
    public static String ipv4(int address) {
        byte[] out = new byte[15];
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8) {
            int octet = address >>> shift & 0xFF;
            if (octet >= 100) {
                out[n++] = (byte) ('0' + octet / 100);
            }
            if (octet >= 10) {
                out[n++] = (byte) ('0' + octet / 10 % 10);
            }
            out[n++] = (byte) ('0' + octet % 10);
            if (shift > 0) {
                out[n++] = '.';
            }
        }
        return new String(out, 0, n, StandardCharsets.ISO_8859_1);
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
            return ipv4((address[0] & 0xFF) << 24 | (address[1] & 0xFF) << 16 | (address[2] & 0xFF) << 8
                    | (address[3] & 0xFF));
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
