package io.netsieve.core.capture;

import com.sun.jna.Pointer;
import io.netsieve.core.capture.internal.LibC;
import io.netsieve.core.capture.internal.LibPcap;
import io.netsieve.core.capture.internal.NativeView;
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
 * <p>One consuming thread; {@link #close()} and {@link #stats()} may be called from others.
 */
public final class LiveCapture implements PacketSource {
    private final LiveCaptureConfig config;
    private final PcapHandle handle;
    private final long pcap;
    private final int linkType;
    private final boolean nanoTimestamps;
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

    private LiveCapture(LiveCaptureConfig config, PcapHandle handle, long pcap, boolean nano) throws LiveCaptureException {
        this.config = config;
        this.handle = handle;
        this.pcap = pcap;
        this.nanoTimestamps = nano;
        this.linkType = handle.getDlt().value();
        this.buffer = new byte[config.snaplen()];
        int fd = LibPcap.pcap_get_selectable_fd(pcap);
        if (fd < 0) {
            handle.close();
            throw new LiveCaptureException(config.interfaceName(), "interface " + config.describe()
                    + " has no selectable descriptor", null);
        }
        if (LibC.pipe(wakePipe) != 0) {
            handle.close();
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
     *                              permission (capturing needs root or CAP_NET_RAW), no such namespace…
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
        try {
            handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
            return new LiveCapture(config, handle, pcapPointer(handle), nano);
        } catch (LiveCaptureException e) {
            throw e;
        } catch (Exception e) {
            handle.close();
            throw failure(config, e);
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

    /** libpcap's counters plus the frames delivered by {@link #next} (after {@link #close()}: the final ones). */
    public CaptureStats stats() throws LiveCaptureException {
        synchronized (lock) {
            if (released) {
                return finalStats; // the last counters, taken when the capture was closed
            }
            try {
                PcapStat s = handle.getStats();
                return new CaptureStats(s.getNumPacketsReceived(), s.getNumPacketsDropped(),
                        s.getNumPacketsDroppedByIf(), delivered, 0);
            } catch (Exception e) {
                throw new LiveCaptureException(config.interfaceName(), "cannot read statistics of "
                        + config.describe() + ": " + e.getMessage(), e);
            }
        }
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
                        s.getNumPacketsDroppedByIf(), delivered, 0);
            } catch (Exception e) {
                finalStats = new CaptureStats(-1, -1, -1, delivered, 0);
            }
            released = true;
            handle.close();
            LibC.close(wakePipe[0]);
            LibC.close(wakePipe[1]);
        }
    }
}
