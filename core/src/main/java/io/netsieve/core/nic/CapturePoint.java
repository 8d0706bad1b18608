package io.netsieve.core.nic;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One member of a capture set: a source (a capture file, or a live interface when {@code file} is null) and the
 * metadata of the NIC it was captured on. {@code id} is the capture-point id that packets carry
 * ({@link io.netsieve.core.packet.PacketView#capturePointId()}).
 */
public record CapturePoint(int id, Path file, Nic nic) {
    public CapturePoint {
        if (id < 0) throw new IllegalArgumentException("id must be >= 0: " + id);
        Objects.requireNonNull(nic, "nic");
    }
}
