package io.netsieve.topology;

/**
 * How many packets a {@link NetSieve} run keeps in memory for export ({@link NetSieve.Builder#keepPackets}): copies
 * of the frames of each TCP connection and UDP flow, so that one connection, one exchange or one exchange path can
 * be written to pcap or pcapng afterwards ({@link KeptPackets}), from live capture as from files.
 *
 * <p>Three bounds, each with an eviction counter in {@link KeptPacketsStats}:
 * <ul>
 *   <li>{@link Builder#bytesPerConnection} (default {@value #DEFAULT_BYTES_PER_CONNECTION} = 1 MiB): the frames
 *       kept of one connection, each counted with a {@value io.netsieve.topology.internal.PacketRing#HEADER}-byte
 *       header; the connection's later frames are cut (counted; an exchange that ended before the first cut frame
 *       can still be exported, the whole connection cannot);</li>
 *   <li>{@link Builder#totalBytes} (default {@value #DEFAULT_TOTAL_BYTES} = 64 MiB): all kept frames, in a log of
 *       64 KiB chunks allocated as it fills and reused once it wraps; when full, the oldest connections are
 *       evicted;</li>
 *   <li>{@link Builder#maxConnections} (default {@value #DEFAULT_MAX_CONNECTIONS}): connections kept at once; one
 *       more evicts the oldest.</li>
 * </ul>
 * With several pipeline threads ({@link NetSieve.Builder#threads}) each thread keeps the frames of its own capture
 * points within {@code totalBytes / threads} and {@code maxConnections / threads} (each at least one chunk or one
 * connection). Memory beside the frames: about 200 bytes per connection of {@code maxConnections} plus as many for
 * at least 1024 remembered evictions (so that an export can say "evicted"), allocated when a run starts.
 *
 * <p>Immutable and thread-safe.
 */
public final class PacketRetention {
    public static final long DEFAULT_BYTES_PER_CONNECTION = 1L << 20;
    public static final long DEFAULT_TOTAL_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** The smallest {@code bytesPerConnection}: a few full-size Ethernet frames with their headers. */
    public static final long MIN_BYTES_PER_CONNECTION = 4096;
    /** The smallest {@code totalBytes}: one 64 KiB chunk. */
    public static final long MIN_TOTAL_BYTES = 64 * 1024;
    /** The largest {@code totalBytes}: 64 GiB. */
    public static final long MAX_TOTAL_BYTES = 64L << 30;
    /** The most connections kept at once. */
    public static final int MAX_CONNECTIONS = 10_000_000;

    private static final PacketRetention DEFAULTS = builder().build();

    private final long bytesPerConnection;
    private final long totalBytes;
    private final int maxConnections;

    private PacketRetention(Builder b) {
        this.totalBytes = b.totalBytes > 0 ? b.totalBytes : DEFAULT_TOTAL_BYTES;
        this.bytesPerConnection = b.bytesPerConnection > 0 ? b.bytesPerConnection
                : Math.min(DEFAULT_BYTES_PER_CONNECTION, totalBytes);
        this.maxConnections = b.maxConnections > 0 ? b.maxConnections : DEFAULT_MAX_CONNECTIONS;
    }

    /** 1 MiB per connection, 64 MiB in all, 10 000 connections. */
    public static PacketRetention defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public long bytesPerConnection() {
        return bytesPerConnection;
    }

    public long totalBytes() {
        return totalBytes;
    }

    public int maxConnections() {
        return maxConnections;
    }

    @Override
    public String toString() {
        return "PacketRetention[bytesPerConnection=" + bytesPerConnection + ", totalBytes=" + totalBytes
                + ", maxConnections=" + maxConnections + "]";
    }

    /** Builder; every setter validates its argument and may be called once. */
    public static final class Builder {
        private long bytesPerConnection;
        private long totalBytes;
        private int maxConnections;

        private Builder() {
        }

        /**
         * Bytes kept per connection, frame headers included ({@value #MIN_BYTES_PER_CONNECTION} to
         * {@code totalBytes}).
         */
        public Builder bytesPerConnection(long bytes) {
            once(bytesPerConnection != 0, "bytesPerConnection");
            if (bytes < MIN_BYTES_PER_CONNECTION || bytes > MAX_TOTAL_BYTES) {
                throw new IllegalArgumentException("bytesPerConnection must be " + MIN_BYTES_PER_CONNECTION + " to "
                        + MAX_TOTAL_BYTES + ": " + bytes);
            }
            bytesPerConnection = bytes;
            return this;
        }

        /** Bytes kept in all ({@value #MIN_TOTAL_BYTES} to 64 GiB; rounded up to whole 64 KiB chunks). */
        public Builder totalBytes(long bytes) {
            once(totalBytes != 0, "totalBytes");
            if (bytes < MIN_TOTAL_BYTES || bytes > MAX_TOTAL_BYTES) {
                throw new IllegalArgumentException("totalBytes must be " + MIN_TOTAL_BYTES + " to " + MAX_TOTAL_BYTES
                        + ": " + bytes);
            }
            totalBytes = bytes;
            return this;
        }

        /** Connections kept at once (1 to {@value #MAX_CONNECTIONS}). */
        public Builder maxConnections(int connections) {
            once(maxConnections != 0, "maxConnections");
            if (connections < 1 || connections > MAX_CONNECTIONS) {
                throw new IllegalArgumentException("maxConnections must be 1 to " + MAX_CONNECTIONS + ": "
                        + connections);
            }
            maxConnections = connections;
            return this;
        }

        public PacketRetention build() {
            if (bytesPerConnection != 0 && totalBytes != 0 && bytesPerConnection > totalBytes) {
                throw new IllegalArgumentException("bytesPerConnection (" + bytesPerConnection
                        + ") must not exceed totalBytes (" + totalBytes + ")");
            }
            if (bytesPerConnection > DEFAULT_TOTAL_BYTES && totalBytes == 0) {
                throw new IllegalArgumentException("bytesPerConnection (" + bytesPerConnection
                        + ") must not exceed totalBytes (default " + DEFAULT_TOTAL_BYTES + ")");
            }
            return new PacketRetention(this);
        }

        private static void once(boolean set, String name) {
            if (set) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
