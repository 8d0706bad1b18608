package io.netsieve.l7.internal.dns;

import io.netsieve.l7.DnsAnswer;

import java.util.List;

/**
 * A parsed DNS message, or why it could not be parsed ({@code malformed} non-null: the header fields are then valid
 * only when the message had at least 12 bytes).
 */
record DnsMessage(int id, int flags, boolean response, int rcode, int extendedRcode, String queryName,
                  int queryType, int queryClass, List<DnsAnswer> answers, String malformed) {

    static DnsMessage malformed(int id, int flags, String why) {
        return new DnsMessage(id, flags, (flags & 0x8000) != 0, flags & 0xf, flags & 0xf, null, -1, -1, List.of(),
                why);
    }
}
