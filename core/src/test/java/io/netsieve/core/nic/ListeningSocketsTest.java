package io.netsieve.core.nic;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server sockets read from the kernel's tables while this JVM really holds them open, and the offline form users
 * write.
 */
class ListeningSocketsTest {
    private static final Path PROC_NET = Path.of("/proc/self/net");

    private static long high(InetAddress a) {
        byte[] b = a.getAddress();
        long h = 0;
        if (b.length == 16) {
            for (int i = 0; i < 8; i++) h = (h << 8) | (b[i] & 0xFF);
        }
        return h;
    }

    private static long low(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return 0xFFFF_0000_0000L | ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8)
                    | (b[3] & 0xFFL);
        }
        long l = 0;
        for (int i = 8; i < 16; i++) l = (l << 8) | (b[i] & 0xFF);
        return l;
    }

    private static boolean listening(ListeningSockets s, int proto, String address, int port) throws IOException {
        InetAddress a = InetAddress.getByName(address);
        return s.isListening(proto, high(a), low(a), port);
    }

    @Test
    void readsTheServerSocketsThisProcessHolds() throws IOException {
        if (!Files.isReadable(PROC_NET.resolve("tcp"))) {
            System.out.println("[netsieve test] skipped: no /proc/self/net/tcp on this system");
            return;
        }
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 50, loopback);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
             DatagramSocket connectedUdp = new DatagramSocket(new InetSocketAddress(loopback, 0));
             Socket client = new Socket(loopback, server.getLocalPort());
             Socket accepted = server.accept()) {
            connectedUdp.connect(udp.getLocalSocketAddress());
            ListeningSockets s = ListeningSockets.fromProcNet(PROC_NET);
            int tcpPort = server.getLocalPort();
            assertTrue(listening(s, ListeningSockets.TCP, "127.0.0.1", tcpPort), s.toString());
            assertFalse(listening(s, ListeningSockets.TCP, "127.0.0.2", tcpPort), "bound to 127.0.0.1 only");
            assertFalse(listening(s, ListeningSockets.UDP, "127.0.0.1", tcpPort));
            assertFalse(listening(s, ListeningSockets.TCP, "127.0.0.1", client.getLocalPort()),
                    "a connected client socket is no server");
            assertTrue(listening(s, ListeningSockets.UDP, "127.0.0.1", udp.getLocalPort()), s.toString());
            assertFalse(listening(s, ListeningSockets.UDP, "127.0.0.1", connectedUdp.getLocalPort()),
                    "a connected UDP socket is no server");
        }
    }

    @Test
    void readsIpv6AndWildcardSockets() throws IOException {
        if (!Files.isReadable(PROC_NET.resolve("tcp6"))) {
            System.out.println("[netsieve test] skipped: no IPv6 socket table (/proc/self/net/tcp6)");
            return;
        }
        try (ServerSocket v6 = new ServerSocket(0, 50, InetAddress.getByName("::1"));
             ServerSocket any = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            ListeningSockets s = ListeningSockets.fromProcNet(PROC_NET);
            assertTrue(listening(s, ListeningSockets.TCP, "::1", v6.getLocalPort()), s.toString());
            assertFalse(listening(s, ListeningSockets.TCP, "::2", v6.getLocalPort()));
            assertTrue(listening(s, ListeningSockets.TCP, "198.18.0.7", any.getLocalPort()), "0.0.0.0 is every v4");
            // (Java binds "0.0.0.0" as a dual-stack :: socket where IPv6 is available, so v6 matches too: the
            // kernel's table says so, and the offline tests below check a v4-only wildcard)
        }
    }

    @Test
    void aLiveTableSeesNewServersAfterItsRefreshInterval() throws IOException {
        AtomicLong clock = new AtomicLong();
        ListeningSockets.LiveProcNet live = new ListeningSockets.LiveProcNet(PROC_NET, Duration.ofSeconds(1),
                clock::get);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            assertFalse(listening(live, ListeningSockets.TCP, "127.0.0.1", port), "not re-read yet");
            clock.set(Duration.ofSeconds(1).toNanos());
            assertTrue(listening(live, ListeningSockets.TCP, "127.0.0.1", port));
        }
        assertEquals(0, live.failedRefreshes());
    }

    @Test
    void aFailedRefreshKeepsTheLastTable(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("net");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tcp"), "  sl  local_address rem_address   st\n"
                + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n");
        AtomicLong clock = new AtomicLong();
        ListeningSockets.LiveProcNet live = new ListeningSockets.LiveProcNet(dir, Duration.ZERO, clock::get);
        assertTrue(listening(live, ListeningSockets.TCP, "127.0.0.1", 8080));
        Files.delete(dir.resolve("tcp"));
        clock.set(1);
        assertTrue(listening(live, ListeningSockets.TCP, "127.0.0.1", 8080));
        assertEquals(1, live.failedRefreshes());
    }

    @Test
    void aCorruptTableNamesFileAndLine(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("tcp"), "header\n   0: 0100007F:1F90 00000000:0000 0A\n   1: zz:1 0:0 0A\n");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ListeningSockets.fromProcNet(tmp));
        assertTrue(e.getMessage().contains("tcp line 3"), e.getMessage());
    }

    @Test
    void offlineEntries() throws IOException {
        ListeningSockets s = ListeningSockets.parse(List.of("tcp/8080", "udp/198.18.2.11:53", "tcp/[2001:2::1]:443"));
        assertTrue(listening(s, ListeningSockets.TCP, "198.18.0.1", 8080));
        assertTrue(listening(s, ListeningSockets.TCP, "2001:2::9", 8080), "no address: every address");
        assertTrue(listening(s, ListeningSockets.UDP, "198.18.2.11", 53));
        assertFalse(listening(s, ListeningSockets.UDP, "198.18.2.12", 53));
        assertTrue(listening(s, ListeningSockets.TCP, "2001:2::1", 443));
        assertFalse(listening(s, ListeningSockets.TCP, "2001:2::1", 80));
        assertFalse(listening(ListeningSockets.none(), ListeningSockets.TCP, "198.18.0.1", 8080));
        ListeningSockets v4any = ListeningSockets.parse(List.of("tcp/0.0.0.0:80", "tcp/[::]:81"));
        assertTrue(listening(v4any, ListeningSockets.TCP, "198.18.0.1", 80));
        assertFalse(listening(v4any, ListeningSockets.TCP, "2001:2::1", 80), "0.0.0.0 is no IPv6 wildcard");
        assertTrue(listening(v4any, ListeningSockets.TCP, "198.18.0.1", 81), ":: is dual-stack");
        assertTrue(listening(v4any, ListeningSockets.TCP, "2001:2::1", 81));
        for (String bad : List.of("8080", "sctp/80", "tcp/70000", "tcp/x", "tcp/example.com:80", "tcp/[2001:2::1]80")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ListeningSockets.parse(List.of(bad)), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void manifestRoundTrip(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path manifest = tmp.resolve("captures.tsv");
        Files.writeString(manifest, "file\thost\tnic_name\tnic_kind\tpod_name\tk8s_namespace\tk8s_container_name\tip"
                + "\tlistening\nweb.pcap\tnode2\teth0\tvirtual\tweb\tdefault\tnginx\t198.18.2.10\ttcp/8080, udp/[::]:53\n");
        CaptureSet set = CaptureManifest.read(manifest);
        Nic nic = set.points().get(0).nic();
        assertTrue(listening(nic.listeningSockets(), ListeningSockets.TCP, "198.18.2.10", 8080));
        assertTrue(listening(nic.listeningSockets(), ListeningSockets.UDP, "198.18.2.10", 53));
        Path copy = tmp.resolve("copy.tsv");
        CaptureManifest.write(copy, set);
        Nic again = CaptureManifest.read(copy).points().get(0).nic();
        assertEquals(((ListeningSockets.Snapshot) nic.listeningSockets()).endpoints(),
                ((ListeningSockets.Snapshot) again.listeningSockets()).endpoints());
        Files.writeString(manifest, "file\thost\tnic_name\tnic_kind\tpod_name\tk8s_namespace\tk8s_container_name\tip"
                + "\tlistening\nweb.pcap\tnode2\teth0\tvirtual\tweb\tdefault\tnginx\t198.18.2.10\ttcp/80000\n");
        IOException e = assertThrows(IOException.class, () -> CaptureManifest.read(manifest));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("tcp/80000"), e.getMessage());
    }
}
