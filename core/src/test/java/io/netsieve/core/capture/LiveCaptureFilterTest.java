package io.netsieve.core.capture;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfProgram;
import io.netsieve.core.bpf.BpfValidationException;
import io.netsieve.core.bpf.BpfValidator;
import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.Layer;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.Netns;
import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel filtering of live captures: our compiled classic BPF program attached with {@code pcap_setfilter}, checked
 * on a veth pair between two namespaces made by the test (198.18.251.0/30, IPv6 off, so the only traffic is the
 * test's): only matching packets reach user space, and libpcap's counters show the kernel did the rejecting.
 */
class LiveCaptureFilterTest {
    private static final String SERVER_IP = "198.18.251.1";
    private static final int MATCH_PORT = 5555;
    private static final int OTHER_PORT = 6666;
    private static final int DATAGRAMS = 20;
    private static final int PINGS = 5;

    private static Netns lab;
    private static String server;
    private static String client;
    private static String serverIf;

    /** The namespaces, made on first use (so the configuration tests run without root). */
    private static synchronized void lab() throws Exception {
        if (lab != null) {
            return;
        }
        Netns created = Netns.create("lfilt"); // skips (or fails in CI) without root or ip
        Prerequisites.requireCommand("python3");
        Prerequisites.requireCommand("ping");
        lab = created;
        server = lab.add("srv");
        client = lab.add("cli");
        String suffix = lab.prefix().substring(lab.prefix().length() - 4);
        serverIf = "lfs" + suffix;
        lab.veth(server, serverIf, SERVER_IP + "/30", client, "lfc" + suffix, "198.18.251.2/30");
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
            lab = null;
        }
    }

    private static LiveCaptureConfig.Builder config() {
        return LiveCaptureConfig.builder(serverIf).netns(server);
    }

    /** A capture read by its own thread, keeping a copy of every frame. */
    private static final class Collector implements AutoCloseable {
        final LiveCapture capture;
        final List<byte[]> frames = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread reader;
        CaptureStats stats;

        Collector(LiveCaptureConfig config) throws LiveCaptureException {
            capture = LiveCapture.open(config);
            reader = new Thread(() -> {
                PacketView view = new PacketView();
                try {
                    while (capture.next(view)) {
                        frames.add(view.copyBytes());
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "filter-test-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void awaitAtLeast(int n, long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (frames.size() < n && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
        }

        /** Takes the counters, closes the capture, stops the reader and rethrows its failure. */
        CaptureStats finish() throws Exception {
            if (stats == null) {
                stats = capture.stats();
                capture.close();
                reader.join(5_000);
                assertFalse(reader.isAlive(), "reader still running after close");
                if (failure.get() != null) {
                    throw new AssertionError("reader failed", failure.get());
                }
            }
            return stats;
        }

        @Override
        public void close() {
            capture.close();
        }
    }

    /** From the client: {@code DATAGRAMS} datagrams to the matching port and as many to the other one, interleaved. */
    private static void sendMatchingAndOtherDatagrams() throws Exception {
        lab.exec(client, "python3", "-c", "import socket, time\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "for i in range(" + DATAGRAMS + "):\n"
                + "    s.sendto(b'match', ('" + SERVER_IP + "', " + MATCH_PORT + "))\n"
                + "    s.sendto(b'other', ('" + SERVER_IP + "', " + OTHER_PORT + "))\n"
                + "    time.sleep(0.005)\n");
    }

    @Test
    void onlyMatchingPacketsReachUserSpaceAndTheKernelRejectedTheRest() throws Exception {
        lab();
        // the same filter given as an expression and as a ready program, plus an unfiltered capture as a witness
        BpfProgram icmpEcho = FilterCompiler.builder().linkType(LinkType.ETHERNET).linuxExtensions(true).build()
                .compile("icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply");
        try (Collector udp = new Collector(config().snaplen(1500).filter("udp port " + MATCH_PORT).build());
             Collector icmp = new Collector(config().filter(icmpEcho).build());
             Collector all = new Collector(config().build())) {
            assertEquals(LinkType.ETHERNET, udp.capture.linkType());
            BpfProgram expected = FilterCompiler.builder().linkType(LinkType.ETHERNET).linuxExtensions(true)
                    .snaplen(1500).build().compile("udp port " + MATCH_PORT);
            assertEquals(expected, udp.capture.filterProgram(), "the program compiled for the handle's link type");
            assertTrue(expected.instructions().contains(BpfInstruction.stmt(Bpf.RET | Bpf.K, 1500)),
                    "accepting returns the configured snap length: " + expected);
            assertEquals(icmpEcho, icmp.capture.filterProgram());
            assertNull(all.capture.filterProgram());

            String script = "import socket, time\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "for i in range(" + DATAGRAMS + "):\n"
                    + "    s.sendto(b'match-%d' % i, ('" + SERVER_IP + "', " + MATCH_PORT + "))\n"
                    + "    s.sendto(b'other-%d' % i, ('" + SERVER_IP + "', " + OTHER_PORT + "))\n"
                    + "    time.sleep(0.005)\n";
            lab.exec(client, "python3", "-c", script);
            lab.exec(client, "ping", "-n", "-c", String.valueOf(PINGS), "-i", "0.05", "-W", "1", SERVER_IP);
            udp.awaitAtLeast(DATAGRAMS, 5_000);
            icmp.awaitAtLeast(2 * PINGS, 5_000);
            all.awaitAtLeast(2 * DATAGRAMS + 2 * PINGS, 5_000);
            Thread.sleep(300); // anything unexpected would show up now

            CaptureStats udpStats = udp.finish();
            CaptureStats icmpStats = icmp.finish();
            CaptureStats allStats = all.finish();

            PacketDecoder decoder = new PacketDecoder();
            DecodedPacket decoded = new DecodedPacket();
            PacketView view = new PacketView();

            // user space got exactly the matching datagrams
            assertEquals(DATAGRAMS, udp.frames.size(), "datagrams to port " + MATCH_PORT);
            for (byte[] frame : udp.frames) {
                decoder.decode(view.wrap(frame, 0, frame.length, frame.length, 0, LinkType.ETHERNET, 0), decoded);
                assertTrue(decoded.has(Layer.UDP), "not UDP: " + decoded);
                assertEquals(MATCH_PORT, decoded.udp().dstPort(), "port");
                String payload = new String(frame, decoded.udp().payloadOffset(), decoded.udp().payloadLength(),
                        StandardCharsets.US_ASCII);
                assertTrue(payload.startsWith("match-"), payload);
            }
            assertEquals(2 * PINGS, icmp.frames.size(), "echo requests and replies");
            for (byte[] frame : icmp.frames) {
                decoder.decode(view.wrap(frame, 0, frame.length, frame.length, 0, LinkType.ETHERNET, 0), decoded);
                assertTrue(decoded.has(Layer.ICMP), "not ICMP: " + decoded);
                int type = decoded.icmp().type();
                assertTrue(type == 8 || type == 0, "ICMP type " + type);
            }

            // the rest did cross the interface meanwhile…
            int other = 0;
            for (byte[] frame : all.frames) {
                decoder.decode(view.wrap(frame, 0, frame.length, frame.length, 0, LinkType.ETHERNET, 0), decoded);
                if (decoded.has(Layer.UDP) && decoded.udp().dstPort() == OTHER_PORT) {
                    other++;
                }
            }
            assertEquals(DATAGRAMS, other, "datagrams to port " + OTHER_PORT + " seen by the unfiltered capture");
            assertTrue(allStats.received() >= 2L * DATAGRAMS + 2 * PINGS, "unfiltered: " + allStats);

            // …and the kernel, not user space, rejected it: the socket's counters only count what passed the
            // filter (a user-space filter would have been handed, and would count, every packet)
            assertEquals(DATAGRAMS, udpStats.received(), "udp: " + udpStats);
            assertEquals(DATAGRAMS, udpStats.delivered(), "udp: " + udpStats);
            assertEquals(0, udpStats.kernelDropped(), "udp: " + udpStats);
            assertEquals(2 * PINGS, icmpStats.received(), "icmp: " + icmpStats);
            assertEquals(2 * PINGS, icmpStats.delivered(), "icmp: " + icmpStats);
            assertEquals(0, icmpStats.kernelDropped(), "icmp: " + icmpStats);
        }
    }

    @Test
    void theKernelCountsWhatTheFilterRejectsWhenAsked() throws Exception {
        lab();
        try (Collector counted = new Collector(config().filter("udp port " + MATCH_PORT).countRejected(true).build());
             Collector uncounted = new Collector(config().filter("udp port " + MATCH_PORT).build());
             Collector all = new Collector(config().build())) {
            sendMatchingAndOtherDatagrams();
            lab.exec(client, "ping", "-n", "-c", String.valueOf(PINGS), "-i", "0.05", "-W", "1", SERVER_IP);
            counted.awaitAtLeast(DATAGRAMS, 5_000);
            all.awaitAtLeast(2 * DATAGRAMS + 2 * PINGS, 5_000);
            Thread.sleep(300);
            CaptureStats c = counted.finish();
            CaptureStats u = uncounted.finish();
            CaptureStats a = all.finish();
            assertEquals(DATAGRAMS, counted.frames.size());
            assertEquals(DATAGRAMS, c.received(), c.toString());
            assertTrue(c.filterRejectedCounted());
            // every frame the unfiltered capture saw that is not one of ours was rejected, and counted by the kernel
            assertEquals(all.frames.size() - DATAGRAMS, c.filterRejected(), c + " / unfiltered " + a);
            assertTrue(c.filterRejected() >= DATAGRAMS + 2 * PINGS, c.toString());
            assertFalse(u.filterRejectedCounted());
            assertEquals(-1, u.filterRejected());
            assertEquals(-1, a.filterRejected());
            assertEquals(c, counted.capture.stats(), "closed: the final counters");
        }
    }

    @Test
    void onLoopbackEachRejectedPacketIsCountedOnce() throws Exception {
        lab();
        // the namespace's own loopback: the kernel taps each packet as sent and as received, libpcap keeps one
        LiveCaptureConfig.Builder lo = LiveCaptureConfig.builder("lo").netns(server);
        try (Collector counted = new Collector(lo.filter("udp port " + MATCH_PORT).countRejected(true).build());
             Collector all = new Collector(LiveCaptureConfig.builder("lo").netns(server).build())) {
            lab.exec(server, "python3", "-c", "import socket, time\n"
                    + "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "r.bind(('127.0.0.1', " + MATCH_PORT + "))\n"
                    + "o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "o.bind(('127.0.0.1', " + OTHER_PORT + "))\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "for i in range(" + DATAGRAMS + "):\n"
                    + "    s.sendto(b'match', ('127.0.0.1', " + MATCH_PORT + "))\n"
                    + "    s.sendto(b'other', ('127.0.0.1', " + OTHER_PORT + "))\n"
                    + "    time.sleep(0.005)\n");
            counted.awaitAtLeast(DATAGRAMS, 5_000);
            all.awaitAtLeast(2 * DATAGRAMS, 5_000);
            Thread.sleep(300);
            CaptureStats c = counted.finish();
            CaptureStats a = all.finish();
            System.out.println("[filter test] loopback: " + all.frames.size() + " frames unfiltered " + a
                    + ", filtered " + counted.frames.size() + " " + c);
            assertEquals(DATAGRAMS, counted.frames.size());
            assertEquals(2 * DATAGRAMS, all.frames.size(), "the datagrams, once each");
            assertEquals(DATAGRAMS, c.filterRejected(), "each rejected datagram once: " + c);
        }
    }

    @Test
    void onTheAnyDeviceTheCookedProgramIsCountedToo() throws Exception {
        lab();
        // "any" in the server's namespace (its veth and loopback): cooked frames, a program libpcap adapts for them
        try (Collector counted = new Collector(LiveCaptureConfig.builder("any").netns(server)
                .filter("udp port " + MATCH_PORT).countRejected(true).build());
             Collector all = new Collector(LiveCaptureConfig.builder("any").netns(server).build())) {
            assertEquals(LinkType.LINUX_SLL, counted.capture.linkType());
            sendMatchingAndOtherDatagrams();
            counted.awaitAtLeast(DATAGRAMS, 5_000);
            all.awaitAtLeast(2 * DATAGRAMS, 5_000);
            Thread.sleep(300);
            CaptureStats c = counted.finish();
            CaptureStats a = all.finish();
            System.out.println("[filter test] any: " + all.frames.size() + " frames unfiltered " + a + ", filtered "
                    + counted.frames.size() + " " + c);
            assertEquals(DATAGRAMS, counted.frames.size());
            assertEquals(all.frames.size() - DATAGRAMS, c.filterRejected(), c + " / unfiltered " + a);
        }
    }

    @Test
    void countingTheRejectedNeedsAFilterAndIsSetOnce() {
        assertThrows(IllegalStateException.class, () -> LiveCaptureConfig.builder("eth0").countRejected(true).build());
        assertThrows(IllegalStateException.class,
                () -> LiveCaptureConfig.builder("eth0").countRejected(true).countRejected(false));
        assertFalse(LiveCaptureConfig.builder("eth0").build().countRejected());
        assertFalse(LiveCaptureConfig.builder("eth0").countRejected(false).build().countRejected());
        assertTrue(LiveCaptureConfig.builder("eth0").filter("udp").countRejected(true).build().countRejected());
    }

    @Test
    void anExpressionThatDoesNotCompileIsNamed() throws Exception {
        lab();
        String expression = "udp port 70000";
        LiveCaptureException e = assertThrows(LiveCaptureException.class,
                () -> LiveCapture.open(config().filter(expression).build()));
        FilterCompileException cause = assertInstanceOf(FilterCompileException.class, e.getCause());
        assertTrue(e.getMessage().contains(expression), e.getMessage());
        assertTrue(e.getMessage().contains(cause.reason()), e.getMessage());
        assertTrue(cause.reason().contains("70000"), cause.reason());
        assertTrue(e.getMessage().contains(serverIf), e.getMessage());
        assertEquals(serverIf, e.interfaceName());
    }

    @Test
    void aProgramTheKernelWouldRefuseIsRefusedBeforeInstalling() throws Exception {
        lab();
        // protochain walks the IPv6 header chain with a backward ja: libpcap's own interpreter runs it, the
        // kernel's checker refuses it (libpcap would then quietly filter in user space)
        BpfProgram protochain = FilterCompiler.builder().linkType(LinkType.ETHERNET).linuxExtensions(true).build()
                .compile("protochain 17");
        assertTrue(BpfValidator.isValid(protochain, BpfValidator.Mode.LIBPCAP), protochain.toString());
        assertFalse(BpfValidator.isValid(protochain, BpfValidator.Mode.KERNEL), protochain.toString());

        LiveCaptureException e = assertThrows(LiveCaptureException.class,
                () -> LiveCapture.open(config().filter("protochain 17").build()));
        BpfValidationException cause = assertInstanceOf(BpfValidationException.class, e.getCause());
        assertTrue(e.getMessage().contains("kernel would refuse"), e.getMessage());
        assertTrue(e.getMessage().contains("protochain 17"), e.getMessage());
        assertTrue(e.getMessage().contains("backward jump"), e.getMessage());
        assertTrue(e.getMessage().contains(cause.getMessage()), e.getMessage());
        System.out.println("[filter test] protochain refused: " + e.getMessage());

        // the same for a ready program: ret x is libpcap's, not the kernel's
        BpfProgram retX = BpfProgram.of(BpfInstruction.stmt(Bpf.LDX | Bpf.IMM, 64),
                BpfInstruction.stmt(Bpf.RET | Bpf.X, 0));
        LiveCaptureException e2 = assertThrows(LiveCaptureException.class,
                () -> LiveCapture.open(config().filter(retX).build()));
        assertInstanceOf(BpfValidationException.class, e2.getCause());
        assertTrue(e2.getMessage().contains("kernel would refuse"), e2.getMessage());
    }

    @Test
    void filterIsSetOnceAndValidated() {
        BpfProgram accept = BpfProgram.of(BpfInstruction.stmt(Bpf.RET | Bpf.K, 65535));
        assertThrows(IllegalStateException.class,
                () -> LiveCaptureConfig.builder("eth0").filter("udp").filter("tcp"));
        assertThrows(IllegalStateException.class,
                () -> LiveCaptureConfig.builder("eth0").filter("udp").filter(accept));
        assertThrows(IllegalStateException.class,
                () -> LiveCaptureConfig.builder("eth0").filter(accept).filter("udp"));
        assertThrows(IllegalStateException.class,
                () -> LiveCaptureConfig.builder("eth0").filter(accept).filter(accept));
        assertThrows(NullPointerException.class, () -> LiveCaptureConfig.builder("eth0").filter((String) null));
        assertThrows(NullPointerException.class, () -> LiveCaptureConfig.builder("eth0").filter((BpfProgram) null));
        assertThrows(IllegalArgumentException.class,
                () -> LiveCaptureConfig.builder("eth0").filter(BpfProgram.of(List.of())));

        LiveCaptureConfig none = LiveCaptureConfig.builder("eth0").build();
        assertFalse(none.hasFilter());
        assertNull(none.filterExpression());
        assertNull(none.filterProgram());
        LiveCaptureConfig expr = LiveCaptureConfig.builder("eth0").filter("udp port 53").build();
        assertEquals("udp port 53", expr.filterExpression());
        assertNull(expr.filterProgram());
        assertTrue(expr.hasFilter());
        LiveCaptureConfig prog = LiveCaptureConfig.builder("eth0").filter(accept).build();
        assertNotNull(prog.filterProgram());
        assertNull(prog.filterExpression());
    }
}
