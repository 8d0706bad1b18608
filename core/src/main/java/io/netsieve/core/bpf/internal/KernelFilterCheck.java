package io.netsieve.core.bpf.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netsieve.core.bpf.BpfInstruction;
import io.netsieve.core.bpf.BpfProgram;

/**
 * Asks the running Linux kernel whether it accepts a classic BPF program, by attaching it
 * ({@code setsockopt(SO_ATTACH_FILTER)}) to a throwaway {@code AF_INET}/{@code SOCK_DGRAM} socket that never
 * receives anything.
 *
 * <p>Why it exists: the kernel is the authority on what {@code SO_ATTACH_FILTER} (and so live capture) accepts.
 * It serves as the oracle that {@link io.netsieve.core.bpf.BpfValidator.Mode#KERNEL} is tested against, and it
 * can pre-check a program before it is attached to a capture socket. The verdict covers the whole attach path:
 * {@code bpf_check_classic} (opcodes, constants, jump targets, last {@code ret}, ancillary offsets, scratch
 * memory read before write) and also the later steps (translation to eBPF, JIT). {@code EINVAL} means
 * "rejected"; any other failure ({@code ENOMEM} when the translated program is over {@code net.core.optmem_max},
 * {@code ENOTSUPP} when the JIT cannot compile it with {@code CONFIG_BPF_JIT_ALWAYS_ON}, {@code EPERM}...) is not a
 * verdict and throws.
 *
 * <p>Thread-safe (calls are serialized on one socket, opened lazily and kept for the life of the process).
 */
public final class KernelFilterCheck {
    /** {@code SOL_SOCKET} (generic Linux value). */
    static final int SOL_SOCKET = 1;
    static final int SO_ATTACH_FILTER = 26;
    static final int SO_DETACH_FILTER = 27;
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int EINVAL = 22;
    /** {@code sizeof(struct sock_fprog)} on LP64: {@code unsigned short len}, 6 bytes padding, a pointer. */
    static final int SOCK_FPROG_SIZE = 16;
    /** {@code sizeof(struct sock_filter)}: {@code u16 code; u8 jt; u8 jf; u32 k}. */
    static final int SOCK_FILTER_SIZE = 8;

    private static final Object LOCK = new Object();
    private static int fd = -1;
    private static Memory fprog;
    private static Memory filters;
    private static Memory intArg;

    private KernelFilterCheck() {
    }

    /** The libc calls (JNA direct mapping, its own binding: the capture package's {@code LibC} stays as it is). */
    static final class Sys {
        static {
            Native.register(Sys.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private Sys() {
        }

        static native int socket(int domain, int type, int protocol);

        static native int setsockopt(int fd, int level, int optname, Pointer optval, int optlen);

        static native int close(int fd);

        static native String strerror(int errno);

        /** Forces class initialization (the registration). */
        static void load() {
        }
    }

    /** True on 64-bit Linux when the libc binding loads (the check can then be asked). */
    public static boolean available() {
        if (!Platform.isLinux() || !Platform.is64Bit() || Native.POINTER_SIZE != 8) {
            return false;
        }
        try {
            Sys.load();
            return true;
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            return false;
        }
    }

    /**
     * True if the kernel attaches {@code p} as a socket filter, false if it refuses it with {@code EINVAL}.
     *
     * @throws IllegalStateException on any other failure (no socket, {@code ENOMEM}, {@code EPERM}, ...), or if
     *                               {@link #available()} is false
     */
    public static boolean kernelAccepts(BpfProgram p) {
        if (!available()) {
            throw new IllegalStateException("the kernel filter check needs 64-bit Linux and JNA");
        }
        int n = p.length();
        if (n > 0xffff) {
            // struct sock_fprog.len is an unsigned short: such a program cannot even be described to the kernel.
            return false;
        }
        synchronized (LOCK) {
            int socket = socket();
            long bytes = Math.max(1L, (long) n * SOCK_FILTER_SIZE);
            if (filters == null || filters.size() < bytes) {
                filters = new Memory(Math.max(bytes, 4096L * SOCK_FILTER_SIZE));
            }
            for (int i = 0; i < n; i++) {
                BpfInstruction insn = p.get(i);
                long off = (long) i * SOCK_FILTER_SIZE;
                filters.setShort(off, (short) insn.code());
                filters.setByte(off + 2, (byte) insn.jt());
                filters.setByte(off + 3, (byte) insn.jf());
                filters.setInt(off + 4, insn.k());
            }
            if (fprog == null) {
                fprog = new Memory(SOCK_FPROG_SIZE);
                intArg = new Memory(4);
                intArg.setInt(0, 0);
            }
            fprog.clear();
            fprog.setShort(0, (short) n);
            fprog.setPointer(8, filters);
            int rc = Sys.setsockopt(socket, SOL_SOCKET, SO_ATTACH_FILTER, fprog, SOCK_FPROG_SIZE);
            if (rc == 0) {
                // Detach at once: the next attach is then charged against an empty socket (a replaced filter
                // is still charged to the socket's option memory while its successor is checked).
                if (Sys.setsockopt(socket, SOL_SOCKET, SO_DETACH_FILTER, intArg, 4) != 0) {
                    throw failure("setsockopt(SO_DETACH_FILTER)", Native.getLastError());
                }
                return true;
            }
            int errno = Native.getLastError();
            if (errno == EINVAL) {
                return false;
            }
            throw failure("setsockopt(SO_ATTACH_FILTER) of " + n + " instructions", errno);
        }
    }

    private static int socket() {
        if (fd < 0) {
            int s = Sys.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (s < 0) {
                throw failure("socket(AF_INET, SOCK_DGRAM)", Native.getLastError());
            }
            fd = s;
        }
        return fd;
    }

    private static IllegalStateException failure(String call, int errno) {
        String text;
        try {
            text = Sys.strerror(errno);
        } catch (Throwable e) {
            text = "?";
        }
        return new IllegalStateException(call + " failed: " + text + " (errno " + errno + ")");
    }
}
