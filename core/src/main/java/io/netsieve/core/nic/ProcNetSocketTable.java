package io.netsieve.core.nic;

import io.netsieve.core.nic.ListeningSockets.Endpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Parser of the kernel's {@code /proc/net/{tcp,udp}[6]} tables. */
final class ProcNetSocketTable {
    private static final int TCP_LISTEN = 0x0A;
    private static final int TCP_CLOSE = 0x07;

    private ProcNetSocketTable() {
    }

    static void read(Path file, int proto, boolean v6, boolean required, List<Endpoint> out) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new UncheckedIOException(file + ": no such socket table", e);
            }
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        for (int n = 1; n < lines.size(); n++) { // line 0 is the column header
            String line = lines.get(n).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 4) {
                throw new UncheckedIOException(new IOException(file + " line " + (n + 1)
                        + ": expected 'sl local_address rem_address st ...', got '" + line + "'"));
            }
            try {
                int state = Integer.parseInt(f[3], 16);
                // TCP: LISTEN. UDP: an unconnected bound socket shows as CLOSE with a zero remote address.
                boolean server = proto == ListeningSockets.TCP ? state == TCP_LISTEN
                        : state == TCP_CLOSE && isZeroRemote(f[2]);
                if (!server) {
                    continue;
                }
                int colon = f[1].indexOf(':');
                InetAddress address = InetAddress.getByAddress(hexAddress(f[1].substring(0, colon), v6));
                int port = Integer.parseInt(f[1].substring(colon + 1), 16);
                out.add(new Endpoint(proto, address, port));
            } catch (RuntimeException | UnknownHostException e) {
                throw new UncheckedIOException(new IOException(file + " line " + (n + 1) + ": cannot parse '"
                        + line + "': " + e.getMessage(), e));
            }
        }
    }

    private static boolean isZeroRemote(String remote) {
        int colon = remote.indexOf(':');
        for (int i = 0; i < remote.length(); i++) {
            if (i != colon && remote.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** The kernel prints each 32-bit word of the address as a host-order integer. */
    private static byte[] hexAddress(String hex, boolean v6) {
        int words = v6 ? 4 : 1;
        if (hex.length() != words * 8) {
            throw new IllegalArgumentException("address '" + hex + "' is not " + words * 8 + " hex digits");
        }
        byte[] out = new byte[words * 4];
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int w = 0; w < words; w++) {
            long word = Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16);
            for (int b = 0; b < 4; b++) {
                int shift = little ? 8 * b : 24 - 8 * b;
                out[w * 4 + b] = (byte) (word >>> shift);
            }
        }
        return out;
    }
}
