package io.netsieve.topology;

import io.netsieve.core.nic.Nic;

import java.util.Objects;

/**
 * An interface to capture on live: its name, the network namespace it lives in (a name under
 * {@code /var/run/netns}, or null for the current one) and the metadata of the NIC (host, pod, addresses,
 * listening sockets…) that its records carry.
 */
public record LiveInterface(String name, String netns, Nic nic) {
    public LiveInterface {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nic, "nic");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("interface name is empty");
        }
    }
}
