package io.netsieve.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for tests, torn down by {@link #close()}: never connected to the machine's real interfaces,
 * lab addresses from 198.18.0.0/15 only. Requires root and iproute2 (skips outside CI, fails in CI otherwise).
 */
public final class Netns implements AutoCloseable {
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private Netns(String prefix) {
        this.prefix = prefix;
    }

    /** Checks prerequisites and returns an empty set of namespaces named {@code ns-<tag>-<random>-…}. */
    public static Netns create(String tag) {
        Prerequisites.requireCommand("ip");
        Prerequisites.require("root".equals(System.getProperty("user.name")), "network namespaces need root");
        return new Netns("ns-" + tag + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)));
    }

    /** Creates namespace {@code prefix-suffix} with its loopback up and IPv6 off (no spontaneous traffic). */
    public String add(String suffix) throws IOException, InterruptedException {
        String name = prefix + "-" + suffix;
        ExternalCommand.run(10, "ip", "netns", "add", name);
        namespaces.add(name);
        exec(name, "ip", "link", "set", "lo", "up");
        exec(name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        exec(name, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
        return name;
    }

    /** A veth pair between two namespaces, addressed and up. */
    public void veth(String nsA, String ifA, String addrA, String nsB, String ifB, String addrB)
            throws IOException, InterruptedException {
        ExternalCommand.run(10, "ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        exec(nsA, "ip", "addr", "add", addrA, "dev", ifA);
        exec(nsB, "ip", "addr", "add", addrB, "dev", ifB);
        exec(nsA, "ip", "link", "set", ifA, "up");
        exec(nsB, "ip", "link", "set", ifB, "up");
    }

    /** Runs a command inside {@code ns} (bounded to 30 s) and returns its output. */
    public String exec(String ns, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return ExternalCommand.run(30, full);
    }

    /** Starts a long-running command inside {@code ns}; it is killed by {@link #close()}. */
    public Process start(String ns, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(false).start();
        processes.add(p);
        return p;
    }

    /**
     * Starts tcpdump on {@code iface} inside {@code ns} writing {@code file}, and returns once it is listening.
     * Stop it with {@link #stop(Process)} (SIGTERM makes tcpdump flush and close the file).
     */
    public Process tcpdump(String ns, String iface, Path file) throws IOException, InterruptedException {
        Process p = start(ns, "tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-w", file.toString());
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String line;
        while ((line = err.readLine()) != null) {
            if (line.contains("listening on")) {
                Thread drain = new Thread(() -> {
                    try {
                        err.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ignored) {
                        // process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return p;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        p.destroyForcibly();
        throw new IOException("tcpdump did not start on " + iface + " in " + ns);
    }

    /** Stops a process started here (SIGTERM, then SIGKILL after 5 s). */
    public void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    public String prefix() {
        return prefix;
    }

    /** Kills what was started and deletes every namespace (which removes their veths). */
    @Override
    public void close() {
        for (Process p : processes) {
            try {
                stop(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : namespaces) {
            try {
                ExternalCommand.run(10, "ip", "netns", "delete", ns);
            } catch (IOException | InterruptedException e) {
                System.err.println("[netns] could not delete " + ns + ": " + e.getMessage());
            }
        }
    }
}
