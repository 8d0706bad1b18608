package io.netsieve.core.capture.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/** The few libc calls live capture needs (JNA direct mapping: no per-call reflection, no boxing). */
public final class LibC {
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final short POLLIN = 0x1;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    public static native int open(String path, int flags);

    public static native int close(int fd);

    public static native int setns(int fd, int nstype);

    /** poll(2) over {@code struct pollfd[n]} held in {@code fds} as (int fd, short events, short revents). */
    public static native int poll(int[] fds, long n, int timeoutMillis);

    public static native int pipe(int[] fds);

    public static native long write(int fd, byte[] buffer, long count);

    public static native long read(int fd, byte[] buffer, long count);

    /** The calling thread's errno text (after a failed call). */
    public static String lastError() {
        int errno = Native.getLastError();
        return strerror(errno) + " (errno " + errno + ")";
    }

    public static native String strerror(int errno);
}
