package io.netsieve.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The capture the benchmarks run on: {@code -Dnetsieve.bench.capture=FILE} if given, else one recorded once by
 * {@code lab/bench-capture.sh} (nginx and wrk in network namespaces, 600k packets; needs root) and kept in the
 * temporary folder for later runs.
 */
final class BenchCapture {
    static final int PACKETS = 600_000;

    private BenchCapture() {
    }

    static synchronized Path path() throws IOException, InterruptedException {
        String configured = System.getProperty("netsieve.bench.capture");
        if (configured != null) {
            Path p = Path.of(configured);
            if (!Files.isRegularFile(p)) {
                throw new IOException("netsieve.bench.capture=" + configured + " does not exist");
            }
            return p;
        }
        Path cached = Path.of(System.getProperty("java.io.tmpdir"), "netsieve-bench-" + PACKETS + ".pcap");
        if (Files.isRegularFile(cached) && Files.size(cached) > 0) {
            return cached;
        }
        Path script = findScript();
        Path partial = Path.of(cached + ".part");
        Process p = new ProcessBuilder(script.toString(), partial.toString(), Integer.toString(PACKETS))
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException(script + " failed (exit " + p.exitValue() + "); pass -Dnetsieve.bench.capture=FILE");
        }
        Files.move(partial, cached);
        return cached;
    }

    private static Path findScript() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("lab/bench-capture.sh");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IOException("lab/bench-capture.sh not found above " + Path.of("").toAbsolutePath()
                + "; run from the repository or pass -Dnetsieve.bench.capture=FILE");
    }
}
