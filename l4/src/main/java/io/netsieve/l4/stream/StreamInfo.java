package io.netsieve.l4.stream;

/**
 * The connection a {@link StreamHandler} is opened for: capture point, client and server endpoints (addresses as
 * text), whether the handshake was seen (otherwise the client is the side of the first captured packet) and the
 * connection's {@code inner_traceid}.
 */
public record StreamInfo(int capturePointId, String clientIp, int clientPort, String serverIp, int serverPort,
                         boolean handshakeSeen, String innerTraceId) {
}
