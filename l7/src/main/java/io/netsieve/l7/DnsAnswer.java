package io.netsieve.l7;

/**
 * One resource record of a DNS answer section.
 *
 * @param name the owner name
 * @param type the TYPE (1 A, 5 CNAME, 28 AAAA, …)
 * @param ttl  the TTL in seconds (unsigned)
 * @param data the data as text: address for A/AAAA, name for CNAME/NS/PTR, preference and name for MX, text for
 *             TXT, hex for other types
 */
public record DnsAnswer(String name, int type, long ttl, String data) {
}
