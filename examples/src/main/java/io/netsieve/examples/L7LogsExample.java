package io.netsieve.examples;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Tracker;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Application requests ({@code netsieve-l7}): the L4 tracker reassembles each TCP stream and hands its bytes (and
 * every UDP datagram) to the L7 tracker, which detects the protocol and writes one {@code bpf_net_l7_log} record per
 * exchange (HTTP/1.x, HTTP/2 h2c, DNS, Redis).
 *
 * <pre>java -cp netsieve-cli.jar io.netsieve.examples.L7LogsExample FILE</pre>
 *
 * Each line: protocol, client -> server, what was asked and answered (method, path and status; query name, type and
 * rcode; the Redis command), the status of the exchange and its latency.
 */
public final class L7LogsExample {
    private L7LogsExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: L7LogsExample FILE");
            System.exit(2);
        }
        Nic nic = CaptureReplay.nicOf(Path.of(args[0])); // a plain file: an unnamed NIC
        L7Tracker l7 = L7Tracker.builder().listener(L7LogsExample::print).build();
        // L4 feeds L7: the stream and datagram hooks; L4 records are not wanted here
        L4Tracker l4 = L4Tracker.builder().nics(id -> nic).listener(log -> { })
                .streams(l7.streams()).datagrams(l7.datagrams()).build();
        CaptureReplay.replay(Path.of(args[0]), l4);
    }

    private static void print(L7Log log) {
        String what;
        HttpInfo h = log.http();
        DnsInfo d = log.dns();
        if (h != null) {
            what = h.method() + " " + h.path() + (h.query() == null || h.query().isEmpty() ? "" : "?" + h.query())
                    + " -> " + h.statusCode();
        } else if (d != null) {
            what = d.queryName() + " type " + d.queryType() + " -> rcode " + d.rcode() + ", " + d.answers().size()
                    + " answers";
        } else {
            what = String.valueOf(log.attributes());
        }
        System.out.printf("%s %s:%d -> %s:%d %s [%s] %.3f ms%n", log.l7Proto(), log.clientIp(), log.clientPort(),
                log.serverIp(), log.serverPort(), what, log.status(), log.latencyNanos() / 1e6);
    }
}
