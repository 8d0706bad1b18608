package io.netsieve.core.nic;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The server sockets of a capture point's host or network namespace: TCP sockets in LISTEN and unconnected bound
 * UDP sockets. Direction rule 1 of the record model: a connection whose local endpoint is one of these is
 * {@code incoming}, even when its handshake was not seen.
 *
 * <p>Offline the user names them ({@link #parse}); live they are read from the kernel's socket tables
 * ({@code /proc/net/tcp}, {@code tcp6}, {@code udp}, {@code udp6} of a process in the namespace, see
 * {@link #fromProcNet} and {@link #live}).
 *
 * <p>Addresses are passed as the flow table keeps them: 128 bits in two longs, IPv4 as {@code ::ffff:a.b.c.d}.
 * A wildcard socket ({@code 0.0.0.0} or {@code ::}) matches every address of its family; {@code ::} also matches
 * IPv4, as a dual-stack Linux socket does. Implementations are thread-safe.
 */
@FunctionalInterface
public interface ListeningSockets {
    /** IP protocol numbers accepted by {@link #isListening}. */
    int TCP = 6;
    int UDP = 17;

    /** Whether a server socket of {@code ipProtocol} (6 or 17) is bound to this address and port. */
    boolean isListening(int ipProtocol, long addressHigh, long addressLow, int port);

    /** No server sockets known: rule 1 never applies. */
    static ListeningSockets none() {
        return (p, h, l, port) -> false;
    }

    /**
     * Server sockets named by the user, each {@code tcp/PORT}, {@code udp/PORT} (any address),
     * {@code tcp/ADDRESS:PORT} or {@code udp/[IPV6]:PORT}; for example {@code tcp/8080}, {@code udp/198.18.2.11:53},
     * {@code tcp/[fd00::1]:443}.
     *
     * @throws IllegalArgumentException naming the first entry that is not of that form
     */
    static ListeningSockets parse(Collection<String> entries) {
        List<Endpoint> out = new ArrayList<>(entries.size());
        for (String e : entries) {
            out.add(Endpoint.parse(e));
        }
        return new Snapshot(out);
    }

    /**
     * A snapshot of the kernel's socket tables in {@code procNet} (a {@code /proc/<pid>/net} directory, or
     * {@code /proc/net} for the caller's own namespace). Missing {@code tcp6}/{@code udp}/{@code udp6} files are
     * skipped (a kernel without IPv6); a missing {@code tcp} file is an error.
     *
     * @throws UncheckedIOException naming the file that could not be read or parsed
     */
    static ListeningSockets fromProcNet(Path procNet) {
        List<Endpoint> out = new ArrayList<>();
        ProcNetSocketTable.read(procNet.resolve("tcp"), TCP, false, true, out);
        ProcNetSocketTable.read(procNet.resolve("tcp6"), TCP, true, false, out);
        ProcNetSocketTable.read(procNet.resolve("udp"), UDP, false, false, out);
        ProcNetSocketTable.read(procNet.resolve("udp6"), UDP, true, false, out);
        return new Snapshot(out);
    }

    /**
     * The socket tables of {@code procNet}, re-read when the last read is older than {@code refresh} (the
     * monotonic clock), for live capture where servers come and go. A failed re-read (the namespace's process
     * exited) keeps the previous snapshot and is counted in {@link LiveProcNet#failedRefreshes()}.
     */
    static LiveProcNet live(Path procNet, Duration refresh) {
        return new LiveProcNet(procNet, refresh, System::nanoTime);
    }

    /** One server socket: protocol, address (or wildcard), port. */
    record Endpoint(int ipProtocol, InetAddress address, int port) {
        public Endpoint {
            if (ipProtocol != TCP && ipProtocol != UDP) {
                throw new IllegalArgumentException("protocol must be 6 (tcp) or 17 (udp): " + ipProtocol);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        /** {@code tcp/8080}, {@code udp/198.18.2.11:53}, {@code tcp/[fd00::1]:443}. */
        public static Endpoint parse(String text) {
            Objects.requireNonNull(text, "entry");
            String t = text.trim().toLowerCase(Locale.ROOT);
            int slash = t.indexOf('/');
            String proto = slash < 0 ? "" : t.substring(0, slash);
            int p = proto.equals("tcp") ? TCP : proto.equals("udp") ? UDP : -1;
            if (p < 0) {
                throw new IllegalArgumentException("listening socket '" + text
                        + "': expected tcp/PORT, udp/PORT, tcp/ADDRESS:PORT or tcp/[IPV6]:PORT");
            }
            String rest = t.substring(slash + 1);
            String host = null;
            String portText = rest;
            if (rest.startsWith("[")) {
                int close = rest.indexOf("]:");
                if (close < 0) {
                    throw new IllegalArgumentException("listening socket '" + text + "': expected [IPV6]:PORT");
                }
                host = rest.substring(1, close);
                portText = rest.substring(close + 2);
            } else if (rest.indexOf(':') >= 0) {
                host = rest.substring(0, rest.lastIndexOf(':'));
                portText = rest.substring(rest.lastIndexOf(':') + 1);
            }
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("listening socket '" + text + "': bad port '" + portText + "'");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("listening socket '" + text + "': port " + port
                        + " greater than maximum 65535");
            }
            InetAddress address = null;
            if (host != null) {
                if (!host.matches("[0-9a-f.:]+")) {
                    // literal addresses only: never a name lookup
                    throw new IllegalArgumentException("listening socket '" + text + "': '" + host
                            + "' is not an IP address");
                }
                try {
                    address = InetAddress.getByName(host);
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("listening socket '" + text + "': '" + host
                            + "' is not an IP address");
                }
            }
            return new Endpoint(p, address, port);
        }

        /** True when bound to every address ({@code address()} null, 0.0.0.0 or ::). */
        public boolean isWildcard() {
            return address == null || address.isAnyLocalAddress();
        }

        @Override
        public String toString() {
            String proto = ipProtocol == TCP ? "tcp/" : "udp/";
            if (isWildcard() && (address == null || address.getAddress().length == 4)) {
                return proto + (address == null ? "" : "0.0.0.0:") + port;
            }
            String a = io.netsieve.core.packet.IpAddressText.of(address);
            return proto + (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
        }
    }

    /** An immutable set of endpoints. */
    final class Snapshot implements ListeningSockets {
        private final long[] keys; // per endpoint: proto<<32|port, high, low, flags (1 = wildcard, 2 = v6 wildcard)
        private final List<Endpoint> endpoints;

        Snapshot(List<Endpoint> endpoints) {
            this.endpoints = List.copyOf(endpoints);
            this.keys = new long[endpoints.size() * 4];
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint e = endpoints.get(i);
                keys[4 * i] = ((long) e.ipProtocol() << 32) | e.port();
                long flags = 0;
                if (e.isWildcard()) {
                    flags = e.address() == null || e.address().getAddress().length == 16 ? 3 : 1;
                } else {
                    byte[] b = e.address().getAddress();
                    long high = 0;
                    long low;
                    if (b.length == 4) {
                        low = 0xFFFF_0000_0000L | ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16)
                                | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
                    } else {
                        low = 0;
                        for (int j = 0; j < 8; j++) {
                            high = (high << 8) | (b[j] & 0xFF);
                            low = (low << 8) | (b[8 + j] & 0xFF);
                        }
                    }
                    keys[4 * i + 1] = high;
                    keys[4 * i + 2] = low;
                }
                keys[4 * i + 3] = flags;
            }
        }

        /** The endpoints, in the order read or given. */
        public List<Endpoint> endpoints() {
            return endpoints;
        }

        @Override
        public boolean isListening(int ipProtocol, long addressHigh, long addressLow, int port) {
            long k = ((long) ipProtocol << 32) | port;
            boolean v4 = addressHigh == 0 && (addressLow >>> 32) == 0xFFFFL;
            for (int i = 0; i < keys.length; i += 4) {
                if (keys[i] != k) {
                    continue;
                }
                long flags = keys[i + 3];
                if (flags == 3 || (flags == 1 && v4)) {
                    return true;
                }
                if (flags == 0 && keys[i + 1] == addressHigh && keys[i + 2] == addressLow) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return endpoints.toString();
        }
    }

    /** Re-reads a {@code /proc/<pid>/net} directory at most once per refresh interval. */
    final class LiveProcNet implements ListeningSockets {
        private final Path procNet;
        private final long refreshNanos;
        private final LongSupplier clock;
        private volatile Snapshot current;
        private volatile long readAt;
        private volatile long failedRefreshes;

        LiveProcNet(Path procNet, Duration refresh, LongSupplier clock) {
            this.procNet = Objects.requireNonNull(procNet, "procNet");
            if (refresh.isNegative()) {
                throw new IllegalArgumentException("refresh must not be negative: " + refresh);
            }
            this.refreshNanos = refresh.toNanos();
            this.clock = clock;
            this.current = (Snapshot) fromProcNet(procNet);
            this.readAt = clock.getAsLong();
        }

        @Override
        public boolean isListening(int ipProtocol, long addressHigh, long addressLow, int port) {
            return snapshot().isListening(ipProtocol, addressHigh, addressLow, port);
        }

        /** The current snapshot, re-read first if it is older than the refresh interval. */
        public Snapshot snapshot() {
            long now = clock.getAsLong();
            if (now - readAt >= refreshNanos) {
                synchronized (this) {
                    if (now - readAt >= refreshNanos) {
                        try {
                            current = (Snapshot) fromProcNet(procNet);
                        } catch (UncheckedIOException e) {
                            failedRefreshes++;
                        }
                        readAt = now;
                    }
                }
            }
            return current;
        }

        /** Re-reads that failed (the previous snapshot was kept). */
        public long failedRefreshes() {
            return failedRefreshes;
        }
    }
}
