package io.netsieve.core.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's libpcap as an oracle, through JNA: its compiler ({@code pcap_compile} on a dead handle) and its C
 * interpreter ({@code pcap_offline_filter}). Test-only.
 */
final class LibpcapOracle implements AutoCloseable {
    static {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance("pcap");
        } catch (UnsatisfiedLinkError e) {
            lib = NativeLibrary.getInstance("libpcap.so.0.8");
        }
        Native.register(LibpcapOracle.class, lib);
    }

    private static native Pointer pcap_open_dead(int linktype, int snaplen);

    private static native int pcap_compile(Pointer p, Pointer program, String expression, int optimize, int netmask);

    private static native String pcap_geterr(Pointer p);

    private static native int pcap_offline_filter(Pointer program, Pointer header, byte[] packet);

    private static native void pcap_freecode(Pointer program);

    private static native void pcap_close(Pointer p);

    static native String pcap_lib_version();

    /** A program compiled by libpcap, kept native so that its own interpreter can run it. */
    static final class Compiled implements AutoCloseable {
        private final Memory program = new Memory(16);
        private final Memory header = new Memory(24);
        final BpfProgram instructions;

        private Compiled(BpfProgram instructions) {
            this.instructions = instructions;
        }

        /** libpcap's pcap_offline_filter over one frame. */
        int run(byte[] frame, int wireLength) {
            header.setInt(16, frame.length);
            header.setInt(20, wireLength);
            return pcap_offline_filter(program, header, frame);
        }

        @Override
        public void close() {
            pcap_freecode(program);
        }
    }

    private final Pointer handle;

    LibpcapOracle(int linkType, int snaplen) {
        handle = pcap_open_dead(linkType, snaplen);
        if (handle == null) {
            throw new IllegalStateException("pcap_open_dead(" + linkType + ") failed");
        }
    }

    /** libpcap's program, or null with {@code error[0]} set if libpcap refuses the expression. */
    Compiled compile(String expression, boolean optimize, int netmask, String[] error) {
        Compiled c = new Compiled(null);
        if (pcap_compile(handle, c.program, expression, optimize ? 1 : 0, netmask) != 0) {
            error[0] = pcap_geterr(handle);
            return null;
        }
        int n = c.program.getInt(0);
        Pointer insns = c.program.getPointer(8);
        List<BpfInstruction> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long o = 8L * i;
            list.add(new BpfInstruction(insns.getShort(o) & 0xffff, insns.getByte(o + 2) & 0xff,
                    insns.getByte(o + 3) & 0xff, insns.getInt(o + 4)));
        }
        Compiled r = new Compiled(BpfProgram.of(list));
        // move the native program into the returned holder
        r.program.setInt(0, n);
        r.program.setPointer(8, insns);
        return r;
    }

    @Override
    public void close() {
        pcap_close(handle);
    }
}
