package io.netsieve.topology.sink;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.ExchangePathListener;
import io.netsieve.topology.Finding;
import io.netsieve.topology.FindingListener;
import io.netsieve.topology.L4LogCallback;
import io.netsieve.topology.L7LogCallback;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Something that takes every kind of record of a run: the four typed callbacks and a close. {@link JsonLinesSink}
 * and {@link LineProtocolSink} are ones; {@link #tee} makes one of several.
 *
 * <p>Threading and failures as the sinks document: methods may be called from any thread; a record that cannot be
 * written is counted by the sink, not thrown; {@link #close()} reports what went wrong.
 */
public interface RecordSink extends L4LogCallback, L7LogCallback, ExchangePathListener, FindingListener,
        AutoCloseable {

    /** Flushes and releases what the sink holds; throws the first error of its life, if any. */
    @Override
    void close() throws IOException;

    /**
     * A sink that hands every record to each of {@code sinks} in order ({@code null}s are skipped, so optional sinks
     * can be passed as they are); closing it closes each of them and throws the first error after trying all.
     */
    static RecordSink tee(RecordSink... sinks) {
        // an array, not a list's forEach: no iterator and no lambda per record
        RecordSink[] all = Arrays.stream(sinks).filter(Objects::nonNull).toArray(RecordSink[]::new);
        return new RecordSink() {
            @Override
            public void onL4Log(L4Log log, Nic nic) {
                for (RecordSink s : all) {
                    s.onL4Log(log, nic);
                }
            }

            @Override
            public void onL7Log(L7Log log, Nic nic) {
                for (RecordSink s : all) {
                    s.onL7Log(log, nic);
                }
            }

            @Override
            public void onPath(ExchangePath path) {
                for (RecordSink s : all) {
                    s.onPath(path);
                }
            }

            @Override
            public void onFinding(Finding finding) {
                for (RecordSink s : all) {
                    s.onFinding(finding);
                }
            }

            @Override
            public void close() throws IOException {
                IOException first = null;
                for (RecordSink s : all) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        if (first == null) {
                            first = e;
                        } else {
                            first.addSuppressed(e);
                        }
                    }
                }
                if (first != null) {
                    throw first;
                }
            }
        };
    }
}
