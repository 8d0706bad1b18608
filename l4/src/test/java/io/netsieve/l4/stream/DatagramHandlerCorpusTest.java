package io.netsieve.l4.stream;

import io.netsieve.l4.Replay;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l4.L4Tracker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The UDP datagram hook: every datagram's payload, sender and receiver as tshark shows them ({@code ip.src},
 * {@code udp.srcport}, {@code ip.dst}, {@code udp.dstport}, {@code udp.payload}), in capture order.
 */
class DatagramHandlerCorpusTest {

    @ParameterizedTest
    @ValueSource(strings = {"dns_udp.pcap", "dns_udp_8053.pcap", "dnssec.pcap", "edns-opts.pcap", "afs.pcap"})
    void datagramsMatchTshark(String name) throws Exception {
        Prerequisites.requireCommand("tshark");
        Path file = Prerequisites.tcpdumpCorpus().resolve(name);
        List<String> expected = new ArrayList<>();
        for (String[] row : Tshark.fields(file, List.of("ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst",
                "udp.dstport", "udp.payload"), "-Y", "udp && !icmp && !icmpv6").rows()) {
            String src = row[0].isEmpty() ? row[1] : row[0];
            String dst = row[3].isEmpty() ? row[4] : row[3];
            expected.add(norm(src) + ":" + row[2] + ">" + norm(dst) + ":" + row[5] + " " + row[6].replace(":", ""));
        }
        List<String> actual = new ArrayList<>();
        int[] closed = {0, 0};
        L4Tracker tracker = L4Tracker.builder().listener(log -> { }).datagrams(info -> {
            closed[1]++;
            return new DatagramHandler() {
                @Override
                public void onDatagram(int direction, java.nio.ByteBuffer data, int offset, int length,
                                       int wireLength, long timestampNanos) {
                    byte[] b = new byte[length];
                    data.get(offset, b);
                    String c = info.clientIp() + ":" + info.clientPort();
                    String s = info.serverIp() + ":" + info.serverPort();
                    actual.add((direction == StreamHandler.CLIENT_TO_SERVER ? c + ">" + s : s + ">" + c) + " "
                            + HexFormat.of().formatHex(b));
                }

                @Override
                public void onClose(long timestampNanos) {
                    closed[0]++;
                }
            };
        }).build();
        Replay.replay(tracker, file);
        assertFalse(expected.isEmpty(), "tshark saw no UDP in " + name);
        assertEquals(expected, actual);
        assertEquals(closed[1], closed[0], "every opened handler is closed");
        assertEquals(0, tracker.streamStats().handlerFailures());
    }

    private static String norm(String ip) throws Exception {
        return InetAddress.getByName(ip).getHostAddress();
    }
}
