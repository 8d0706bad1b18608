package io.netsieve.core.capture.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * libpcap's per-packet read, mapped directly (pcap4j opens and configures the handle; reading through pcap4j's
 * {@code getNextRawPacket} would allocate a byte array and a timestamp object per packet).
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
}
