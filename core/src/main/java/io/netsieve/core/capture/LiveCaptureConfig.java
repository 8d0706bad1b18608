package io.netsieve.core.capture;

import io.netsieve.core.bpf.BpfProgram;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to open one interface for live capture. Immutable; build with {@link #builder(String)} (each setter
 * validates its argument and may be called once). Defaults: snap length 262144, not promiscuous, kernel buffer
 * 4 MiB, read timeout 100 ms, immediate mode on (packets are delivered as they arrive, not when the kernel buffer
 * block fills), capture-point id 0, the caller's network namespace, no filter.
 *
 * <p><b>Filter.</b> At most one of {@link Builder#filter(String)} (a pcap-filter expression, compiled by netsieve's
 * {@link io.netsieve.core.bpf.FilterCompiler} for the interface's link type when the capture opens) and
 * {@link Builder#filter(BpfProgram)} (a ready program). Either way the classic BPF program runs in the kernel,
 * attached to the capture socket: packets it rejects never reach user space (see {@link LiveCapture}), and are
 * counted only with {@link Builder#countRejected(boolean)}.
 */
public final class LiveCaptureConfig {
    private final String interfaceName;
    private final int snaplen;
    private final boolean promiscuous;
    private final int bufferSize;
    private final int timeoutMillis;
    private final boolean immediateMode;
    private final int capturePointId;
    private final Path netns;
    private final String filterExpression;
    private final BpfProgram filterProgram;
    private final boolean countRejected;

    private LiveCaptureConfig(Builder b) {
        interfaceName = b.interfaceName;
        snaplen = b.snaplen != null ? b.snaplen : 262_144;
        promiscuous = b.promiscuous != null && b.promiscuous;
        bufferSize = b.bufferSize != null ? b.bufferSize : 4 << 20;
        timeoutMillis = b.timeoutMillis != null ? b.timeoutMillis : 100;
        immediateMode = b.immediateMode == null || b.immediateMode;
        capturePointId = b.capturePointId != null ? b.capturePointId : 0;
        netns = b.netns;
        filterExpression = b.filterExpression;
        filterProgram = b.filterProgram;
        countRejected = b.countRejected != null && b.countRejected;
    }

    /** A builder for capturing on {@code interfaceName} (e.g. {@code eth0}, {@code any}). */
    public static Builder builder(String interfaceName) {
        return new Builder(interfaceName);
    }

    public String interfaceName() { return interfaceName; }
    public int snaplen() { return snaplen; }
    public boolean promiscuous() { return promiscuous; }
    public int bufferSize() { return bufferSize; }
    public int timeoutMillis() { return timeoutMillis; }
    public boolean immediateMode() { return immediateMode; }
    public int capturePointId() { return capturePointId; }
    /** The network namespace file to capture in (e.g. {@code /var/run/netns/pod1}), or null for the current one. */
    public Path netns() { return netns; }
    /** The pcap-filter expression to compile and install in the kernel, or null. */
    public String filterExpression() { return filterExpression; }
    /** The ready classic BPF program to install in the kernel, or null. */
    public BpfProgram filterProgram() { return filterProgram; }
    /** True if the packets the kernel filter rejects are counted ({@link Builder#countRejected(boolean)}). */
    public boolean countRejected() { return countRejected; }
    /** True if a filter (an expression or a program) is set. */
    public boolean hasFilter() { return filterExpression != null || filterProgram != null; }

    /** A description for messages: {@code eth0} or {@code eth0 in netns /var/run/netns/x}. */
    public String describe() {
        return "'" + interfaceName + "'" + (netns != null ? " in network namespace " + netns : "");
    }

    /** Builder; every setter may be called at most once. */
    public static final class Builder {
        private final String interfaceName;
        private Integer snaplen;
        private Boolean promiscuous;
        private Integer bufferSize;
        private Integer timeoutMillis;
        private Boolean immediateMode;
        private Integer capturePointId;
        private Path netns;
        private String filterExpression;
        private BpfProgram filterProgram;
        private Boolean countRejected;

        private Builder(String interfaceName) {
            Objects.requireNonNull(interfaceName, "interfaceName");
            if (interfaceName.isBlank()) {
                throw new IllegalArgumentException("interface name is empty");
            }
            this.interfaceName = interfaceName;
        }

        /** Bytes kept per packet, 64..262144. */
        public Builder snaplen(int bytes) {
            once(snaplen, "snaplen");
            if (bytes < 64 || bytes > 262_144) {
                throw new IllegalArgumentException("snaplen must be in [64, 262144]: " + bytes);
            }
            snaplen = bytes;
            return this;
        }

        public Builder promiscuous(boolean on) {
            once(promiscuous, "promiscuous");
            promiscuous = on;
            return this;
        }

        /** Kernel capture buffer, 64 KiB..1 GiB. */
        public Builder bufferSize(int bytes) {
            once(bufferSize, "bufferSize");
            if (bytes < 65_536 || bytes > (1 << 30)) {
                throw new IllegalArgumentException("bufferSize must be in [64 KiB, 1 GiB]: " + bytes);
            }
            bufferSize = bytes;
            return this;
        }

        /** libpcap read timeout, 1 ms..60 s. */
        public Builder timeout(Duration timeout) {
            once(timeoutMillis, "timeout");
            long ms = timeout.toMillis();
            if (ms < 1 || ms > 60_000) {
                throw new IllegalArgumentException("timeout must be in [1 ms, 60 s]: " + timeout);
            }
            timeoutMillis = (int) ms;
            return this;
        }

        public Builder immediateMode(boolean on) {
            once(immediateMode, "immediateMode");
            immediateMode = on;
            return this;
        }

        /** The capture-point id stamped on every packet ({@code PacketView#capturePointId()}), >= 0. */
        public Builder capturePointId(int id) {
            once(capturePointId, "capturePointId");
            if (id < 0) {
                throw new IllegalArgumentException("capturePointId must be >= 0: " + id);
            }
            capturePointId = id;
            return this;
        }

        /** Capture inside this network namespace: a path such as {@code /var/run/netns/NAME}. */
        public Builder netns(Path namespaceFile) {
            once(netns, "netns");
            netns = Objects.requireNonNull(namespaceFile, "namespaceFile");
            return this;
        }

        /** Capture inside the named namespace of {@code ip netns} ({@code /var/run/netns/NAME}). */
        public Builder netns(String name) {
            if (name == null || name.isBlank() || name.contains("/")) {
                throw new IllegalArgumentException("bad namespace name: " + name);
            }
            return netns(Path.of("/var/run/netns", name));
        }

        /**
         * Install this pcap-filter expression (pcap-filter(7)) as the kernel filter. It is compiled when the
         * capture opens, by {@link io.netsieve.core.bpf.FilterCompiler} (never libpcap's compiler) for the
         * interface's actual link type, with the Linux extensions ({@code inbound}, {@code vlan}…) and the
         * configured snap length; an expression that does not compile makes {@link LiveCapture#open} fail.
         * Exclusive with {@link #filter(BpfProgram)}.
         *
         * @throws IllegalStateException if a filter (expression or program) was already set
         */
        public Builder filter(String expression) {
            onceFilter();
            filterExpression = Objects.requireNonNull(expression, "expression");
            return this;
        }

        /**
         * Install this classic BPF program as the kernel filter. It must pass
         * {@link io.netsieve.core.bpf.BpfValidator.Mode#KERNEL} (checked when the capture opens) and must suit the
         * interface's link type. Exclusive with {@link #filter(String)}.
         *
         * @throws IllegalStateException    if a filter (expression or program) was already set
         * @throws IllegalArgumentException if the program is empty
         */
        public Builder filter(BpfProgram program) {
            onceFilter();
            Objects.requireNonNull(program, "program");
            if (program.length() == 0) {
                throw new IllegalArgumentException("filter program is empty");
            }
            filterProgram = program;
            return this;
        }

        /**
         * Count, in the kernel, the packets the filter rejects ({@link CaptureStats#filterRejected()}; default off):
         * a second packet socket on the interface carries the attached filter with its verdicts inverted and is never
         * read, so each rejected packet is counted by the kernel (queued in a minimal buffer, then counted as a drop)
         * without being copied to user space. Costs a second run of the filter per packet in the kernel and a
         * counter increment per rejected packet. Counting starts once the filter is attached. Needs a filter.
         */
        public Builder countRejected(boolean on) {
            once(countRejected, "countRejected");
            countRejected = on;
            return this;
        }

        private void onceFilter() {
            if (filterExpression != null || filterProgram != null) {
                throw new IllegalStateException("filter was already set (an expression or a program, not both)");
            }
        }

        public LiveCaptureConfig build() {
            if (countRejected != null && countRejected && filterExpression == null && filterProgram == null) {
                throw new IllegalStateException("countRejected counts what a filter rejects: set a filter");
            }
            return new LiveCaptureConfig(this);
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
