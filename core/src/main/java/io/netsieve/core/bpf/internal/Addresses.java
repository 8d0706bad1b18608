package io.netsieve.core.bpf.internal;

import java.util.ArrayList;
import java.util.List;

/** Address literal parsing with libpcap's rules (no name service is ever consulted here). */
public final class Addresses {
    private Addresses() {
    }

    /**
     * libpcap's {@code atoin}: 1 to 4 decimal parts of 0..255; returns {value, bits} (bits = 8 per part) or null.
     */
    public static long[] parseIpv4Parts(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length > 4) {
            return null;
        }
        long addr = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 && !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            long n = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9' || n > 25) {
                    return null;
                }
                n = n * 10 + (c - '0');
            }
            if (n > 255) {
                return null;
            }
            addr = (addr << 8) | n;
        }
        return new long[] {addr, 8L * parts.length};
    }

    /** An IPv6 literal as four big-endian 32-bit words, or null if it is not valid. */
    public static int[] parseIpv6(String s) {
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return null;
        }
        List<Integer> head = new ArrayList<>();
        List<Integer> tail = new ArrayList<>();
        String left = dbl >= 0 ? s.substring(0, dbl) : s;
        String right = dbl >= 0 ? s.substring(dbl + 2) : "";
        if (!groups(left, head, dbl < 0 || right.isEmpty())) {
            return null;
        }
        if (dbl >= 0 && !groups(right, tail, true)) {
            return null;
        }
        int total = head.size() + tail.size();
        if (dbl < 0 && total != 8 || dbl >= 0 && total > 7) {
            return null;
        }
        int[] g = new int[8];
        for (int i = 0; i < head.size(); i++) {
            g[i] = head.get(i);
        }
        for (int i = 0; i < tail.size(); i++) {
            g[8 - tail.size() + i] = tail.get(i);
        }
        return new int[] {g[0] << 16 | g[1], g[2] << 16 | g[3], g[4] << 16 | g[5], g[6] << 16 | g[7]};
    }

    private static boolean groups(String s, List<Integer> out, boolean ipv4AllowedAtEnd) {
        if (s.isEmpty()) {
            return true;
        }
        String[] parts = s.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && p.indexOf('.') >= 0) {
                if (!ipv4AllowedAtEnd) {
                    return false;
                }
                String[] o = p.split("\\.", -1);
                if (o.length != 4) {
                    return false;
                }
                int[] b = new int[4];
                for (int j = 0; j < 4; j++) {
                    if (o[j].isEmpty() || o[j].length() > 3 || !o[j].chars().allMatch(Character::isDigit)) {
                        return false;
                    }
                    b[j] = Integer.parseInt(o[j]);
                    if (b[j] > 255) {
                        return false;
                    }
                }
                out.add(b[0] << 8 | b[1]);
                out.add(b[2] << 8 | b[3]);
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return false;
            }
            for (int j = 0; j < p.length(); j++) {
                if (Character.digit(p.charAt(j), 16) < 0) {
                    return false;
                }
            }
            out.add(Integer.parseInt(p, 16));
        }
        return true;
    }

    /** A MAC-48 literal (':' '-' '.' separated, or xxxx.xxxx.xxxx), or null. */
    public static byte[] parseMac(String s) {
        String hex;
        if (s.matches("[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}")) {
            hex = s.replace(".", "");
        } else if (s.matches("[0-9A-Fa-f]{12}")) {
            hex = s;
        } else {
            String[] parts = s.split("[:.\\-]");
            if (parts.length != 6) {
                return null;
            }
            StringBuilder sb = new StringBuilder();
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 2 || !p.matches("[0-9A-Fa-f]+")) {
                    return null;
                }
                sb.append(p.length() == 1 ? "0" + p : p);
            }
            hex = sb.toString();
        }
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return mac;
    }
}
