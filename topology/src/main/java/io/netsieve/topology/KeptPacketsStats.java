package io.netsieve.topology;

/**
 * The counters of a run's {@link KeptPackets}, summed over its pipeline threads. Every frame offered (a TCP or UDP
 * frame the filter let through) ends in exactly one of kept, cut or after-eviction:
 * {@code framesOffered = framesKept + framesCut + framesAfterEviction}.
 *
 * @param framesOffered         frames with a TCP or UDP header offered to the store
 * @param framesKept            frames copied into the store (some may have been evicted since)
 * @param bytesKept             captured bytes of those frames
 * @param framesCut             frames not kept because their connection had reached {@code bytesPerConnection}
 * @param framesAfterEviction   frames not kept because their connection had been evicted
 * @param connections           connections started in the store
 * @param connectionsKept       connections held now
 * @param evictedForBytes       connections evicted because the store was full ({@code totalBytes})
 * @param evictedForConnections connections evicted to make a slot ({@code maxConnections})
 * @param framesEvicted         kept frames that went with evicted connections
 * @param bytesInUse            bytes of the log in use now (live and not yet reclaimed frames, headers included)
 * @param bytesAllocated        bytes of chunks allocated (at most {@code totalBytes}, rounded up to 64 KiB chunks)
 */
public record KeptPacketsStats(long framesOffered, long framesKept, long bytesKept, long framesCut,
                               long framesAfterEviction, long connections, long connectionsKept,
                               long evictedForBytes, long evictedForConnections, long framesEvicted, long bytesInUse,
                               long bytesAllocated) {

    /** Connections evicted for either bound. */
    public long connectionsEvicted() {
        return evictedForBytes + evictedForConnections;
    }
}
