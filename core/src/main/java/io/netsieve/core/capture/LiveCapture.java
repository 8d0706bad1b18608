package io.netsieve.core.capture;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfProgram;
import io.netsieve.core.bpf.BpfValidationException;
import io.netsieve.core.bpf.BpfValidator;
import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.capture.internal.LibC;
import io.netsieve.core.capture.internal.LibPcap;
import io.netsieve.core.capture.internal.NativeView;
import io.netsieve.core.capture.internal.RejectCounter;
import io.netsieve.core.io.PacketSource;
import io.netsieve.core.packet.PacketView;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Live capture on one interface through libpcap (pcap4j opens and configures the handle).
 *
 * <p><b>Reading.</b> {@link #next(PacketView)} blocks until a packet arrives and wraps the view over this capture's
 * own buffer (one copy out of the kernel ring, no allocation per packet; the view is valid until the next call).
 * Packets are read with libpcap's {@code pcap_next_ex} on pcap4j's handle through a direct JNA mapping, because
 * pcap4j's {@code getNextRawPacket} allocates a byte array and a {@code Timestamp} per packet.
 *
 * <p><b>Shutdown never hangs.</b> The handle is non-blocking; when no packet is ready the reader waits in
 * {@code poll(2)} on libpcap's selectable descriptor and on a wake-up pipe. {@link #close()} (from any thread) writes
 * to the pipe, waits for the reader to leave native code, then closes the handle — so closing an idle capture
 * returns at once, even where libpcap's read timeout would never fire.
 *
 * <p><b>Namespaces.</b> With {@link LiveCaptureConfig#netns()} set, a short-lived dedicated thread enters the
 * namespace ({@code setns(fd, CLONE_NEWNET)}), looks the interface up and opens it, then ends; the open descriptor
 * keeps capturing in that namespace and may be read from any thread. (A namespace switch is per thread, so no
 * pooled thread is ever moved.)
 *
 * <p><b>Kernel filter.</b> With {@link LiveCaptureConfig.Builder#filter(String)} the expression is compiled by
 * netsieve's {@link FilterCompiler} (not libpcap's) for the handle's link type, with the Linux extensions and the
 * configured snap length; with {@link LiveCaptureConfig.Builder#filter(BpfProgram)} the given program is used. The
 * program is first checked with {@link BpfValidator} in {@link BpfValidator.Mode#KERNEL} mode (the kernel's own
 * rules: e.g. no backward jumps, so {@code protochain} is refused), then handed to libpcap as a
 * {@code struct bpf_program} with {@code pcap_setfilter}, which attaches it to the capture socket; netsieve then
 * checks that the kernel really holds it ({@code SO_GET_FILTER}), because libpcap would otherwise silently filter in
 * user space. The program runs in the kernel, per packet, before the packet is queued for this socket: packets it
 * rejects never reach user space and are counted nowhere — neither in {@link CaptureStats#received()} (which on
 * Linux counts only packets that passed the filter) nor as drops ({@link CaptureStats#kernelDropped()} counts only
 * packets that passed it and found no room). The program's return value is the number of bytes kept, at most the
 * snap length. Packets that arrive between the opening of the handle and the installation of the filter may still
 * be delivered unfiltered.
 *
 * <p><b>Counting what the filter rejects.</b> With {@link LiveCaptureConfig.Builder#countRejected(boolean)}, a second
 * packet socket, opened in the same namespace and bound like the capture socket, carries the program the kernel
 * attached with its verdicts inverted and is never read: the kernel counts every packet the capture filter rejects in
 * that socket's statistics ({@link CaptureStats#filterRejected()}), without copying it to user space. On loopback the
 * outgoing copy of each packet is left out, as libpcap leaves it out of what it delivers.
 *
 * <p>One consuming thread; {@link #close()} and {@link #stats()} may be called from others.
 */
public final class LiveCapture implements PacketSource {
    private final LiveCaptureConfig config;
    private final PcapHandle handle;
    private final long pcap;
    private final int linkType;
    private final boolean nanoTimestamps;
    private final BpfProgram filterProgram;
    private final RejectCounter rejected;
    private final int[] wakePipe = new int[2];
    private final int[] pollFds;
    private final long[] header = new long[1];
    private final long[] data = new long[1];
    private final NativeView nativeView = new NativeView();
    private final byte[] buffer;
    private final Object lock = new Object();
    private volatile boolean closed;
    private boolean reading;
    private boolean released;
    private volatile long delivered;
    private CaptureStats finalStats;

    private LiveCapture(LiveCaptureConfig config, PcapHandle handle, long pcap, boolean nano, int linkType,
                        BpfProgram filterProgram, RejectCounter rejected) throws LiveCaptureException {
        this.config = config;
        this.rejected = rejected;
        this.handle = handle;
        this.pcap = pcap;
        this.nanoTimestamps = nano;
        this.linkType = linkType;
        this.filterProgram = filterProgram;
        this.buffer = new byte[config.snaplen()];
        int fd = LibPcap.pcap_get_selectable_fd(pcap);
        if (fd < 0) {
            handle.close();
            closeCounter(rejected);
            throw new LiveCaptureException(config.interfaceName(), "interface " + config.describe()
                    + " has no selectable descriptor", null);
        }
        if (LibC.pipe(wakePipe) != 0) {
            handle.close();
            closeCounter(rejected);
            throw new LiveCaptureException(config.interfaceName(), "cannot create the wake-up pipe for "
                    + config.describe() + ": " + LibC.lastError(), null);
        }
        // two struct pollfd { int fd; short events; short revents; } (little-endian: events in the low half)
        pollFds = new int[] {fd, LibC.POLLIN, wakePipe[0], LibC.POLLIN};
    }

    /**
     * Opens the interface and starts capturing.
     *
     * @throws LiveCaptureException naming the interface (and namespace) and the cause: no such device, no
     *                              permission (capturing needs root or CAP_NET_RAW), no such namespace, a filter
     *                              expression that does not compile (cause: {@link FilterCompileException}), a
     *                              filter program the kernel would refuse (cause: {@link BpfValidationException}),
     *                              or a filter libpcap or the kernel did not install
     */
    public static LiveCapture open(LiveCaptureConfig config) throws LiveCaptureException {
        if (config.netns() == null) {
            return openHere(config);
        }
        if (!Files.exists(config.netns())) {
            throw new LiveCaptureException(config.interfaceName(), "cannot capture on " + config.describe()
                    + ": the namespace file does not exist", null);
        }
        AtomicReference<Object> result = new AtomicReference<>();
        Thread opener = new Thread(() -> {
            try {
                int fd = LibC.open(config.netns().toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
                if (fd < 0) {
                    throw new LiveCaptureException(config.interfaceName(), "cannot open network namespace "
                            + config.netns() + ": " + LibC.lastError(), null);
                }
                int rc = LibC.setns(fd, LibC.CLONE_NEWNET);
                String error = rc == 0 ? null : LibC.lastError();
                LibC.close(fd);
                if (rc != 0) {
                    throw new LiveCaptureException(config.interfaceName(), "cannot enter network namespace "
                            + config.netns() + " (needs CAP_SYS_ADMIN): " + error, null);
                }
                result.set(openHere(config));
            } catch (LiveCaptureException | RuntimeException | Error e) {
                result.set(e);
            }
        }, "netsieve-netns-open-" + config.interfaceName());
        opener.start();
        try {
            opener.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LiveCaptureException(config.interfaceName(), "interrupted while opening " + config.describe(), e);
        }
        Object r = result.get();
        if (r instanceof LiveCapture capture) {
            return capture;
        }
        if (r instanceof LiveCaptureException e) {
            throw e;
        }
        throw new LiveCaptureException(config.interfaceName(), "cannot open " + config.describe() + ": " + r,
                r instanceof Throwable t ? t : null);
    }

    private static LiveCapture openHere(LiveCaptureConfig config) throws LiveCaptureException {
        PcapHandle handle;
        boolean nano = true;
        try {
            handle = builder(config, PcapHandle.TimestampPrecision.NANO).build();
        } catch (PcapNativeException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase().contains("precision")) {
                throw failure(config, e);
            }
            nano = false;
            try {
                handle = builder(config, PcapHandle.TimestampPrecision.MICRO).build();
            } catch (PcapNativeException e2) {
                throw failure(config, e2);
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw failure(config, e);
        }
        long pcap;
        int linkType;
        BpfProgram program = null;
        RejectCounter rejected = null;
        try {
            handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
            pcap = pcapPointer(handle);
            linkType = LibPcap.pcap_datalink(pcap);
            if (config.hasFilter()) {
                program = filterFor(config, linkType);
                install(config, pcap, program);
                if (config.countRejected()) {
                    try {
                        rejected = RejectCounter.open(LibPcap.pcap_fileno(pcap)); // in this thread's namespace
                    } catch (IllegalStateException | UnsatisfiedLinkError e) {
                        throw new LiveCaptureException(config.interfaceName(), "cannot count the packets the filter"
                                + " rejects on " + config.describe() + ": " + e.getMessage(), e);
                    }
                }
            }
        } catch (LiveCaptureException e) {
            handle.close();
            throw e;
        } catch (Exception e) {
            handle.close();
            throw failure(config, e);
        }
        // closes the handle and the counter if it fails
        return new LiveCapture(config, handle, pcap, nano, linkType, program, rejected);
    }

    private static void closeCounter(RejectCounter counter) {
        if (counter != null) {
            counter.close();
        }
    }

    /** The configured program, or the configured expression compiled for {@code linkType}; validated for the kernel. */
    private static BpfProgram filterFor(LiveCaptureConfig config, int linkType) throws LiveCaptureException {
        BpfProgram program = config.filterProgram();
        String what;
        if (program == null) {
            String expression = config.filterExpression();
            what = "filter '" + expression + "'";
            try {
                program = FilterCompiler.builder()
                        .linkType(linkType)
                        .linuxExtensions(true)
                        .snaplen(config.snaplen())
                        .build()
                        .compile(expression);
            } catch (FilterCompileException e) {
                throw new LiveCaptureException(config.interfaceName(), "cannot capture on " + config.describe()
                        + ": filter expression '" + expression + "' does not compile: " + e.getMessage(), e);
            } catch (IllegalArgumentException e) { // a link type the compiler does not support
                throw new LiveCaptureException(config.interfaceName(), "cannot capture on " + config.describe()
                        + ": cannot compile filter expression '" + expression + "': " + e.getMessage(), e);
            }
        } else {
            what = "filter program (" + program.length() + " instructions)";
        }
        try {
            BpfValidator.validate(program, BpfValidator.Mode.KERNEL);
        } catch (BpfValidationException e) {
            int at = e.instruction();
            boolean backward = at >= 0 && at < program.length()
                    && program.get(at).code() == (Bpf.JMP | Bpf.JA) && program.get(at).k() < 0;
            throw new LiveCaptureException(config.interfaceName(), "cannot capture on " + config.describe()
                    + ": the kernel would refuse the " + what + ": " + e.getMessage()
                    + (backward ? " (a backward jump: the kernel accepts only forward jumps)" : ""), e);
        }
        return program;
    }

    /**
     * Installs {@code program} with {@code pcap_setfilter}: {@code struct bpf_program { u_int bf_len; struct bpf_insn
     * *bf_insns; }} over an array of 8-byte {@code struct bpf_insn { u_short code; u_char jt; u_char jf;
     * bpf_u_int32 k; }} in native byte order. libpcap copies the program, so both blocks are freed on return. Then
     * checks that the kernel holds it: libpcap falls back to filtering in user space when the kernel refuses a
     * program, and says so only on stderr.
     */
    private static void install(LiveCaptureConfig config, long pcap, BpfProgram program) throws LiveCaptureException {
        int n = program.length();
        try (Memory insns = new Memory((long) n * LibPcap.BPF_INSN_SIZE);
             Memory prog = new Memory(LibPcap.BPF_PROGRAM_SIZE)) {
            for (int i = 0; i < n; i++) {
                BpfInstruction insn = program.get(i);
                long at = (long) i * LibPcap.BPF_INSN_SIZE;
                insns.setShort(at, (short) insn.code());
                insns.setByte(at + 2, (byte) insn.jt());
                insns.setByte(at + 3, (byte) insn.jf());
                insns.setInt(at + 4, insn.k());
            }
            prog.clear();
            prog.setInt(0, n);
            prog.setPointer(LibPcap.BPF_PROGRAM_INSNS_OFFSET, insns);
            if (LibPcap.pcap_setfilter(pcap, prog) != 0) {
                throw new LiveCaptureException(config.interfaceName(), "cannot install the filter on "
                        + config.describe() + ": " + LibPcap.pcap_geterr(pcap), null);
            }
        }
        int attached = LibPcap.attachedFilterLength(LibPcap.pcap_fileno(pcap));
        if (attached >= 0 && attached != n) {
            throw new LiveCaptureException(config.interfaceName(), "cannot install the filter on "
                    + config.describe() + ": the kernel did not attach it (" + (attached == 0 ? "no filter"
                    : attached + " instructions instead of " + n) + " on the socket; libpcap would filter in user"
                    + " space)", null);
        }
    }

    private static PcapHandle.Builder builder(LiveCaptureConfig config, PcapHandle.TimestampPrecision precision) {
        return new PcapHandle.Builder(config.interfaceName())
                .snaplen(config.snaplen())
                .promiscuousMode(config.promiscuous() ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                        : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                .bufferSize(config.bufferSize())
                .timeoutMillis(config.timeoutMillis())
                .immediateMode(config.immediateMode())
                .timestampPrecision(precision);
    }

    private static LiveCaptureException failure(LiveCaptureConfig config, Throwable cause) {
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        String hint = why.contains("ermission") || why.contains("not permitted")
                ? " (capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN)" : "";
        return new LiveCaptureException(config.interfaceName(), "cannot capture on interface " + config.describe()
                + ": " + why + hint, cause);
    }

    private static long pcapPointer(PcapHandle handle) throws ReflectiveOperationException {
        Field f = PcapHandle.class.getDeclaredField("handle");
        f.setAccessible(true);
        return Pointer.nativeValue((Pointer) f.get(handle));
    }

    @Override
    public boolean next(PacketView view) throws IOException {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            reading = true;
        }
        try {
            while (!closed) {
                int rc = LibPcap.pcap_next_ex(pcap, header, data);
                if (rc == 1) {
                    NativeView h = nativeView.at(header[0]);
                    long seconds = h.getLong(0);
                    long fraction = h.getLong(8);
                    int caplen = Math.min(h.getInt(16), buffer.length);
                    int wire = h.getInt(20);
                    nativeView.at(data[0]).read(0, buffer, 0, caplen);
                    long nanos = seconds * 1_000_000_000L + (nanoTimestamps ? fraction : fraction * 1_000L);
                    view.wrap(buffer, 0, caplen, wire, nanos, linkType, config.capturePointId());
                    delivered++;
                    return true;
                }
                if (rc == 0) {
                    LibC.poll(pollFds, 2, 1_000);
                    continue;
                }
                if (rc == -2 || closed) {
                    return false;
                }
                throw new LiveCaptureException(config.interfaceName(), "reading " + config.describe() + " failed: "
                        + LibPcap.pcap_geterr(pcap), null);
            }
            return false;
        } finally {
            synchronized (lock) {
                reading = false;
                lock.notifyAll();
            }
        }
    }

    /**
     * libpcap's counters plus the frames delivered by {@link #next} (after {@link #close()}: the final ones). With a
     * filter, {@link CaptureStats#received()} counts only the packets the kernel filter accepted; rejected packets
     * are not drops, and are counted only in {@link CaptureStats#filterRejected()} with
     * {@link LiveCaptureConfig.Builder#countRejected(boolean)} (otherwise it is -1).
     */
    public CaptureStats stats() throws LiveCaptureException {
        synchronized (lock) {
            if (released) {
                return finalStats; // the last counters, taken when the capture was closed
            }
            try {
                PcapStat s = handle.getStats();
                return new CaptureStats(s.getNumPacketsReceived(), s.getNumPacketsDropped(),
                        s.getNumPacketsDroppedByIf(), delivered, 0, rejected == null ? -1 : rejected.count());
            } catch (Exception e) {
                throw new LiveCaptureException(config.interfaceName(), "cannot read statistics of "
                        + config.describe() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The classic BPF program installed in the kernel for this capture (compiled from
     * {@link LiveCaptureConfig#filterExpression()} or {@link LiveCaptureConfig#filterProgram()} as given), or null
     * if the capture has no filter.
     */
    public BpfProgram filterProgram() {
        return filterProgram;
    }

    /** The libpcap link type of the interface ({@code io.netsieve.core.packet.LinkType}). */
    public int linkType() {
        return linkType;
    }

    public LiveCaptureConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.interfaceName() + (config.netns() != null ? "@" + config.netns().getFileName() : "");
    }

    /**
     * Stops the capture: wakes a reader blocked in {@link #next} (which then returns false), waits for it to leave
     * native code, and releases the handle. Idempotent; callable from any thread.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (released) {
                return;
            }
            closed = true;
            LibC.write(wakePipe[1], new byte[] {1}, 1);
            while (reading) {
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (reading) {
                    LibC.write(wakePipe[1], new byte[] {1}, 1);
                }
            }
            try {
                PcapStat s = handle.getStats();
                finalStats = new CaptureStats(s.getNumPacketsReceived(), s.getNumPacketsDropped(),
                        s.getNumPacketsDroppedByIf(), delivered, 0, rejected == null ? -1 : rejected.count());
            } catch (Exception e) {
                finalStats = new CaptureStats(-1, -1, -1, delivered, 0, rejected == null ? -1 : rejected.count());
            }
            released = true;
            handle.close();
            closeCounter(rejected);
            LibC.close(wakePipe[0]);
            LibC.close(wakePipe[1]);
        }
    }
}
