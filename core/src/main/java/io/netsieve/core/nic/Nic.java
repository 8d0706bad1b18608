package io.netsieve.core.nic;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Capture-point metadata: where a capture was taken. Its identity is host + netns (or pod) + nic_name: a pod's
 * {@code eth0} and its node's {@code eth0} share host and name but are different capture points.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder()}; every setter may be called once.
 */
public final class Nic {
    /** Marks an unknown MAC address. */
    public static final long NO_MAC = -1L;

    private final String host;
    private final String nicName;
    private final NicKind kind;
    private final long mac;
    private final String netns;
    private final List<InetAddress> localAddresses;
    private final String podName;
    private final String k8sNamespace;
    private final String k8sContainerName;
    private final ListeningSockets listeningSockets;

    private Nic(Builder b) {
        this.host = b.host == null ? "" : b.host;
        this.nicName = b.nicName == null ? "" : b.nicName;
        this.kind = b.kind == null ? NicKind.UNKNOWN : b.kind;
        this.mac = b.macSet ? b.mac : NO_MAC;
        this.netns = b.netns == null ? "" : b.netns;
        this.localAddresses = b.localAddresses == null ? List.of() : List.copyOf(b.localAddresses);
        this.podName = b.podName == null ? "" : b.podName;
        this.k8sNamespace = b.k8sNamespace == null ? "" : b.k8sNamespace;
        this.k8sContainerName = b.k8sContainerName == null ? "" : b.k8sContainerName;
        this.listeningSockets = b.listeningSockets == null ? ListeningSockets.none() : b.listeningSockets;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A Nic for a capture file given without metadata: only a name. */
    public static Nic unnamed(String nicName) {
        return builder().nicName(nicName).build();
    }

    public String host() { return host; }
    public String nicName() { return nicName; }
    public NicKind kind() { return kind; }
    /** The 48-bit MAC address, or {@link #NO_MAC}. */
    public long mac() { return mac; }
    public String netns() { return netns; }
    /** Addresses that belong to this capture point (used to tell sent from received packets offline). */
    public List<InetAddress> localAddresses() { return localAddresses; }
    public String podName() { return podName; }
    public String k8sNamespace() { return k8sNamespace; }
    public String k8sContainerName() { return k8sContainerName; }
    /**
     * The server sockets of this capture point's host or namespace (direction rule 1: a connection to one of them
     * is incoming when this NIC is its endpoint); {@link ListeningSockets#none()} unless set. Not part of
     * {@link #equals}: a live table changes while the capture point stays the same.
     */
    public ListeningSockets listeningSockets() { return listeningSockets; }
    /** True for virtual NICs (veth, tap). */
    public boolean isVirtual() { return kind == NicKind.VIRTUAL; }

    /** {@code aa:bb:cc:dd:ee:ff}, or empty when unknown. */
    public String macString() {
        return mac == NO_MAC ? "" : formatMac(mac);
    }

    /** A short label for summaries: {@code host/pod/nic}. */
    public String label() {
        StringBuilder sb = new StringBuilder();
        if (!host.isEmpty()) sb.append(host).append('/');
        if (!podName.isEmpty()) sb.append(podName).append('/');
        else if (!netns.isEmpty()) sb.append(netns).append('/');
        sb.append(nicName.isEmpty() ? "?" : nicName);
        return sb.toString();
    }

    /** Formats a 48-bit MAC as {@code aa:bb:cc:dd:ee:ff}. */
    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int b = (int) (mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            if (shift > 0) sb.append(':');
        }
        return sb.toString();
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with '-') into a 48-bit value. */
    public static long parseMac(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("bad MAC address '" + text + "'");
        }
        long mac = 0;
        for (String part : parts) {
            int b;
            try {
                b = Integer.parseInt(part, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad MAC address '" + text + "'", e);
            }
            if (part.isEmpty() || part.length() > 2 || b < 0 || b > 255) {
                throw new IllegalArgumentException("bad MAC address '" + text + "'");
            }
            mac = (mac << 8) | b;
        }
        return mac;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Nic)) return false;
        Nic n = (Nic) o;
        return mac == n.mac && host.equals(n.host) && nicName.equals(n.nicName) && kind == n.kind
                && netns.equals(n.netns) && localAddresses.equals(n.localAddresses) && podName.equals(n.podName)
                && k8sNamespace.equals(n.k8sNamespace) && k8sContainerName.equals(n.k8sContainerName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, nicName, kind, mac, netns, localAddresses, podName, k8sNamespace, k8sContainerName);
    }

    @Override
    public String toString() {
        return "Nic[" + label() + ", kind=" + kind.label() + (mac == NO_MAC ? "" : ", mac=" + macString())
                + (localAddresses.isEmpty() ? "" : ", ip=" + localAddresses) + "]";
    }

    /** Builds a {@link Nic}. Each setter validates its argument and refuses a second call. Not thread-safe. */
    public static final class Builder {
        private String host;
        private String nicName;
        private NicKind kind;
        private long mac;
        private boolean macSet;
        private String netns;
        private List<InetAddress> localAddresses;
        private String podName;
        private String k8sNamespace;
        private String k8sContainerName;
        private ListeningSockets listeningSockets;

        private Builder() {
        }

        private static void once(Object current, String what) {
            if (current != null) {
                throw new IllegalStateException(what + " was already set");
            }
        }

        private static String text(String value, String what) {
            Objects.requireNonNull(value, what);
            if (value.indexOf('\t') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException(what + " must not contain tabs or newlines: '" + value + "'");
            }
            return value;
        }

        public Builder host(String host) { once(this.host, "host"); this.host = text(host, "host"); return this; }
        public Builder nicName(String nicName) { once(this.nicName, "nicName"); this.nicName = text(nicName, "nicName"); return this; }
        public Builder kind(NicKind kind) { once(this.kind, "kind"); this.kind = Objects.requireNonNull(kind, "kind"); return this; }
        public Builder netns(String netns) { once(this.netns, "netns"); this.netns = text(netns, "netns"); return this; }
        public Builder podName(String podName) { once(this.podName, "podName"); this.podName = text(podName, "podName"); return this; }
        public Builder k8sNamespace(String ns) { once(this.k8sNamespace, "k8sNamespace"); this.k8sNamespace = text(ns, "k8sNamespace"); return this; }
        public Builder k8sContainerName(String c) { once(this.k8sContainerName, "k8sContainerName"); this.k8sContainerName = text(c, "k8sContainerName"); return this; }

        /** The 48-bit MAC address. */
        public Builder mac(long mac) {
            if (macSet) throw new IllegalStateException("mac was already set");
            if (mac < 0 || mac > 0xFFFF_FFFF_FFFFL) throw new IllegalArgumentException("MAC out of range: " + mac);
            this.mac = mac;
            this.macSet = true;
            return this;
        }

        public Builder localAddresses(List<InetAddress> addresses) {
            once(this.localAddresses, "localAddresses");
            List<InetAddress> copy = new ArrayList<>(addresses.size());
            for (InetAddress a : addresses) copy.add(Objects.requireNonNull(a, "address"));
            this.localAddresses = copy;
            return this;
        }

        /** Server sockets: {@link ListeningSockets#parse} offline, {@link ListeningSockets#live} on live capture. */
        public Builder listeningSockets(ListeningSockets sockets) {
            once(this.listeningSockets, "listeningSockets");
            this.listeningSockets = Objects.requireNonNull(sockets, "sockets");
            return this;
        }

        public Nic build() {
            return new Nic(this);
        }
    }
}
