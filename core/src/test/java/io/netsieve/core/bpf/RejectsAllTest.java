package io.netsieve.core.bpf;

import io.netsieve.core.packet.LinkType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unsatisfiable expressions are refused, as libpcap 1.10.3 refuses them ({@code tcpdump -d EXPR} prints
 * "expression rejects all packets" for each refused one below, and a program for each accepted one).
 */
class RejectsAllTest {

    private static final FilterCompiler ETHERNET = FilterCompiler.builder().linkType(LinkType.ETHERNET).build();

    @Test
    void contradictionsAreRefusedLikeLibpcap() {
        for (String expr : List.of(
                // libpcap finds this one by reordering tests; we find it on the linear program
                "udp src and dst port 7001 or port 7000 and ip6 and tcp src and dst port 7001",
                "ip host 198.18.0.1 and ip src host 198.18.0.2 and ip dst host 198.18.0.2",
                "tcp src port 80 and tcp src port 81",
                "ip proto 6 and ip proto 17",
                "ether proto 0x800 and ether proto 0x86dd",
                "tcp dst port 22 and not tcp dst port 22")) {
            FilterCompileException e = assertThrows(FilterCompileException.class, () -> ETHERNET.compile(expr), expr);
            assertTrue(e.getMessage().contains("expression rejects all packets"), e.getMessage());
        }
    }

    @Test
    void satisfiableExpressionsStillCompile() {
        // port 80 one way and 81 the other: satisfiable (libpcap compiles it too)
        for (String expr : List.of("tcp port 80 and tcp port 81", "ip6 and udp port 53 or tcp port 7000",
                "host 198.18.0.1 and host 198.18.0.2", "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack != 0")) {
            BpfProgram p = ETHERNET.compile(expr);
            assertTrue(p.length() > 2, expr);
        }
        // without optimisation libpcap never proves anything: neither do we
        BpfProgram unopt = FilterCompiler.builder().linkType(LinkType.ETHERNET).optimize(false).build()
                .compile("tcp src port 80 and tcp src port 81");
        assertEquals(0, unopt.get(unopt.length() - 1).k());
    }
}
