package io.netsieve.examples;

import io.netsieve.core.capture.LiveCaptureException;
import io.netsieve.core.nic.Nic;
import io.netsieve.topology.LiveInterface;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.NetSieveMetrics;
import io.netsieve.topology.RunSummary;
import io.netsieve.topology.sink.LineProtocolSender;
import io.netsieve.topology.sink.LineProtocolSink;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * netsieve embedded in an observability agent: live capture on a few interfaces (also inside network namespaces),
 * every record posted as line protocol to a DataKit or InfluxDB write URL in batches with retries, the run's
 * metrics to stderr every few seconds, a graceful stop (open flows and pending exchanges flushed and posted) at the
 * end of the duration or on Ctrl-C.
 *
 * <pre>java -cp netsieve-cli.jar io.netsieve.examples.AgentExample URL SECONDS IFACE[@NETNS]...</pre>
 *
 * e.g. {@code http://localhost:9529/v1/write/logging 60 eth0}. Needs root (or CAP_NET_RAW) for live capture.
 */
public final class AgentExample {
    private AgentExample() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 3) {
            System.err.println("usage: AgentExample URL SECONDS IFACE[@NETNS]...");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        Duration duration = Duration.ofSeconds(Long.parseLong(args[1]));
        List<LiveInterface> interfaces = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] spec = args[i].split("@", 2);
            String netns = spec.length == 2 ? spec[1] : null;
            // the NIC's metadata travels with its records (host, nic_name, ...); give what the agent knows
            Nic.Builder nic = Nic.builder().host(java.net.InetAddress.getLocalHost().getHostName()).nicName(spec[0]);
            if (netns != null) {
                nic.netns(netns);
            }
            interfaces.add(new LiveInterface(spec[0], netns, nic.build()));
        }
        // the sender batches and retries on its own thread; offer() never blocks the pipeline (a full queue drops
        // and counts)
        LineProtocolSender sender = LineProtocolSender.builder().url(url).maxDelay(Duration.ofSeconds(1)).build();
        LineProtocolSink sink = LineProtocolSink.builder().sender(sender).build();
        NetSieve sieve = NetSieve.builder()
                .live(interfaces)
                .threads(Math.min(4, interfaces.size()))
                .sink(sink) // L4 and L7 records, paths and findings; the run does not close it (we do, below)
                .build();
        NetSieve.LiveRun run;
        try {
            run = sieve.start();
        } catch (LiveCaptureException e) {
            System.err.println("cannot capture: " + e.getMessage() + " (live capture needs root or CAP_NET_RAW)");
            System.exit(1);
            return;
        }
        Thread main = Thread.currentThread();
        Thread hook = new Thread(main::interrupt); // Ctrl-C: end the wait below, then stop as at the end
        Runtime.getRuntime().addShutdownHook(hook);
        long end = System.nanoTime() + duration.toNanos();
        try {
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(5_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                NetSieveMetrics m = run.metrics(); // any thread, while running
                System.err.printf("packets %d (kernel drops %d, ours %d), flows active %d, exchanges %d, lines sent %d%n",
                        m.packets(), m.droppedByKernel(), m.droppedByUs(), m.flowsActive(), m.exchanges(),
                        sender.stats().sent());
            }
        } catch (InterruptedException e) {
            // Ctrl-C
        }
        RunSummary summary = run.stop(); // flushes open flows and pending exchanges into the sink
        sink.close();                    // posts what is queued (bounded by the sender's close timeout)
        LineProtocolSender.Stats s = sender.stats();
        System.out.println(summary.packets() + " packets, " + summary.metrics().exchanges() + " exchanges; "
                + s.sent() + " lines sent, " + s.dropped() + " dropped");
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // already in shutdown (Ctrl-C): nothing to remove
        }
    }
}
