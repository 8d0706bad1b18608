package io.netsieve.l4.stream;

/**
 * The connection a {@link StreamHandler} (or flow a {@link DatagramHandler}) is opened for: capture point, client
 * and server endpoints (addresses as text), whether the handshake was seen (otherwise the client is the side of the
 * first captured packet), the connection's {@code inner_traceid} (the same as on its {@code L4Log} records) and
 * which side is {@code src} (the local side) in its {@code L4Log} records.
 *
 * @param clientIsSrc the client is the {@code src} side of the connection's L4 records, so what the client sends is
 *                    {@code tx} from the capture point's view and {@link StreamHandler#CLIENT_TO_SERVER} bytes are
 *                    found with {@code L4Log.packetAtSeq(true, seq)}; false: the server is {@code src}. Decided when
 *                    the handler opens, with the L4 record's rule (the capture point's local address or listening
 *                    socket, else the client); a later change of the L4 decision (a SYN seen after the first payload)
 *                    is not reflected.
 */
public record StreamInfo(int capturePointId, String clientIp, int clientPort, String serverIp, int serverPort,
                         boolean handshakeSeen, String innerTraceId, boolean clientIsSrc) {

    /** A connection whose client is the {@code src} side. */
    public StreamInfo(int capturePointId, String clientIp, int clientPort, String serverIp, int serverPort,
                      boolean handshakeSeen, String innerTraceId) {
        this(capturePointId, clientIp, clientPort, serverIp, serverPort, handshakeSeen, innerTraceId, true);
    }
}
