package io.netsieve.l4;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Community ID flow hashing, version 1 (the Corelight spec used by Zeek and Suricata): base64 of SHA-1 over
 * seed, the ordered endpoints, protocol and ports, prefixed {@code 1:}. Lets records join Zeek/Suricata data.
 */
public final class CommunityId {
    private CommunityId() {
    }

    /**
     * @param srcIp   source address bytes (4 or 16)
     * @param dstIp   destination address bytes (same length)
     * @param seed    the seed (0 by default)
     */
    public static String v1(byte[] srcIp, int srcPort, byte[] dstIp, int dstPort, int protocol, int seed) {
        if (srcIp.length != dstIp.length) {
            throw new IllegalArgumentException("address families differ");
        }
        int c = compare(srcIp, dstIp);
        boolean swap = c > 0 || (c == 0 && srcPort > dstPort);
        byte[] a = swap ? dstIp : srcIp;
        byte[] b = swap ? srcIp : dstIp;
        int pa = swap ? dstPort : srcPort;
        int pb = swap ? srcPort : dstPort;
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha1.update((byte) (seed >>> 8));
        sha1.update((byte) seed);
        sha1.update(a);
        sha1.update(b);
        sha1.update((byte) protocol);
        sha1.update((byte) 0);
        sha1.update((byte) (pa >>> 8));
        sha1.update((byte) pa);
        sha1.update((byte) (pb >>> 8));
        sha1.update((byte) pb);
        return "1:" + Base64.getEncoder().encodeToString(sha1.digest());
    }

    private static int compare(byte[] x, byte[] y) {
        for (int i = 0; i < x.length; i++) {
            int d = (x[i] & 0xFF) - (y[i] & 0xFF);
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }
}
