package io.netsieve.topology;

import io.netsieve.l4.L4Log;

/** One packet of an L4 record's packet series: the record and the row index in {@link L4Log#packets()}. */
public record PacketRef(L4Log chunk, int row) {
}
