package io.netsieve.l4;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Lab;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L4 records of the namespace lab: on the NICs that are endpoints (the pods' eth0, the external host) every TCP
 * connection whose handshake was seen has a known direction, the right client, and the same nic_traceid as on
 * every other NIC it crossed.
 */
class L4LabTest {

    @Test
    void endpointNicsKnowTheDirectionAndNicTraceIdsJoinAcrossNics() throws Exception {
        Lab lab = Lab.shared();
        CaptureSet set = CaptureManifest.read(lab.manifest());
        List<L4Log> logs = new ArrayList<>();
        for (CapturePoint point : set.points()) {
            L4Tracker tracker = L4Tracker.builder().nics(id -> point.nic()).listener(logs::add).build();
            Replay.replay(tracker, point.file(), point.id(), false);
        }
        int endpointConnections = 0;
        int unknown = 0;
        Map<String, Set<Integer>> nicsByTraceId = new HashMap<>();
        for (L4Log log : logs) {
            boolean endpoint = !log.nic().podName().isEmpty() || log.nic().host().equals("ext");
            if (log.l4Proto().equals("tcp") && !log.nicTraceId().equals("0_0")) {
                nicsByTraceId.computeIfAbsent(log.nicTraceId(), k -> new HashSet<>()).add(log.capturePointId());
                if (endpoint && log.chunkId() == 0) {
                    endpointConnections++;
                    if (log.direction() == Direction.UNKNOWN) {
                        unknown++;
                    } else {
                        assertEquals(255, log.directionScore());
                        // clients are pod-a, pod-b (and node1's SNAT address toward the external host)
                        boolean clientIsPod = log.clientIp().startsWith("198.18.1.") || log.clientIp().equals("198.19.0.1")
                                || log.clientIp().startsWith("fd00:198:18:1:");
                        assertTrue(clientIsPod, "client " + log.clientIp() + " on " + log.nic().label());
                    }
                }
            }
        }
        // UDP has no handshake: on the server's NIC its bound socket (the manifest's "listening" column, read
        // from the namespace's socket table) makes the flow incoming; on the client's NIC it stays unknown
        // until an L7 rule applies
        int udpToServers = 0;
        int udpUnknownOnServers = 0;
        int udpAll = 0;
        int udpUnknown = 0;
        for (L4Log log : logs) {
            boolean endpoint = !log.nic().podName().isEmpty() || log.nic().host().equals("ext");
            if (!endpoint || !log.l4Proto().equals("udp")) {
                continue;
            }
            udpAll++;
            if (log.direction() == Direction.UNKNOWN) {
                udpUnknown++;
            }
            if (log.nic().podName().equals("pod-d") && (log.srcPort() == 53 || log.dstPort() == 53)) {
                udpToServers++;
                if (log.direction() != Direction.INCOMING) {
                    udpUnknownOnServers++;
                } else {
                    assertEquals(255, log.directionScore());
                    assertEquals(53, log.serverPort());
                    assertTrue(log.clientIp().startsWith("198.18.1."), log.clientIp());
                }
            }
        }
        System.out.println("[l4 lab] direction unknown for " + unknown + " of " + endpointConnections
                + " TCP connections with a handshake on endpoint NICs; UDP on endpoint NICs: " + udpUnknown
                + " of " + udpAll + " unknown (the DNS clients' side), " + udpUnknownOnServers + " of "
                + udpToServers + " on the DNS server's NIC");
        assertTrue(udpToServers >= 2, "DNS flows on pod-d: " + udpToServers);
        assertEquals(0, udpUnknownOnServers);
        assertTrue(endpointConnections >= 12, "connections: " + endpointConnections);
        assertEquals(0, unknown);
        // pod-a -> pod-c: 8 NICs on the path (pod-a eth0, veth-a, br0, node1 eth0, node2 eth0, br0, veth-c, pod-c eth0);
        // pod-b -> pod-c over the VXLAN link: 10 (vxlan0 of both nodes too; on the eth0s the frames are encapsulated)
        long plain = nicsByTraceId.values().stream().filter(s -> s.size() == 8).count();
        int longest = nicsByTraceId.values().stream().mapToInt(Set::size).max().orElse(0);
        assertTrue(plain >= 10, "connections with one nic_traceid on every NIC of the pod-to-pod path: " + plain);
        assertEquals(10, longest, "one nic_traceid on every NIC of the pod-to-pod path over VXLAN");
    }
}
