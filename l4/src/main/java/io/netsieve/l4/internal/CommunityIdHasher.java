package io.netsieve.l4.internal;

import io.netsieve.l4.CommunityId;
import io.netsieve.l4.flow.FlowKey;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Community ID v1 of a flow key with one SHA-1 instance and scratch buffers reused from record to record (one
 * tracker thread only): the same value as {@link CommunityId#v1}, without its per-call digest and arrays.
 */
final class CommunityIdHasher {
    private final MessageDigest sha1;
    private final byte[] input = new byte[2 + 16 + 16 + 2 + 4];
    private final byte[] digest = new byte[20];
    private final byte[] text = new byte[28];
    private final int seed;

    CommunityIdHasher(int seed) {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        this.seed = seed;
    }

    String v1(FlowKey k) {
        boolean v4 = k.ipVersion() == 4;
        int c = v4 ? Long.compareUnsigned(k.aLow(), k.bLow())
                : k.aHigh() != k.bHigh() ? Long.compareUnsigned(k.aHigh(), k.bHigh())
                : Long.compareUnsigned(k.aLow(), k.bLow());
        boolean swap = c > 0 || (c == 0 && k.aPort() > k.bPort());
        long aHigh = swap ? k.bHigh() : k.aHigh();
        long aLow = swap ? k.bLow() : k.aLow();
        long bHigh = swap ? k.aHigh() : k.bHigh();
        long bLow = swap ? k.aLow() : k.bLow();
        int pa = swap ? k.bPort() : k.aPort();
        int pb = swap ? k.aPort() : k.bPort();
        int n = 0;
        input[n++] = (byte) (seed >>> 8);
        input[n++] = (byte) seed;
        n = address(aHigh, aLow, v4, n);
        n = address(bHigh, bLow, v4, n);
        input[n++] = (byte) k.protocol();
        input[n++] = 0;
        input[n++] = (byte) (pa >>> 8);
        input[n++] = (byte) pa;
        input[n++] = (byte) (pb >>> 8);
        input[n++] = (byte) pb;
        sha1.update(input, 0, n);
        try {
            sha1.digest(digest, 0, digest.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        int len = Base64.getEncoder().encode(digest, text);
        return "1:" + new String(text, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private int address(long high, long low, boolean v4, int n) {
        if (v4) {
            for (int i = 24; i >= 0; i -= 8) {
                input[n++] = (byte) (low >>> i);
            }
            return n;
        }
        for (int i = 56; i >= 0; i -= 8) {
            input[n++] = (byte) (high >>> i);
        }
        for (int i = 56; i >= 0; i -= 8) {
            input[n++] = (byte) (low >>> i);
        }
        return n;
    }
}
