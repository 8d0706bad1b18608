package io.netsieve.l7;

import java.util.List;

/**
 * The DNS fields of an {@link L7Log}.
 *
 * @param id         the message id the query and response were paired by
 * @param queryName  the first question's name (dotted, no trailing dot; {@code <Root>} for the root), or null
 * @param queryType  its QTYPE (1 A, 28 AAAA, …), -1 when absent
 * @param queryClass its QCLASS, -1 when absent
 * @param flags      the response's 16-bit flags word (the query's when there is no response)
 * @param rcode      the response header's 4-bit RCODE, -1 without response
 * @param extendedRcode the RCODE extended by an OPT record's upper 8 bits (RFC 6891; e.g. 23 BADCOOKIE), -1
 *                   without response
 * @param answers    the answer section of the response
 * @param malformed  why the query or response could not be parsed, or null
 */
public record DnsInfo(int id, String queryName, int queryType, int queryClass, int flags, int rcode,
                      int extendedRcode, List<DnsAnswer> answers, String malformed) {

    public DnsInfo {
        answers = answers == null ? List.of() : List.copyOf(answers);
    }
}
