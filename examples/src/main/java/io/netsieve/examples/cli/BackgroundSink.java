package io.netsieve.examples.cli;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.sink.RecordSink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands the records of an offline run to {@code target} on a thread of its own ({@code netsieve-writer}), so encoding
 * and writing them (a third of {@code analyze}'s CPU time on a bulk capture: the JSON lines are larger than the
 * capture) overlaps with the pipeline on a second core. Records reach the target in the order they came, in batches of
 * {@value #BATCH}; the batches wait in a queue of {@value #BATCHES} (at most {@value #BATCH} * {@value #BATCHES}
 * records in flight, a few MB of L7 records): when it is full the pipeline waits ({@link #waits()} counts how often),
 * nothing is dropped. A batch is handed over when full, so this is for runs that end ({@link #finish}), not for live
 * capture, whose records would wait for the next ones.
 *
 * <p>The records must stay valid after the callback: an {@link L4Log} whose packet series is lent
 * ({@code L4Config.lendPacketSeries}) must not come here. A target that throws loses that record (as a sink that
 * throws in the pipeline does); the first such error is thrown by {@link #finish}. The callbacks may come from any
 * thread (they are serialised here); {@link #finish} from the one that ends the run.
 */
final class BackgroundSink implements RecordSink {
    static final int BATCH = 256;
    static final int BATCHES = 16;

    private enum Kind { L4, L7, PATH, FINDING }

    private record Item(Kind kind, Object record, Nic nic) {
    }

    /** Ends the stream of batches. */
    private static final List<Item> END = List.of();

    private final RecordSink target;
    private final BlockingQueue<List<Item>> queue = new ArrayBlockingQueue<>(BATCHES);
    private final Thread writer;
    private List<Item> batch = new ArrayList<>(BATCH);
    private long waits;
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
        add(new Item(Kind.L4, log, nic));
    }

    @Override
    public void onL7Log(L7Log log, Nic nic) {
        add(new Item(Kind.L7, log, nic));
    }

    @Override
    public void onPath(ExchangePath path) {
        add(new Item(Kind.PATH, path, null));
    }

    @Override
    public void onFinding(Finding finding) {
        add(new Item(Kind.FINDING, finding, null));
    }

    private synchronized void add(Item item) {
        if (finished) {
            throw new IllegalStateException("finished");
        }
        batch.add(item);
        if (batch.size() == BATCH) {
            handOver(batch);
            batch = new ArrayList<>(BATCH);
        }
    }

    private void handOver(List<Item> items) {
        if (!queue.offer(items)) {
            waits++;
            try {
                queue.put(items);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while handing records to the writer thread", e);
            }
        }
    }

    private void drain() {
        try {
            while (true) {
                List<Item> items = queue.take();
                if (items == END) {
                    return;
                }
                for (Item i : items) {
                    try {
                        switch (i.kind()) {
                            case L4 -> target.onL4Log((L4Log) i.record(), i.nic());
                            case L7 -> target.onL7Log((L7Log) i.record(), i.nic());
                            case PATH -> target.onPath((ExchangePath) i.record());
                            case FINDING -> target.onFinding((Finding) i.record());
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
        if (!batch.isEmpty()) {
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

    /** How often the pipeline waited for the writer thread (the queue was full). */
    long waits() {
        return waits;
    }

    /** Finishes; the target is closed by its owner. */
    @Override
    public void close() throws IOException {
        finish();
    }
}
