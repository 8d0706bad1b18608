package io.netsieve.l7;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.core.testing.Lab;
import io.netsieve.l4.Direction;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.L4Tracker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direction on the lab's endpoint NICs (the pods' eth0, the external host) with L7 attached, as a pipeline runs
 * it: every TCP and UDP flow there has a known direction — the handshake, the server sockets of the manifest and,
 * for what neither decides (the DNS clients' UDP flows), the application requests (rule 2). The clients are the
 * lab's client pods (and node1's SNAT address toward the external host).
 */
class L7LabDirectionTest {

    @Test
    void noFlowOnAnEndpointNicHasAnUnknownDirection() throws Exception {
        Lab lab = Lab.shared();
        CaptureSet set = CaptureManifest.read(lab.manifest());
        List<L4Log> logs = new ArrayList<>();
        for (CapturePoint point : set.points()) {
            boolean endpoint = !point.nic().podName().isEmpty() || point.nic().host().equals("ext");
            if (!endpoint) {
                continue;
            }
            L7Tracker l7 = L7Tracker.builder().listener(log -> { }).build();
            L4Tracker l4 = L4Tracker.builder().nics(id -> point.nic()).listener(logs::add)
                    .streams(l7.streams()).datagrams(l7.datagrams()).build();
            Captures.replay(point.file(), l4, d -> false);
        }
        int flows = 0;
        int udpClientSide = 0;
        List<String> unknown = new ArrayList<>();
        for (L4Log log : logs) {
            if (log.chunkId() != 0) {
                continue;
            }
            flows++;
            if (log.direction() == Direction.UNKNOWN) {
                unknown.add(log.nic().label() + " " + log.l4Proto() + " " + log.srcIp() + ":" + log.srcPort() + " "
                        + log.dstIp() + ":" + log.dstPort() + " l7 " + log.l7Proto());
                continue;
            }
            boolean clientIsPod = log.clientIp().startsWith("198.18.1.") || log.clientIp().equals("198.19.0.1")
                    || log.clientIp().startsWith("fd00:198:18:1:");
            assertTrue(clientIsPod, "client " + log.clientIp() + " on " + log.nic().label() + " (" + log.l7Proto() + ")");
            if (log.l4Proto().equals("udp") && log.direction() == Direction.OUTGOING) {
                udpClientSide++;
                assertEquals("dns", log.l7Proto(), "the lab's UDP clients speak DNS");
                assertEquals(240, log.directionScore(), "decided by the query (rule 2)");
            }
        }
        System.out.println("[l7 lab direction] " + flows + " flows on endpoint NICs, " + unknown.size()
                + " with an unknown direction; " + udpClientSide + " UDP flows on the clients' NICs decided by "
                + "their DNS queries");
        assertTrue(udpClientSide >= 2, "DNS clients' flows: " + udpClientSide);
        assertEquals(List.of(), unknown);
    }
}
