package io.netsieve.core.bpf;

import io.netsieve.core.packet.PacketView;
import java.nio.ByteBuffer;

/**
 * A runnable packet filter: the {@link BpfInterpreter} or a {@link BpfJit}-compiled class. Returns what the BPF
 * program returns: 0 to drop the packet, else the number of bytes to keep (a snap length).
 *
 * <p>Implementations are stateless and thread-safe: any number of threads may call {@code apply} at once.
 */
@FunctionalInterface
public interface BpfFilter {
    /**
     * Runs the filter over the frame at {@code buffer[offset .. offset + captureLength)} (absolute indexes, big
     * endian; position and limit ignored).
     *
     * @param wireLength the original length ({@code len}, {@code ld #pktlen})
     * @param aux        Linux ancillary data, or null: then every ancillary load returns 0 from the filter
     */
    int apply(ByteBuffer buffer, int offset, int captureLength, int wireLength, BpfAuxData aux);

    /**
     * Runs the filter over the frame at {@code array[offset .. offset + captureLength)}: the same result as
     * {@code apply(ByteBuffer.wrap(array), offset, captureLength, wireLength, aux)}, for callers that hold the frame
     * in an array. {@link BpfJit}'s filters implement it directly (the {@code ByteBuffer} entry point of a heap
     * buffer ends up in the same code after its {@code hasArray}/{@code array}/{@code arrayOffset} calls); the
     * default wraps the array.
     *
     * @param wireLength the original length ({@code len}, {@code ld #pktlen})
     * @param aux        Linux ancillary data, or null: then every ancillary load returns 0 from the filter
     */
    default int apply(byte[] array, int offset, int captureLength, int wireLength, BpfAuxData aux) {
        return apply(ByteBuffer.wrap(array), offset, captureLength, wireLength, aux);
    }

    /** Runs the filter over a packet view (no ancillary data). */
    default int apply(PacketView packet) {
        return apply(packet.buffer(), packet.offset(), packet.captureLength(), packet.wireLength(), null);
    }

    /** Runs the filter over a whole frame in an array. */
    default int apply(byte[] frame, int wireLength) {
        return apply(frame, 0, frame.length, wireLength, null);
    }

    /** True if the filter accepts the packet (returns non-zero). */
    default boolean matches(PacketView packet) {
        return apply(packet) != 0;
    }
}
