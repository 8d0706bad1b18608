package io.netsieve.topology;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.io.PcapWriter;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.packet.DecodeOutcome;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Exports the packets of one connection, or of one exchange, from a capture point's file into a pcap file that
 * tcpdump and Wireshark open: the frames as captured (bytes, lengths, nanosecond timestamps, link type), chosen by
 * the record's endpoints (either direction, VXLAN inner headers included) and time. A connection's packets run
 * from its first record's time to its last one's last packet; an exchange's from its first request byte to its
 * last response byte (the handshake and close of a keep-alive connection are not part of it). It re-reads the file,
 * so it works offline only; a run built with {@code keepPackets} exports from memory, live or offline, byte for byte
 * the connection L4 delimited ({@link KeptPackets}).
 */
public final class PcapExport {
    private PcapExport() {
    }

    /**
     * Every packet of the connection {@code first}..{@code last} (records of one connection on {@code point}; the
     * same record for a one-chunk connection). Returns the packets written.
     */
    public static long connection(CapturePoint point, L4Log first, L4Log last, Path out) throws IOException {
        long from = first.timeNanos();
        long to = last.timeNanos() + (last.packets().size() == 0 ? 0
                : last.packets().tsOffset(last.packets().size() - 1));
        return export(point, first.l4Proto(), first.clientIp(), first.clientPort(), first.serverIp(),
                first.serverPort(), from, to, out);
    }

    /** The packets of one exchange's connection between its first request byte and its last response byte. */
    public static long exchange(CapturePoint point, L7Log x, Path out) throws IOException {
        return export(point, x.l4Proto(), x.clientIp(), x.clientPort(), x.serverIp(), x.serverPort(),
                x.timestampNanos(), exchangeEndNanos(x), out);
    }

    /**
     * The time of an exchange's last response byte, or of its last request byte when it has no response: the end of
     * its packets here and in {@link KeptPackets}.
     */
    static long exchangeEndNanos(L7Log x) {
        long from = x.timestampNanos();
        return x.latencyNanos() >= 0 ? from + x.latencyNanos() : from + Math.max(0, x.costReqSentNanos());
    }

    private static long export(CapturePoint point, String l4Proto, String clientIp, int clientPort, String serverIp,
                               int serverPort, long from, long to, Path out) throws IOException {
        Objects.requireNonNull(point.file(), "a live capture point has no file to export from");
        InetAddress client = InetAddress.getByName(clientIp);
        InetAddress server = InetAddress.getByName(serverIp);
        int proto = "udp".equals(l4Proto) ? 17 : 6;
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        PcapWriter writer = null;
        try (CaptureFileReader reader = CaptureFiles.open(point.file(), point.id())) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                long t = view.timestampNanos();
                if (t < from || t > to) {
                    continue;
                }
                DecodeOutcome o = decoder.decode(view, d);
                if ((o != DecodeOutcome.DECODED && o != DecodeOutcome.TRUNCATED) || !matches(d, proto, client,
                        clientPort, server, serverPort)) {
                    continue;
                }
                if (writer == null) {
                    writer = PcapWriter.create(out, view.linkType(), 262_144, true);
                }
                writer.write(view);
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        if (writer == null) {
            PcapWriter.create(out, 1, 262_144, true).close(); // an empty but valid file
            return 0;
        }
        return writer.packetsWritten();
    }

    private static boolean matches(DecodedPacket d, int proto, InetAddress client, int clientPort,
                                   InetAddress server, int serverPort) throws IOException {
        int sport;
        int dport;
        if (proto == 6 && d.has(Layer.TCP)) {
            sport = d.tcp().srcPort();
            dport = d.tcp().dstPort();
        } else if (proto == 17 && d.has(Layer.UDP)) {
            sport = d.udp().srcPort();
            dport = d.udp().dstPort();
        } else {
            return false;
        }
        InetAddress src = InetAddress.getByName(d.ip().srcAddress());
        InetAddress dst = InetAddress.getByName(d.ip().dstAddress());
        return (src.equals(client) && sport == clientPort && dst.equals(server) && dport == serverPort)
                || (src.equals(server) && sport == serverPort && dst.equals(client) && dport == clientPort);
    }
}
