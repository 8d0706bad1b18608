package io.netsieve.l7.internal.dns;

import io.netsieve.l7.DnsAnswer;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Parses one DNS message (RFC 1035) from bytes. Every read is checked against the message end first, so bad input
 * (lying counts, names past the end, compression-pointer loops, labels over 63 bytes, names over 255 bytes) gives a
 * {@link DnsMessage} with a malformed reason, never an exception.
 */
final class DnsReader {
    static final int HEADER = 12;
    /** Answers kept per record; the rest are counted in the message but not stored. */
    private static final int MAX_ANSWERS = 64;
    /** Hex bytes of an unknown record's data kept as text. */
    private static final int MAX_HEX = 64;

    private final byte[] b;
    private final int start;
    private final int end;
    private int pos;
    private String why;

    private DnsReader(byte[] b, int from, int length) {
        this.b = b;
        this.start = from;
        this.pos = from;
        this.end = from + length;
    }

    /** Whether {@code length} bytes at {@code from} look like a DNS header (used by detection). */
    static boolean plausibleHeader(byte[] b, int from, int length) {
        if (length < HEADER) {
            return false;
        }
        int flags = u16(b, from + 2);
        int opcode = (flags >> 11) & 0xf;
        int qd = u16(b, from + 4);
        int an = u16(b, from + 6);
        int ns = u16(b, from + 8);
        int ar = u16(b, from + 10);
        boolean response = (flags & 0x8000) != 0;
        // opcodes 0-2, 4 (notify), 5 (update); Z bit clear; one question as nearly every client sends; bounded counts
        if (opcode == 3 || opcode > 5 || (flags & 0x0040) != 0 || qd > 1 || an > 512 || ns > 512 || ar > 512) {
            return false;
        }
        if (!response && (an > 0 && opcode == 0)) {
            return false;
        }
        if (qd == 0) {
            return response && (flags & 0xf) != 0; // an error response may carry no question
        }
        // the question's name must parse and be followed by type and class
        DnsReader r = new DnsReader(b, from, length);
        r.pos = from + HEADER;
        String name = r.name();
        return name != null && r.pos + 4 <= r.end;
    }

    static DnsMessage parse(byte[] b, int from, int length) {
        if (length < HEADER) {
            return DnsMessage.malformed(length >= 2 ? u16(b, from) : -1, length >= 4 ? u16(b, from + 2) : 0,
                    "shorter than the 12-byte header");
        }
        return new DnsReader(b, from, length).message();
    }

    private DnsMessage message() {
        int start = pos;
        int id = u16(b, start);
        int flags = u16(b, start + 2);
        int qd = u16(b, start + 4);
        int an = u16(b, start + 6);
        int ns = u16(b, start + 8);
        int ar = u16(b, start + 10);
        pos = start + HEADER;
        String qname = null;
        int qtype = -1;
        int qclass = -1;
        for (int i = 0; i < qd; i++) {
            String n = name();
            if (n == null || !need(4)) {
                return DnsMessage.malformed(id, flags, why != null ? why : "question past the end (qdcount " + qd + ")");
            }
            if (i == 0) {
                qname = n;
                qtype = u16(b, pos);
                qclass = u16(b, pos + 2);
            }
            pos += 4;
        }
        List<DnsAnswer> answers = new ArrayList<>(Math.min(an, 8));
        int extended = flags & 0xf;
        for (int section = 0; section < 3; section++) {
            int count = section == 0 ? an : section == 1 ? ns : ar;
            for (int i = 0; i < count; i++) {
                String n = name();
                if (n == null || !need(10)) {
                    return DnsMessage.malformed(id, flags, why != null ? why
                            : "record past the end (counts " + an + "/" + ns + "/" + ar + ")");
                }
                int type = u16(b, pos);
                long ttl = u32(b, pos + 4);
                int rdlength = u16(b, pos + 8);
                pos += 10;
                if (!need(rdlength)) {
                    return DnsMessage.malformed(id, flags, "record data past the end (rdlength " + rdlength + ")");
                }
                int rdata = pos;
                if (section == 0 && answers.size() < MAX_ANSWERS) {
                    String data = data(type, rdata, rdlength);
                    if (data == null) {
                        return DnsMessage.malformed(id, flags, why != null ? why : "bad record data of type " + type);
                    }
                    answers.add(new DnsAnswer(n, type, ttl, data));
                }
                if (section == 2 && type == 41) {
                    // OPT: the upper 8 bits of the extended RCODE are the TTL's first byte (RFC 6891)
                    extended = (int) ((ttl >>> 24) << 4) | (flags & 0xf);
                }
                pos = rdata + rdlength;
            }
        }
        return new DnsMessage(id, flags, (flags & 0x8000) != 0, flags & 0xf, extended, qname, qtype, qclass,
                answers, null);
    }

    private String data(int type, int at, int len) {
        switch (type) {
            case 1, 28 -> {
                if (len != (type == 1 ? 4 : 16)) {
                    why = "address of " + len + " bytes in a type " + type + " record";
                    return null;
                }
                byte[] a = new byte[len];
                System.arraycopy(b, at, a, 0, len);
                return io.netsieve.core.packet.IpAddressText.of(a);
            }
            case 2, 5, 12 -> {
                int save = pos;
                pos = at;
                String n = name();
                pos = save;
                return n;
            }
            case 15 -> {
                if (len < 3) {
                    why = "MX record of " + len + " bytes";
                    return null;
                }
                int save = pos;
                pos = at + 2;
                String n = name();
                pos = save;
                return n == null ? null : u16(b, at) + " " + n;
            }
            case 16 -> {
                StringBuilder s = new StringBuilder();
                int p = at;
                while (p < at + len) {
                    int l = b[p] & 0xff;
                    if (p + 1 + l > at + len) {
                        why = "TXT string past the record";
                        return null;
                    }
                    s.append(new String(b, p + 1, l, java.nio.charset.StandardCharsets.ISO_8859_1));
                    p += 1 + l;
                }
                return s.toString();
            }
            default -> {
                String hex = HexFormat.of().formatHex(b, at, at + Math.min(len, MAX_HEX));
                return len > MAX_HEX ? hex + "..." : hex;
            }
        }
    }

    /**
     * Reads a possibly compressed name at {@code pos} and moves past it; null (with {@link #why}) when bad. A
     * pointer must point strictly before the label it follows (RFC 1035 compresses only to earlier names), which
     * also rules out loops.
     */
    private String name() {
        StringBuilder s = new StringBuilder();
        int p = pos;
        int after = -1;
        int limit = -1; // after a jump, later pointers must point strictly before its target: no loop can form
        int total = 0;
        while (true) {
            if (p >= end) {
                why = "name past the end";
                return null;
            }
            int len = b[p] & 0xff;
            if ((len & 0xc0) == 0xc0) {
                if (p + 1 >= end) {
                    why = "compression pointer past the end";
                    return null;
                }
                int abs = start + (((len & 0x3f) << 8) | (b[p + 1] & 0xff));
                if (abs >= (limit < 0 ? p : limit)) {
                    why = "compression pointer loop or forward pointer";
                    return null;
                }
                if (after < 0) {
                    after = p + 2;
                }
                limit = abs;
                p = abs;
                continue;
            }
            if ((len & 0xc0) != 0) {
                why = "reserved label type";
                return null;
            }
            if (len == 0) {
                pos = after >= 0 ? after : p + 1;
                return s.length() == 0 ? "<Root>" : s.toString();
            }
            if (p + 1 + len > end) {
                why = "label past the end";
                return null;
            }
            total += len + 1;
            if (total > 255) {
                why = "name longer than 255 bytes";
                return null;
            }
            if (s.length() > 0) {
                s.append('.');
            }
            for (int i = p + 1; i <= p + len; i++) {
                s.append((char) (b[i] & 0xff));
            }
            p += 1 + len;
        }
    }

    private boolean need(int n) {
        return pos + n <= end;
    }

    static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    static long u32(byte[] b, int at) {
        return ((long) u16(b, at) << 16) | u16(b, at + 2);
    }
}
