package io.netsieve.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.PacketView;
import io.netsieve.core.testing.ExternalCommand;
import io.netsieve.core.testing.Lab;
import io.netsieve.core.testing.Netns;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code netsieve capture}: an interface that does not exist is a clear error with a non-zero exit; durations parse;
 * and in the lab (root, namespaces) a capture on pod-a's and pod-c's eth0 while the lab's clients run writes the
 * records of pod-a's requests on both NICs and their two-hop paths, and {@code --export-pcap path=/chunked} writes
 * that exchange from the packets kept live: on each NIC, byte for byte the frames tshark selects for it (first
 * request segment to the response) from the capture tcpdump made of the same NIC at the same time. {@code --filter-in}:
 * on a veth pair of the test's namespaces, a capture filtering in user space reports every packet that crossed and
 * exactly the ones the filter rejects as filtered (tcpdump's unfiltered capture read with and without the filter is
 * the oracle), and so does one filtering in the kernel counting its rejects; one filtering in the kernel uncounted
 * reports the accepted ones and says it did not count the rest.
 */
class CaptureCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new NetSieveCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void aMissingInterfaceIsAClearError(@TempDir Path tmp) {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "live capture needs root");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "capture", "-i", "nosuchnic9", "--duration", "1s", "--out", tmp.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("nosuchnic9"), err.toString());
    }

    @Test
    void durationsParse() {
        assertEquals(Duration.ofSeconds(30), CaptureCommand.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(5), CaptureCommand.parseDuration("5m"));
        assertEquals(Duration.ofMillis(250), CaptureCommand.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(90), CaptureCommand.parseDuration("PT1M30S"));
        assertThrows(IllegalArgumentException.class, () -> CaptureCommand.parseDuration("soon"));
    }

    @Test
    void capturesTheLabsRequestsLive(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        String prefix = Lab.up(state);
        try {
            Path out = tmp.resolve("out");
            StringWriter stdout = new StringWriter();
            StringWriter stderr = new StringWriter();
            AtomicInteger code = new AtomicInteger(-1);
            Thread cli = new Thread(() -> code.set(run(stdout, stderr, "capture", "-i", "eth0@" + prefix + "-pod-a",
                    "-i", "eth0@" + prefix + "-pod-c", "--filter", "tcp port 8080", "--duration", "9s",
                    "--host", "lab", "--out", out.toString(), "--export-pcap", "path=/chunked")));
            cli.start();
            Thread.sleep(1_500); // the capture opens before the clients start
            Lab tcpdump = Lab.traffic(state, tmp.resolve("captures"));
            cli.join(30_000);
            assertEquals(0, code.get(), stderr.toString());
            ObjectMapper mapper = new ObjectMapper();
            List<String> chunked = new ArrayList<>();
            for (String line : Files.readAllLines(out.resolve("l7.jsonl"))) {
                JsonNode r = mapper.readTree(line);
                if ("/chunked".equals(r.path("http_path").asText())) {
                    chunked.add(r.get("netns").asText() + " " + r.get("http_status_code").asInt());
                }
            }
            assertEquals(List.of(prefix + "-pod-a 200", prefix + "-pod-c 200"), chunked.stream().sorted().toList());
            boolean twoHops = false;
            for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
                JsonNode p = mapper.readTree(line);
                if ("/chunked".equals(p.path("http_path").asText())) {
                    twoHops = p.get("hops").size() == 2
                            && p.get("hops").get(0).get("netns").asText().equals(prefix + "-pod-a");
                }
            }
            assertTrue(twoHops, "the /chunked path from pod-a to pod-c");
            String l7 = null;
            for (String line : Files.readAllLines(out.resolve("paths.jsonl"))) {
                JsonNode p = mapper.readTree(line);
                if ("/chunked".equals(p.path("http_path").asText())) {
                    l7 = p.get("l7_traceid").asText();
                }
            }
            Path export = out.resolve("export/" + l7 + ".pcapng");
            assertTrue(stdout.toString().contains("exported path=/chunked: export/" + l7 + ".pcapng"),
                    stdout.toString());
            Tshark.Result names = Tshark.fields(export, List.of("frame.interface_name"));
            assertEquals(null, names.error());
            List<Frame> exported = frames(export);
            long sameTime = 0;
            long maxDelta = 0;
            for (String pod : List.of("pod-a", "pod-c")) {
                List<Frame> ours = new ArrayList<>();
                for (int i = 0; i < exported.size(); i++) {
                    if (names.rows().get(i)[0].equals("lab/" + prefix + "-" + pod + "/eth0")) {
                        ours.add(exported.get(i));
                    }
                }
                List<Frame> theirs = chunkedExchange(tcpdump.capture(pod + "-eth0"));
                assertEquals(theirs.stream().map(Frame::hex).toList(), ours.stream().map(Frame::hex).toList(), pod);
                for (int i = 0; i < ours.size(); i++) {
                    long delta = Math.abs(ours.get(i).nanos() - theirs.get(i).nanos());
                    assertTrue(delta < 1_000_000, pod + " frame " + i + " timestamps " + delta + " ns apart");
                    sameTime += delta == 0 ? 1 : 0;
                    maxDelta = Math.max(maxDelta, delta);
                }
            }
            // two packet sockets on one NIC: the kernel may stamp a frame for each (seen: the frames a pod sends)
            System.out.println("live export: " + sameTime + " of " + exported.size() + " frames with tcpdump's "
                    + "timestamp, the others at most " + maxDelta + " ns apart");
            assertTrue(stdout.toString().contains("kernel drops 0"), stdout.toString());
        } finally {
            Lab.down(state);
        }
    }

    @Test
    void theSummaryCountsFilteredInUserSpaceAndSaysTheKernelDoesNot(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("python3");
        Prerequisites.requireCommand("ping");
        Prerequisites.requireCommand("tcpdump");
        try (Netns lab = Netns.create("cfi")) { // tears the namespaces down, also on failure
            String a = lab.add("a");
            String b = lab.add("b");
            String sfx = lab.prefix().substring(lab.prefix().length() - 4);
            String nic = "cfb" + sfx;
            lab.veth(a, "cfa" + sfx, "198.18.254.9/30", b, nic, "198.18.254.10/30");
            Path all = tmp.resolve("all.pcap");
            Process tcpdump = lab.tcpdump(b, nic, all);
            StringWriter[] out = {new StringWriter(), new StringWriter(), new StringWriter(), new StringWriter(),
                new StringWriter(), new StringWriter()};
            AtomicInteger userCode = new AtomicInteger(-1);
            AtomicInteger kernelCode = new AtomicInteger(-1);
            AtomicInteger countedCode = new AtomicInteger(-1);
            Thread user = new Thread(() -> userCode.set(run(out[0], out[1], "capture", "-i", nic + "@" + b,
                    "--filter", "udp port 5555", "--filter-in", "user", "--duration", "5s",
                    "--out", tmp.resolve("user").toString())));
            Thread kernel = new Thread(() -> kernelCode.set(run(out[2], out[3], "capture", "-i", nic + "@" + b,
                    "--filter", "udp port 5555", "--duration", "5s", "--out", tmp.resolve("kernel").toString())));
            Thread counted = new Thread(() -> countedCode.set(run(out[4], out[5], "capture", "-i", nic + "@" + b,
                    "--filter", "udp port 5555", "--filter-in", "kernel-counted", "--duration", "5s",
                    "--out", tmp.resolve("counted").toString())));
            user.start();
            kernel.start();
            counted.start();
            // the packet sockets of tcpdump and the three captures (two for kernel-counted) open in the namespace
            // before any traffic
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (lab.exec(b, "cat", "/proc/net/packet").lines().count() < 1 + 5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(300); // the kernel run's filter attached
            lab.exec(a, "python3", "-c", "import socket, time\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "for i in range(20):\n"
                    + "    s.sendto(b'match', ('198.18.254.10', 5555)); s.sendto(b'other', ('198.18.254.10', 6666))\n"
                    + "    time.sleep(0.005)\n");
            lab.exec(a, "ping", "-n", "-c", "3", "-i", "0.05", "-W", "1", "198.18.254.10");
            user.join(30_000);
            kernel.join(30_000);
            counted.join(30_000);
            lab.stop(tcpdump);
            assertEquals(0, userCode.get(), out[1].toString());
            assertEquals(0, kernelCode.get(), out[3].toString());
            assertEquals(0, countedCode.get(), out[5].toString());
            long packets = ExternalCommand.run(30, "tcpdump", "-r", all.toString(), "-n", "-q").lines().count();
            long accepted = ExternalCommand.run(30, "tcpdump", "-r", all.toString(), "-n", "-q", "udp port 5555")
                    .lines().count();
            assertEquals(20, accepted, "the datagrams to port 5555");
            System.out.println("[capture --filter-in] tcpdump: " + packets + " packets, " + accepted
                    + " accepted\n  user:   " + out[0] + "  kernel: " + out[2] + "  kernel-counted: " + out[4]);
            assertTrue(out[0].toString().contains(nic + "@" + b), out[0].toString());
            assertTrue(out[0].toString().contains("packets " + packets + " (filtered " + (packets - accepted)
                    + ", decoded 20, truncated 0, malformed 0, unsupported 0), kernel drops 0"), out[0].toString());
            assertTrue(out[2].toString().contains("packets 20 (filtered not counted (kernel filter), decoded 20, "
                    + "truncated 0, malformed 0, unsupported 0), kernel drops 0"), out[2].toString());
            assertTrue(out[4].toString().contains("packets " + packets + " (filtered " + (packets - accepted)
                    + ", decoded 20, truncated 0, malformed 0, unsupported 0), kernel drops 0"), out[4].toString());
        }
    }

    @Test
    void filterInNeedsAFilterAndKnowsItsValues(@TempDir Path tmp) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, run(out, err, "capture", "-i", "lo", "--filter-in", "user", "--out", tmp.toString()));
        assertTrue(err.toString().contains("--filter-in"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(out, err2, "capture", "-i", "lo", "--filter", "udp", "--filter-in", "disk",
                "--out", tmp.toString()));
        assertTrue(err2.toString().contains("'disk' is not kernel, kernel-counted or user"), err2.toString());
    }

    /** A frame as captured: timestamp and bytes. */
    private record Frame(long nanos, String hex) {
    }

    private static List<Frame> frames(Path file) throws java.io.IOException {
        List<Frame> out = new ArrayList<>();
        try (CaptureFileReader r = CaptureFiles.open(file)) {
            PacketView v = new PacketView();
            while (r.next(v)) {
                out.add(new Frame(v.timestampNanos(), java.util.HexFormat.of().formatHex(v.copyBytes())));
            }
        }
        return out;
    }

    /**
     * The frames of the {@code GET /chunked} exchange in a capture, as tshark sees it: its stream's frames from the
     * request's first segment to the frame the response is dissected in.
     */
    private static List<Frame> chunkedExchange(Path capture) throws Exception {
        Tshark.Result t = Tshark.fields(capture, List.of("frame.time_epoch", "tcp.stream", "http.request.uri",
                "http.request_in", "tcp.segment", "http.response"));
        assertEquals(null, t.error());
        List<String[]> rows = t.rows();
        List<Frame> all = frames(capture);
        for (String[] r : rows) {
            if (r[5].isEmpty() || r[3].isEmpty()) {
                continue;
            }
            String[] q = rows.get(Integer.parseInt(r[3]) - 1);
            if (!q[2].equals("/chunked")) {
                continue;
            }
            int first = q[4].isEmpty() ? Integer.parseInt(r[3]) - 1 : Integer.parseInt(q[4].split(",")[0]) - 1;
            long from = Tshark.epochNanos(rows.get(first)[0]);
            long to = Tshark.epochNanos(r[0]);
            List<Frame> out = new ArrayList<>();
            for (int j = 0; j < rows.size(); j++) {
                long ts = Tshark.epochNanos(rows.get(j)[0]);
                if (rows.get(j)[1].equals(r[1]) && ts >= from && ts <= to) {
                    out.add(all.get(j));
                }
            }
            return out;
        }
        throw new AssertionError("no /chunked exchange in " + capture);
    }
}
