package io.netsieve.core.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test prerequisites (the shared corpus, tools such as tshark, root). Outside CI a missing prerequisite skips the
 * test with a printed reason; with {@code CI=true} it fails the test, because CI must run everything.
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** True when running in CI ({@code CI=true}). */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (or, in CI, fails) with {@code reason} unless {@code condition} holds. */
    public static void require(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (inCi()) {
            fail("CI=true but a test prerequisite is missing: " + reason);
        }
        System.out.println("[netsieve test] SKIPPED: " + reason);
        Assumptions.assumeTrue(false, reason);
    }

    /** The shared folder ({@code ../shared} beside the repository), or skips/fails when absent. */
    public static Path shared() {
        String configured = System.getProperty("netsieve.shared");
        Path path = configured == null ? null : Path.of(configured).normalize();
        if (path == null || !Files.isDirectory(path.resolve("corpus"))) {
            Path fallback = Path.of("/work/shared");
            if (Files.isDirectory(fallback.resolve("corpus"))) {
                path = fallback;
            }
        }
        require(path != null && Files.isDirectory(path.resolve("corpus")),
                "the shared corpus (../shared/corpus beside the repository) is not present");
        return path;
    }

    /** {@code ../shared/corpus/tcpdump-tests}. */
    public static Path tcpdumpCorpus() {
        return shared().resolve("corpus/tcpdump-tests");
    }

    /** {@code ../shared/corpus/libpcap-tests}. */
    public static Path libpcapCorpus() {
        return shared().resolve("corpus/libpcap-tests");
    }

    /** Skips (or fails in CI) unless {@code command} is on the PATH. */
    public static void requireCommand(String command) {
        require(onPath(command), "'" + command + "' is not installed");
    }

    public static boolean onPath(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "command -v " + command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The repository root. */
    public static Path repositoryRoot() {
        String root = System.getProperty("netsieve.root");
        return root == null ? Path.of("").toAbsolutePath() : Path.of(root);
    }
}
