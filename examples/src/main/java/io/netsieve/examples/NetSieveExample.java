package io.netsieve.examples;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Hop;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.RunSummary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The whole pipeline through the {@link NetSieve} builder: a capture set (one file per NIC, with each NIC's
 * metadata, from a manifest), a filter, and callbacks for the exchanges followed across NICs and for the
 * troubleshooting findings.
 *
 * <pre>java -cp netsieve-cli.jar io.netsieve.examples.NetSieveExample examples/src/main/resources/demo/captures.tsv</pre>
 *
 * Prints each correlated exchange as its hops in order (capture point and role) with the request's hop latencies,
 * then each finding, then the run's summary.
 */
public final class NetSieveExample {
    private NetSieveExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: NetSieveExample MANIFEST");
            System.exit(2);
        }
        NetSieve sieve = NetSieve.builder()
                .captureSet(CaptureManifest.read(Path.of(args[0])))
                .filter("tcp or udp port 53") // compiled to classic BPF by netsieve, run by its JIT
                .onExchangePath(NetSieveExample::print)
                .onFinding(f -> System.out.println("finding " + f.severity() + " " + f.kind().label() + ": "
                        + f.summary()))
                .build(); // immutable: run() may be called again, each run with fresh state
        RunSummary summary = sieve.run();
        System.out.println(summary.packets() + " packets, " + summary.correlation());
    }

    private static void print(ExchangePath path) {
        Hop first = path.hops().get(0);
        String label = first.log().http() != null ? first.log().http().method() + " " + first.log().http().path()
                : first.log().l7Proto();
        String hops = path.hops().stream().map(h -> h.nic().label() + " (" + h.role() + ")")
                .collect(Collectors.joining(" -> "));
        System.out.println("path " + label + ": " + hops + "; request hop latencies (ns) "
                + path.requestLatencyNanos());
    }
}
