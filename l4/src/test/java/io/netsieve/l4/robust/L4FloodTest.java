package io.netsieve.l4.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Robustness in a fixed heap: a SYN flood of 1M random 5-tuples and 200k garbage TCP segments run in a child JVM
 * with -Xmx512m, without an exception; the flow table stays bounded (flows are evicted and counted).
 */
class L4FloodTest {

    @Test
    void synFloodAndGarbageRunInAFixedHeapWithEvictionsCounted() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                L4FloodMain.class.getName(), "1000000", "200000")).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes());
        if (!done) {
            p.destroyForcibly();
        }
        System.out.println("[flood] " + out.strip());
        assertTrue(done, "flood run did not finish in 120 s");
        assertEquals(0, p.exitValue(), out);
        long created = Long.parseLong(out.replaceAll("(?s).*flows created (\\d+).*", "$1"));
        long evicted = Long.parseLong(out.replaceAll("(?s).*evicted (\\d+).*", "$1"));
        assertTrue(created >= 1_000_000, "every SYN opens a flow: " + created);
        assertTrue(evicted > 900_000, "the table is bounded (65 536 flows) and evictions are counted: " + evicted);
    }
}
