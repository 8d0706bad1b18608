package io.netsieve.topology;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CaptureSet;
import io.netsieve.l4.L4Log;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetSieve#run()} on the bundled demo set with one and with two pipeline threads: the capture points really
 * are read on two threads, and the L4 records, L7 records, paths, findings and every counter are the same (the
 * order in which records of different capture points arrive is the only difference).
 */
class NetSieveThreadsTest {

    private record Outcome(List<String> l4, List<String> l7, List<String> paths, List<String> findings,
                           RunSummary summary, Set<String> threads) {
    }

    private static Outcome run(int threads) throws Exception {
        CaptureSet set = CaptureManifest.read(DemoReplay.DEMO);
        List<String> l4 = Collections.synchronizedList(new ArrayList<>());
        List<String> l7 = Collections.synchronizedList(new ArrayList<>());
        List<String> paths = new ArrayList<>();
        List<String> findings = new ArrayList<>();
        Set<String> names = ConcurrentHashMap.newKeySet();
        RunSummary s = NetSieve.builder().captureSet(set).threads(threads)
                .onL4Log((log, nic) -> l4.add(nic.label() + " " + text(log)))
                .onL7Log((log, nic) -> {
                    names.add(Thread.currentThread().getName());
                    l7.add(nic.label() + " " + log);
                })
                .onExchangePath(p -> paths.add(p.toString()))
                .onFinding(f -> findings.add(f.toString()))
                .build().run();
        // inner_traceid is random per tracker: name each connection by its capture point, Community ID and start
        Map<String, String> alias = new HashMap<>();
        for (String r : l4) {
            Matcher m = Pattern.compile("^(\\S+) .*innerTraceId=(\\p{XDigit}{32}) .*communityId=(\\S+) chunkId=0 ")
                    .matcher(r);
            if (m.find()) {
                Matcher t = Pattern.compile("timeNanos=(\\d+)").matcher(r);
                t.find();
                alias.put(m.group(2), m.group(1) + "|" + m.group(3) + "|" + t.group(1));
            }
        }
        return new Outcome(canonical(l4, alias), canonical(l7, alias), canonical(paths, alias),
                canonical(findings, alias), s, names);
    }

    private static List<String> canonical(List<String> texts, Map<String, String> alias) {
        Pattern id = Pattern.compile("\\p{XDigit}{32}");
        List<String> out = new ArrayList<>();
        for (String t : texts) {
            out.add(id.matcher(t).replaceAll(m -> Matcher.quoteReplacement(alias.getOrDefault(m.group(), "?"))));
        }
        Collections.sort(out);
        return out;
    }

    /** The record's fields (the packet series by its size: it has no text form of its own). */
    private static String text(L4Log log) throws RuntimeException {
        StringBuilder b = new StringBuilder();
        for (RecordComponent c : L4Log.class.getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(log);
                b.append(c.getName()).append('=')
                        .append(c.getName().equals("packets") ? log.packets().size() : v).append(' ');
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return b.toString();
    }

    @Test
    void twoThreadsGiveWhatOneThreadGives() throws Exception {
        Outcome one = run(1);
        Outcome two = run(2);
        assertEquals(1, one.threads().size(), one.threads().toString());
        assertEquals(2, two.threads().size(), "the capture points were read on two threads: " + two.threads());
        assertTrue(one.l7().size() > 50 && one.paths().size() > 10 && !one.findings().isEmpty(),
                one.l7().size() + " L7 records, " + one.paths().size() + " paths, " + one.findings().size() + " findings");
        assertTrue(one.l4().stream().noneMatch(r -> r.contains("innerTraceId=?")), "every connection named");
        assertEquals(one.l4(), two.l4(), "L4 records");
        assertEquals(one.l7(), two.l7(), "L7 records");
        assertEquals(one.paths(), two.paths(), "paths");
        assertEquals(one.findings(), two.findings(), "findings");
        assertEquals(one.summary().capturePoints(), two.summary().capturePoints());
        assertEquals(one.summary().correlation(), two.summary().correlation());
        assertEquals(one.summary().metrics(), two.summary().metrics());
        assertEquals(0, two.summary().callbackFailures());
        assertNotEquals(0, two.summary().metrics().paths());
    }

    @Test
    void theThreadCountIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> NetSieve.builder().threads(0));
        assertThrows(IllegalArgumentException.class, () -> NetSieve.builder().threads(NetSieve.MAX_THREADS + 1));
        NetSieve.Builder b = NetSieve.builder().threads(NetSieve.MAX_THREADS);
        assertThrows(IllegalStateException.class, () -> b.threads(2));
    }

    private static void assertThrows(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertThrows(type, e);
    }
}
