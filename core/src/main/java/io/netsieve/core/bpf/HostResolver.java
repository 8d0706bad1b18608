package io.netsieve.core.bpf;

import io.netsieve.core.bpf.internal.FileHostResolver;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns the names in a filter expression ({@code host NAME}, {@code ether host NAME}, {@code net NAME},
 * {@code gateway NAME}) into addresses. The compiler never uses DNS on its own: the default,
 * {@link #etcFiles()}, reads {@code /etc/hosts}, {@code /etc/ethers} and {@code /etc/networks} only, so a
 * compilation is fast, deterministic and offline. Implementations must be thread-safe.
 */
public interface HostResolver {
    /** IPv4 (4-byte) and IPv6 (16-byte) addresses of a host name, empty if unknown. */
    List<byte[]> addresses(String name);

    /** The MAC-48 address of a host name, or null. */
    default byte[] ethernet(String name) {
        return null;
    }

    /**
     * The IPv4 network number of a network name, as {@code getnetbyname} gives it (e.g. 10.20.0.0 is
     * {@code 0x0a140000}), or -1 if unknown.
     */
    default long network(String name) {
        return -1;
    }

    /** /etc/hosts, /etc/ethers and /etc/networks of this machine, read at each lookup. */
    static HostResolver etcFiles() {
        return FileHostResolver.etc();
    }

    /** Resolves nothing: every name is unknown. */
    static HostResolver none() {
        return name -> List.of();
    }

    /** A resolver over files in the hosts(5), ethers(5) and networks(5) formats; a null path is absent. */
    static HostResolver files(Path hosts, Path ethers, Path networks) {
        return FileHostResolver.of(hosts, ethers, networks);
    }

    /** A resolver over lines in the hosts(5), ethers(5) and networks(5) formats. */
    static HostResolver lines(List<String> hosts, List<String> ethers, List<String> networks) {
        return FileHostResolver.ofLines(hosts, ethers, networks);
    }
}
