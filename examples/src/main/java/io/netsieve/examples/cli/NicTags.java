package io.netsieve.examples.cli;

import io.netsieve.core.nic.Nic;

import java.util.Map;

/** The capture-point tags every record carries, L4 and L7 alike (reference §2), in the reference's names. */
final class NicTags {
    private NicTags() {
    }

    static void put(Map<String, Object> m, Nic nic) {
        m.put("host", nic.host());
        m.put("nic_name", nic.nicName());
        m.put("nic_mac", nic.macString());
        m.put("netns", nic.netns());
        m.put("virtual_nic", nic.isVirtual());
        m.put("k8s_namespace", nic.k8sNamespace());
        m.put("k8s_pod_name", nic.podName());
        m.put("k8s_container_name", nic.k8sContainerName());
    }
}
