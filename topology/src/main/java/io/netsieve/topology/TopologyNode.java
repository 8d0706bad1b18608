package io.netsieve.topology;

import java.util.Map;

/**
 * A node of a {@link Topology}.
 *
 * @param id         stable identifier within the topology
 * @param kind       what it stands for
 * @param label      what a drawing shows ({@code host/nic}, {@code pod/nic}, {@code ip:port}, {@code N/A})
 * @param attributes the record model's fields for it (reference §1: virtual NICs {@code pod_name}, {@code nic_name},
 *                   {@code k8s_namespace}, {@code k8s_container_name}, {@code host}; physical NICs {@code host},
 *                   {@code nic_name}, {@code l4_proto}, {@code l7_proto}; ports and N/A {@code endpoint}), in a fixed
 *                   order
 */
public record TopologyNode(String id, NodeKind kind, String label, Map<String, String> attributes) {
    public TopologyNode {
        attributes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
    }
}
