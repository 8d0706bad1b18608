package io.netsieve.core.capture.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * libpcap's per-packet read, mapped directly (pcap4j opens and configures the handle; reading through pcap4j's
 * {@code getNextRawPacket} would allocate a byte array and a timestamp object per packet), and the installation of
 * a classic BPF program built in Java ({@code pcap_setfilter}, not pcap4j's {@code setFilter(String)}, which would
 * run libpcap's own compiler).
 */
public final class LibPcap {
    static {
        Native.register(LibPcap.class, NativeLibrary.getInstance("pcap"));
    }

    private LibPcap() {
    }

    /**
     * {@code int pcap_next_ex(pcap_t *, struct pcap_pkthdr **, const u_char **)}: 1 packet, 0 none (timeout or
     * non-blocking), -1 error, -2 end. The two out-pointers come back in {@code header[0]} and {@code data[0]}.
     */
    public static native int pcap_next_ex(long pcap, long[] header, long[] data);

    public static native int pcap_get_selectable_fd(long pcap);

    public static native String pcap_geterr(long pcap);

    /**
     * {@code int pcap_setfilter(pcap_t *, struct bpf_program *)}: 0 on success, -1 on error (text in
     * {@link #pcap_geterr}). libpcap copies the program, so the caller may free it afterwards. On Linux libpcap
     * tries to attach it to the socket ({@code SO_ATTACH_FILTER}) and, if the kernel refuses it, silently falls
     * back to filtering in user space (still returning 0): see {@link #attachedFilterLength}.
     */
    public static native int pcap_setfilter(long pcap, Pointer program);

    /** {@code int pcap_datalink(pcap_t *)}: the handle's link type (DLT). */
    public static native int pcap_datalink(long pcap);

    /** {@code int pcap_fileno(pcap_t *)}: the capture socket (or -1). */
    public static native int pcap_fileno(long pcap);

    /** The size in bytes of {@code struct bpf_insn}: {@code u_short code; u_char jt; u_char jf; bpf_u_int32 k}. */
    public static final int BPF_INSN_SIZE = 8;

    /**
     * The size of {@code struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }}: the pointer is aligned
     * to its own size (x86_64, aarch64: 4-byte length, 4 bytes padding, 8-byte pointer).
     */
    public static final int BPF_PROGRAM_SIZE = 2 * Native.POINTER_SIZE;

    /** The offset of {@code bf_insns} in {@code struct bpf_program}. */
    public static final int BPF_PROGRAM_INSNS_OFFSET = Native.POINTER_SIZE;

    /**
     * The number of instructions of the classic BPF filter the kernel has attached to socket {@code fd}
     * ({@code getsockopt(SOL_SOCKET, SO_GET_FILTER)} with a zero length returns the count): 0 if none, -1 if it
     * cannot be read (not Linux, or an error).
     */
    public static int attachedFilterLength(int fd) {
        if (!Platform.isLinux() || fd < 0) {
            return -1;
        }
        int[] length = {0};
        int rc = Sockets.getsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_GET_FILTER, Pointer.NULL, length);
        return rc == 0 ? length[0] : -1;
    }

    /** {@code getsockopt(2)} from the C library (Linux constants). */
    private static final class Sockets {
        static final int SOL_SOCKET = 1;
        static final int SO_GET_FILTER = 26; // = SO_ATTACH_FILTER

        static {
            Native.register(Sockets.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private Sockets() {
        }

        static native int getsockopt(int fd, int level, int name, Pointer value, int[] length);
    }
}
