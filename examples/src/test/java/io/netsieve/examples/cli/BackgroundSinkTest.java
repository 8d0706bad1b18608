package io.netsieve.examples.cli;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.NetSieve;
import io.netsieve.topology.sink.RecordSink;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BackgroundSink} on the bundled demo set: the target gets every record the run gave, in the same order, on
 * the writer thread; an error of the target comes out of {@code finish}.
 */
class BackgroundSinkTest {
    private static final Path DEMO_POD_A = Path.of("src/main/resources/demo/pod-a-eth0.pcap");

    /** Remembers every record (by identity) and the thread it came on. */
    private static final class Recorder implements RecordSink {
        final List<Object> records = new ArrayList<>();
        final List<String> threads = new ArrayList<>();
        RuntimeException throwAt;

        private void add(Object r) {
            records.add(r);
            threads.add(Thread.currentThread().getName());
            if (throwAt != null && records.size() == 3) {
                throw throwAt;
            }
        }

        @Override
        public void onL4Log(L4Log log, Nic nic) {
            add(log);
        }

        @Override
        public void onL7Log(L7Log log, Nic nic) {
            add(log);
        }

        @Override
        public void onPath(ExchangePath path) {
            add(path);
        }

        @Override
        public void onFinding(Finding finding) {
            add(finding);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void everyRecordInOrderOnTheWriterThread() throws Exception {
        Recorder direct = new Recorder();
        Recorder behind = new Recorder();
        BackgroundSink background = new BackgroundSink(behind);
        NetSieve.builder().files(List.of(DEMO_POD_A)).sink(RecordSink.tee(direct, background)).build().run();
        background.finish();
        assertTrue(direct.records.size() > 10, "the demo capture gives records: " + direct.records.size());
        assertEquals(direct.records.size(), behind.records.size());
        for (int i = 0; i < direct.records.size(); i++) {
            assertSame(direct.records.get(i), behind.records.get(i), "record " + i);
        }
        assertTrue(behind.threads.stream().allMatch("netsieve-writer"::equals));
    }

    @Test
    void moreThanOneBatchAndTheTargetsErrorAtFinish() {
        Recorder behind = new Recorder();
        behind.throwAt = new IllegalStateException("disk on fire");
        BackgroundSink background = new BackgroundSink(behind);
        List<ExchangePath> paths = new ArrayList<>();
        for (int i = 0; i < 3 * BackgroundSink.BATCH + 7; i++) {
            ExchangePath p = new ExchangePath("k" + i, List.of(), List.of(), List.of(), List.of(), false, false);
            paths.add(p);
            background.onPath(p);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, background::finish);
        assertEquals("disk on fire", e.getMessage());
        assertEquals(paths, behind.records, "the record that failed is lost to that target only; the rest come");
    }
}
