package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.HostResolver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** hosts(5)/ethers(5)/networks(5) parsing; case-insensitive names, like the C library's lookups. */
public final class FileHostResolver implements HostResolver {
    private final List<String> hosts;
    private final List<String> ethers;
    private final List<String> networks;
    private final Path[] files;

    private FileHostResolver(List<String> hosts, List<String> ethers, List<String> networks, Path[] files) {
        this.hosts = hosts;
        this.ethers = ethers;
        this.networks = networks;
        this.files = files;
    }

    public static HostResolver etc() {
        return of(Path.of("/etc/hosts"), Path.of("/etc/ethers"), Path.of("/etc/networks"));
    }

    public static HostResolver of(Path hosts, Path ethers, Path networks) {
        return new FileHostResolver(null, null, null, new Path[] {hosts, ethers, networks});
    }

    public static HostResolver ofLines(List<String> hosts, List<String> ethers, List<String> networks) {
        return new FileHostResolver(List.copyOf(hosts), List.copyOf(ethers), List.copyOf(networks), null);
    }

    private List<String> lines(int which) {
        if (files == null) {
            return which == 0 ? hosts : which == 1 ? ethers : networks;
        }
        Path p = files[which];
        if (p == null || !Files.isReadable(p)) {
            return List.of();
        }
        try {
            return Files.readAllLines(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String[] fields(String line) {
        int hash = line.indexOf('#');
        if (hash >= 0) {
            line = line.substring(0, hash);
        }
        line = line.strip();
        return line.isEmpty() ? new String[0] : line.split("\\s+");
    }

    @Override
    public List<byte[]> addresses(String name) {
        List<byte[]> out = new ArrayList<>();
        String n = name.toLowerCase(Locale.ROOT);
        for (String line : lines(0)) {
            String[] f = fields(line);
            for (int i = 1; i < f.length; i++) {
                if (f[i].toLowerCase(Locale.ROOT).equals(n)) {
                    byte[] a = literal(f[0]);
                    if (a != null) {
                        out.add(a);
                    }
                    break;
                }
            }
        }
        return out;
    }

    private static byte[] literal(String s) {
        if (s.indexOf(':') >= 0) {
            int[] w = Addresses.parseIpv6(s);
            if (w == null) {
                return null;
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 16; i++) {
                b[i] = (byte) (w[i / 4] >>> (24 - 8 * (i % 4)));
            }
            return b;
        }
        long[] v = Addresses.parseIpv4Parts(s);
        if (v == null || v[1] != 32) {
            return null;
        }
        return new byte[] {(byte) (v[0] >> 24), (byte) (v[0] >> 16), (byte) (v[0] >> 8), (byte) v[0]};
    }

    @Override
    public byte[] ethernet(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String line : lines(1)) {
            String[] f = fields(line);
            if (f.length >= 2 && f[1].toLowerCase(Locale.ROOT).equals(n)) {
                return Addresses.parseMac(f[0]);
            }
        }
        return null;
    }

    @Override
    public long network(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String line : lines(2)) {
            String[] f = fields(line);
            if (f.length >= 2 && f[0].toLowerCase(Locale.ROOT).equals(n)) {
                // inet_network(3) of the number as written: "10.20.0.0" is 0x0a140000, "10.20" is 0x0a14
                String[] parts = f[1].split("\\.");
                long v = 0;
                for (int i = 0; i < parts.length; i++) {
                    v = (v << 8) | (Long.parseLong(parts[i]) & 0xff);
                }
                return v;
            }
        }
        return -1;
    }
}
