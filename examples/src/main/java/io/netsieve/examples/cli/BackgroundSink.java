package io.netsieve.examples.cli;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.sink.RecordSink;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands the records of an offline run to {@code target} on a thread of its own ({@code netsieve-writer}), so encoding
 * and writing them (a third of {@code analyze}'s CPU time on a bulk capture: the JSON lines are larger than the
 * capture) overlaps with the pipeline on a second core. Records reach the target in the order they came, in batches of
 * {@value #BATCH}; the batches wait in a queue of {@value #BATCHES} (at most {@value #BATCH} * {@value #BATCHES}
 * records in flight): when it is full the pipeline waits, nothing is dropped. Few records in flight, because those
 * that wait long enough are promoted to the old generation and die there (256 * 16 before: on the request-dense
 * bulk capture 2.46 s against 2.40 s now, medians of 5; on the bulk-download one 5 MB less RSS). A batch is
 * handed over when full, so this is for runs that end ({@link #finish}), not for live capture, whose records would
 * wait for the next ones.
 *
 * <p>The records must stay valid after the callback: an {@link L4Log} whose packet series is lent
 * ({@code L4Config.lendPacketSeries}) must not come here. A target that throws loses that record (as a sink that
 * throws in the pipeline does); the first such error is thrown by {@link #finish}. The callbacks may come from any
 * thread (they are serialised here); {@link #finish} from the one that ends the run.
 */
final class BackgroundSink implements RecordSink {
    static final int BATCH = 128;
    static final int BATCHES = 4;

    /** Ends the stream of batches. */
    private static final Object[] END = new Object[0];

    private final RecordSink target;
    /**
     * Batches of {@value #BATCH} records as pairs (record, its NIC or null): the kind is the record's type, so
     * nothing is allocated per record; a last batch shorter than that ends with a null record.
     */
    private final BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(BATCHES);
    private final Thread writer;
    private Object[] batch = new Object[2 * BATCH];
    private int size;
    private volatile RuntimeException failure;
    private boolean finished;

    BackgroundSink(RecordSink target) {
        this.target = target;
        this.writer = new Thread(this::drain, "netsieve-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void onL4Log(L4Log log, Nic nic) {
        add(log, nic);
    }

    @Override
    public void onL7Log(L7Log log, Nic nic) {
        add(log, nic);
    }

    @Override
    public void onPath(ExchangePath path) {
        add(path, null);
    }

    @Override
    public void onFinding(Finding finding) {
        add(finding, null);
    }

    private synchronized void add(Object record, Nic nic) {
        if (finished) {
            throw new IllegalStateException("finished");
        }
        batch[size++] = record;
        batch[size++] = nic;
        if (size == batch.length) {
            handOver(batch);
            batch = new Object[2 * BATCH];
            size = 0;
        }
    }

    private void handOver(Object[] items) {
        try {
            queue.put(items);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing records to the writer thread", e);
        }
    }

    private void drain() {
        try {
            while (true) {
                Object[] items = queue.take();
                if (items == END) {
                    return;
                }
                for (int i = 0; i < items.length && items[i] != null; i += 2) {
                    Object record = items[i];
                    Nic nic = (Nic) items[i + 1];
                    try {
                        if (record instanceof L4Log log) {
                            target.onL4Log(log, nic);
                        } else if (record instanceof L7Log log) {
                            target.onL7Log(log, nic);
                        } else if (record instanceof ExchangePath path) {
                            target.onPath(path);
                        } else {
                            target.onFinding((Finding) record);
                        }
                    } catch (RuntimeException e) {
                        if (failure == null) {
                            failure = e;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Hands over the last batch and waits until the target has every record; throws the first error the target
     * threw. The target is not closed.
     */
    synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (size > 0) {
            handOver(batch);
        }
        handOver(END);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the writer thread", e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Finishes; the target is closed by its owner. */
    @Override
    public void close() throws IOException {
        finish();
    }
}
