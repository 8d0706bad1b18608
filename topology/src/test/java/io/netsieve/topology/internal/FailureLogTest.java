package io.netsieve.topology.internal;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FailureLog} through a real slf4j logger (slf4j-simple, to standard error): the burst is logged with stack
 * traces, then one line per period with the count of failures not logged since.
 */
class FailureLogTest {

    @Test
    void aBurstThenOneLinePerPeriod() {
        AtomicLong now = new AtomicLong(1_000);
        FailureLog log = new FailureLog(LoggerFactory.getLogger(FailureLogTest.class), 2, 10_000, now::get);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (int i = 1; i <= 5; i++) {
                log.failed("onL4Log", new IllegalStateException("bug " + i));
            }
            now.addAndGet(10_000); // one period later
            log.failed("onL4Log", new IllegalStateException("bug 6"));
            log.failed("onL4Log", new IllegalStateException("bug 7"));
        } finally {
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("netsieve: callback")).toList();
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("onL4Log threw (failure 1)"), lines.get(0));
        assertTrue(lines.get(1).contains("onL4Log threw (failure 2)"), lines.get(1));
        assertTrue(lines.get(2).contains("failure 6; 3 more not logged since the last line")
                && lines.get(2).contains("bug 6"), lines.get(2));
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains("java.lang.IllegalStateException: bug 1"));
    }
}
