package io.netsieve.l7;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real streams with bytes flipped, dropped into gaps and cut short: every parser ends in counted outcomes, never an
 * exception; every connection ends detected or undetected; every record is in exactly one status counter.
 */
class L7MutationTest {
    private static final List<String> FILES = List.of("ipv4_tcp_http_xml.pcap", "ipv4_tcp_http_xml_tso.pcap",
            "accecn_handshake.pcap", "print-flags.pcap", "dns_udp.pcap", "dns_tcp.pcap", "dnssec.pcap",
            "edns-opts.pcap", "dns-badcookie.pcap", "resp_1_benchmark.pcap", "resp_2_inline.pcap");
    private static final Path DEMO = Path.of("../examples/src/main/resources/demo");

    @Test
    void mutatedStreamsEndInCountedOutcomes() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String f : FILES) {
            files.add(Prerequisites.tcpdumpCorpus().resolve(f));
        }
        for (String stem : List.of("pod-a-eth0", "pod-c-eth0", "node1-br0", "node2-eth0")) {
            files.add(DEMO.resolve(stem + ".pcap"));
        }
        long records = 0;
        for (int round = 0; round < 40; round++) {
            SplittableRandom random = new SplittableRandom(round);
            List<L7Log> logs = new ArrayList<>();
            L7Tracker l7 = L7Tracker.builder().listener(logs::add).build();
            for (Path file : files) {
                run(file, l7, random);
            }
            L7Stats st = l7.stats();
            assertEquals(0, st.parserFailures(), st.toString());
            assertEquals(0, st.listenerFailures());
            assertEquals(st.connections(), st.detected() + st.undetected(), st.toString());
            assertEquals(logs.size(), st.records());
            assertEquals(st.records(), st.ok() + st.noResponse() + st.requestMalformed() + st.responseMalformed()
                    + st.noRequest());
            assertEquals(0, l7.openConnections());
            records += st.records();
        }
        assertTrue(records > 1000, "records over all rounds: " + records);
    }

    private static void run(Path file, L7Tracker l7, SplittableRandom random) throws Exception {
        StreamHandlerFactory streams = info -> {
            StreamHandler h = l7.streams().open(info);
            return new StreamHandler() {
                @Override
                public void onData(int dir, ByteBuffer data, int offset, int length, long seq, long ts) {
                    if (random.nextInt(20) == 0) {
                        h.onGap(dir, seq, length, ts); // as if not captured
                        return;
                    }
                    byte[] b = new byte[length];
                    data.get(offset, b);
                    mutate(b, random);
                    h.onData(dir, ByteBuffer.wrap(b), 0, length, seq, ts);
                }

                @Override
                public void onGap(int dir, long seq, long length, long ts) {
                    h.onGap(dir, seq, length, ts);
                }

                @Override
                public void onEnd(int dir, long ts) {
                    h.onEnd(dir, ts);
                }

                @Override
                public void onClose(long ts) {
                    h.onClose(ts);
                }
            };
        };
        DatagramHandlerFactory datagrams = info -> {
            DatagramHandler h = l7.datagrams().open(info);
            return new DatagramHandler() {
                @Override
                public void onDatagram(int dir, ByteBuffer data, int offset, int length, int wire, long ts) {
                    byte[] b = new byte[length];
                    data.get(offset, b);
                    mutate(b, random);
                    int cut = random.nextInt(8) == 0 ? random.nextInt(length + 1) : length;
                    h.onDatagram(dir, ByteBuffer.wrap(b), 0, cut, wire, ts);
                }

                @Override
                public void onClose(long ts) {
                    h.onClose(ts);
                }
            };
        };
        L4Tracker l4 = L4Tracker.builder().listener(log -> { }).streams(streams).datagrams(datagrams).build();
        Captures.replay(file, l4, d -> false);
        assertEquals(0, l4.streamStats().handlerFailures(), "no L7 handler threw on " + file);
    }

    private static void mutate(byte[] b, SplittableRandom random) {
        int flips = b.length == 0 ? 0 : random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
    }
}
