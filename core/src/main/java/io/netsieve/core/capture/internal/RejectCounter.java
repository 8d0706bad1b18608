package io.netsieve.core.capture.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netsieve.core.bpf.Bpf;

/**
 * Counts, in the kernel, the packets a capture socket's filter rejects: a second packet socket of the same type,
 * bound like the capture socket (same interface, same protocol), carrying the capture socket's own attached program
 * with every return inverted ({@code ret #0} becomes {@code ret #1}, any other {@code ret #k} becomes {@code ret #0}),
 * and never read. The kernel runs both programs on the same packets at the same tap; every packet the capture
 * filter rejects passes the inverted one and is counted in this socket's {@code PACKET_STATISTICS}: queued while its
 * minimal receive buffer has room (a few packets, held until close), dropped and counted once it is full — the
 * kernel adds the drops to {@code tp_packets}. No packet is ever copied to user space.
 *
 * <p>On a loopback interface the kernel taps each packet twice (sent and received) and libpcap keeps one copy, so the
 * inverted program first rejects the {@code PACKET_OUTGOING} copies. Counting starts when this socket is bound (after
 * the capture's filter was attached). Linux only.
 *
 * <p>Thread-safe: {@link #count()} and {@link #close()} may be called from any thread.
 */
public final class RejectCounter implements AutoCloseable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_TYPE = 3;
    private static final int SO_RCVBUF = 8;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int SO_GET_FILTER = 26;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_OUTGOING = 4;
    private static final int ARPHRD_LOOPBACK = 772;
    /** {@code struct sockaddr_ll}: family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr[8]. */
    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int BPF_MAXINSNS = 4096;

    static {
        Native.register(RejectCounter.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private static native int socket(int domain, int type, int protocol);

    private static native int setsockopt(int fd, int level, int name, Pointer value, int length);

    private static native int getsockopt(int fd, int level, int name, Pointer value, int[] length);

    private static native int getsockname(int fd, Pointer address, int[] length);

    private static native int bind(int fd, Pointer address, int length);

    private final int fd;
    private final Memory statistics = new Memory(8);
    private long count;
    private boolean closed;

    private RejectCounter(int fd) {
        this.fd = fd;
    }

    /**
     * Opens a counter beside capture socket {@code captureFd} (which must already hold its filter), in the calling
     * thread's network namespace (the capture's).
     *
     * @throws IllegalStateException with the reason when the kernel calls fail or the attached program cannot be
     *                               inverted in place (a {@code ret a})
     */
    public static RejectCounter open(int captureFd) {
        if (!Platform.isLinux()) {
            throw new IllegalStateException("counting the rejected packets needs Linux");
        }
        int type = intOption(captureFd, SO_TYPE, "SO_TYPE");
        Memory address = new Memory(SOCKADDR_LL_SIZE);
        address.clear();
        int[] length = {SOCKADDR_LL_SIZE};
        check(getsockname(captureFd, address, length), "getsockname");
        short protocol = address.getShort(2); // network byte order, kept as is
        int ifindex = address.getInt(4);
        int hatype = address.getShort(8) & 0xffff;

        int[] count = {0};
        check(getsockopt(captureFd, SOL_SOCKET, SO_GET_FILTER, Pointer.NULL, count), "SO_GET_FILTER");
        int n = count[0];
        if (n <= 0) {
            throw new IllegalStateException("the capture socket holds no filter");
        }
        Memory original = new Memory((long) n * 8);
        count[0] = n;
        check(getsockopt(captureFd, SOL_SOCKET, SO_GET_FILTER, original, count), "SO_GET_FILTER");
        boolean loopback = hatype == ARPHRD_LOOPBACK;
        int prefix = loopback ? 4 : 0;
        if (n + prefix > BPF_MAXINSNS) {
            throw new IllegalStateException("the inverted filter would exceed " + BPF_MAXINSNS + " instructions");
        }
        Memory inverted = new Memory((long) (n + prefix) * 8);
        if (loopback) { // ld [pkttype]; jeq #OUTGOING, 0, 1; ret #0; ld #0 (A as the program expects it)
            put(inverted, 0, Bpf.LD | Bpf.W | Bpf.ABS, 0, 0, Bpf.SKF_AD_OFF + Bpf.SKF_AD_PKTTYPE);
            put(inverted, 1, Bpf.JMP | Bpf.JEQ | Bpf.K, 0, 1, PACKET_OUTGOING);
            put(inverted, 2, Bpf.RET | Bpf.K, 0, 0, 0);
            put(inverted, 3, Bpf.LD | Bpf.W | Bpf.IMM, 0, 0, 0);
        }
        for (int i = 0; i < n; i++) {
            long at = (long) i * 8;
            int code = original.getShort(at) & 0xffff;
            int jt = original.getByte(at + 2) & 0xff;
            int jf = original.getByte(at + 3) & 0xff;
            int k = original.getInt(at + 4);
            if (Bpf.cls(code) == Bpf.RET) {
                if (Bpf.rval(code) != Bpf.K) {
                    throw new IllegalStateException("the filter returns a register (instruction " + i
                            + "): it cannot be inverted in place");
                }
                k = k == 0 ? 1 : 0;
            }
            put(inverted, prefix + i, code, jt, jf, k);
        }

        int fd = socket(AF_PACKET, type | SOCK_CLOEXEC, 0); // protocol 0: receives nothing until bound
        if (fd < 0) {
            throw new IllegalStateException("socket(AF_PACKET): " + LibC.lastError());
        }
        try {
            Memory zero = new Memory(4);
            zero.setInt(0, 0);
            check(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, zero, 4), "SO_RCVBUF"); // the kernel's minimum
            Memory program = new Memory(LibPcap.BPF_PROGRAM_SIZE); // struct sock_fprog { u16 len; ... *filter; }
            program.clear();
            program.setShort(0, (short) (n + prefix));
            program.setPointer(LibPcap.BPF_PROGRAM_INSNS_OFFSET, inverted);
            check(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, program, (int) program.size()), "SO_ATTACH_FILTER");
            Memory bindTo = new Memory(SOCKADDR_LL_SIZE);
            bindTo.clear();
            bindTo.setShort(0, (short) AF_PACKET);
            bindTo.setShort(2, protocol);
            bindTo.setInt(4, ifindex);
            check(bind(fd, bindTo, SOCKADDR_LL_SIZE), "bind");
            int[] attached = {0};
            check(getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, Pointer.NULL, attached), "SO_GET_FILTER");
            if (attached[0] != n + prefix) {
                throw new IllegalStateException("the kernel did not attach the inverted filter");
            }
            return new RejectCounter(fd);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The packets the capture filter rejected since this counter was opened (the final count once closed). */
    public synchronized long count() {
        if (!closed) {
            statistics.clear();
            int[] length = {8};
            // struct tpacket_stats { u32 tp_packets; u32 tp_drops; }: reset by each read; tp_packets includes drops
            if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, statistics, length) == 0) {
                count += Integer.toUnsignedLong(statistics.getInt(0));
            }
        }
        return count;
    }

    /** Takes the last count and closes the socket. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            count();
            closed = true;
            LibC.close(fd);
        }
    }

    private static void put(Memory m, int index, int code, int jt, int jf, int k) {
        long at = (long) index * 8;
        m.setShort(at, (short) code);
        m.setByte(at + 2, (byte) jt);
        m.setByte(at + 3, (byte) jf);
        m.setInt(at + 4, k);
    }

    private static int intOption(int fd, int name, String what) {
        Memory value = new Memory(4);
        value.setInt(0, 0);
        int[] length = {4};
        check(getsockopt(fd, SOL_SOCKET, name, value, length), what);
        return value.getInt(0);
    }

    private static void check(int rc, String call) {
        if (rc != 0) {
            throw new IllegalStateException(call + ": " + LibC.lastError());
        }
    }
}
