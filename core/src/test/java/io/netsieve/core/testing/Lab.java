package io.netsieve.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The project's namespace lab ({@code lab/netsieve-lab.sh}) for integration tests: two nodes with bridges and pods,
 * a routed node link and a VXLAN link over it (vxlan0, VNI 42, carrying node2's second pod network), an external
 * host behind SNAT, HTTP/1.1, h2c (prior knowledge and Upgrade), Redis and DNS servers and clients, a refused and a
 * timed-out connection, every NIC (16, the vxlan0s included) captured at once with nanosecond timestamps.
 * {@link #shared()} records it once per test JVM; {@link #record(Path)} records a fresh one.
 */
public final class Lab {
    private static Lab shared;

    private final Path dir;
    private final Map<String, String> env;

    private Lab(Path dir, Map<String, String> env) {
        this.dir = dir;
        this.env = env;
    }

    /** One recording per test JVM (about 6 s), reused by every caller. */
    public static synchronized Lab shared() throws IOException, InterruptedException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("netsieve-lab-");
            shared = record(dir);
        }
        return shared;
    }

    /** Records the lab into {@code dir}; skips (or, in CI, fails) when a prerequisite is missing. */
    public static Lab record(Path dir) throws IOException, InterruptedException {
        requirePrerequisites();
        run("record", dir.toString());
        return load(dir);
    }

    /**
     * Records another lab script of {@code lab/} (one with a {@code record OUTDIR} mode that writes
     * {@code lab.env}, such as {@code trouble-lab.sh}) into {@code dir}; skips (or, in CI, fails) unless root and
     * {@code tools} are present.
     */
    public static Lab recordScript(String script, Path dir, String... tools) throws IOException, InterruptedException {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "the lab needs root (network namespaces)");
        for (String tool : tools) {
            Prerequisites.requireCommand(tool);
        }
        run(script, List.of("record", dir.toString()));
        return load(dir);
    }

    /**
     * Builds the lab and starts its servers, leaving it running (for live capture): returns the namespace prefix.
     * Always pair with {@link #down(Path)}.
     */
    public static String up(Path state) throws IOException, InterruptedException {
        requirePrerequisites();
        run("up", state.toString());
        return Files.readString(state.resolve("prefix")).trim();
    }

    /** On a lab that is {@link #up}: captures every NIC with tcpdump into {@code dir} while the clients run. */
    public static Lab traffic(Path state, Path dir) throws IOException, InterruptedException {
        run("traffic", state.toString(), dir.toString());
        return load(dir);
    }

    /** Tears down a lab started with {@link #up}. */
    public static void down(Path state) throws IOException, InterruptedException {
        run("down", state.toString());
    }

    private static void run(String... args) throws IOException, InterruptedException {
        run("netsieve-lab.sh", List.of(args));
    }

    private static void run(String script, List<String> args) throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(script(script).toString());
        command.addAll(args);
        // Output to a file, not a pipe: servers left running by 'up' would hold a pipe open forever.
        Path log = Files.createTempFile("netsieve-lab-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("lab/" + script + " " + args.get(0) + " did not finish within 120 s");
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        if (p.exitValue() != 0) {
            throw new IOException("lab/" + script + " " + String.join(" ", args) + " failed (exit "
                    + p.exitValue() + "):\n" + output);
        }
    }

    private static Lab load(Path dir) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("lab.env"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("#") && line.contains("=")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return new Lab(dir, env);
    }

    /** Skips outside CI (fails in CI) unless root and every tool the lab runs are present. */
    public static void requirePrerequisites() {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "the lab needs root (network namespaces)");
        for (String tool : List.of("ip", "iptables", "tcpdump", "python3", "curl", "redis-server", "redis-cli",
                "dnsmasq", "nghttp", "nghttpx")) {
            Prerequisites.requireCommand(tool);
        }
    }

    private static Path script(String name) throws IOException {
        for (Path d = Prerequisites.repositoryRoot(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("lab").resolve(name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("lab").resolve(name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IOException("lab/" + name + " not found above " + Prerequisites.repositoryRoot());
    }

    /** The folder holding the captures. */
    public Path dir() { return dir; }

    /** {@code captures.tsv}, the capture set's manifest. */
    public Path manifest() { return dir.resolve("captures.tsv"); }

    /** A capture by stem, e.g. {@code pod-a-eth0}. */
    public Path capture(String stem) { return dir.resolve(stem + ".pcap"); }

    /** An address or port of the lab from {@code lab.env}, e.g. {@code POD_C}. */
    public String get(String key) {
        String v = env.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key + " in lab.env: " + env.keySet());
        }
        return v;
    }
}
