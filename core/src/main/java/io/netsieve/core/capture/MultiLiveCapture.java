package io.netsieve.core.capture;

import io.netsieve.core.capture.internal.PacketRing;
import io.netsieve.core.io.PacketSource;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Live capture on several interfaces at once (each possibly in its own network namespace), delivered to one
 * consumer as a single {@link PacketSource}.
 *
 * <p>One capture thread per interface copies each frame into that interface's bounded ring ({@code ringBytes} of
 * frame data and at most {@code ringSlots} frames; defaults 8 MiB and 65536). The consumer takes, among the frames
 * waiting, the one with the smallest timestamp, so packets of different interfaces come out in time order as far
 * as they have arrived. <b>Drop policy:</b> when a ring is full the capture thread drops the new frame and counts it
 * ({@link CaptureStats#queueDropped()}); it never blocks, so a slow consumer costs drops, not kernel buffer
 * overruns hidden from view. Kernel drops are in {@link CaptureStats#kernelDropped()}.
 *
 * <p>One consumer thread; {@link #close()} and {@link #stats()} may be called from others.
 */
public final class MultiLiveCapture implements PacketSource {
    /** Default frame bytes per interface ring. */
    public static final int DEFAULT_RING_BYTES = 8 << 20;
    /** Default frames per interface ring. */
    public static final int DEFAULT_RING_SLOTS = 65_536;

    private final List<LiveCapture> captures;
    private final List<PacketRing> rings = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<IOException> failures = new ArrayList<>();
    private final int[] linkTypes;
    private volatile Thread waiter;
    private final AtomicInteger running;
    private volatile boolean closed;
    private PacketRing pending;

    private MultiLiveCapture(List<LiveCapture> captures, int ringBytes, int ringSlots) {
        this.captures = captures;
        this.linkTypes = new int[captures.size()];
        this.running = new AtomicInteger(captures.size());
        for (int i = 0; i < captures.size(); i++) {
            linkTypes[i] = captures.get(i).linkType();
            rings.add(new PacketRing(ringBytes, ringSlots));
        }
        for (int i = 0; i < captures.size(); i++) {
            int index = i;
            Thread t = new Thread(() -> capture(index), "netsieve-capture-" + captures.get(i).name());
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** Opens every interface (all or none: on a failure the ones already open are closed) with default rings. */
    public static MultiLiveCapture open(List<LiveCaptureConfig> configs) throws LiveCaptureException {
        return open(configs, DEFAULT_RING_BYTES, DEFAULT_RING_SLOTS);
    }

    public static MultiLiveCapture open(List<LiveCaptureConfig> configs, int ringBytes, int ringSlots)
            throws LiveCaptureException {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("no interfaces");
        }
        if (ringBytes < 65_536 || ringSlots < 16) {
            throw new IllegalArgumentException("ring too small: " + ringBytes + " bytes, " + ringSlots + " slots");
        }
        List<LiveCapture> opened = new ArrayList<>();
        try {
            for (LiveCaptureConfig c : configs) {
                opened.add(LiveCapture.open(c));
            }
        } catch (LiveCaptureException e) {
            opened.forEach(LiveCapture::close);
            throw e;
        }
        return new MultiLiveCapture(opened, ringBytes, ringSlots);
    }

    private void capture(int index) {
        LiveCapture capture = captures.get(index);
        PacketRing ring = rings.get(index);
        PacketView view = new PacketView();
        try {
            while (capture.next(view)) {
                ring.offer(view);
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        } catch (IOException e) {
            synchronized (failures) {
                failures.add(e);
            }
        } finally {
            running.decrementAndGet();
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** What {@link #poll} found. */
    public enum Poll {
        /** A frame is in the view (valid until the next call). */
        PACKET,
        /** No frame arrived within the timeout; the capture goes on. */
        IDLE,
        /** The capture was closed (or every interface ended): no frame will come. */
        END
    }

    /** Blocks until a frame arrives (true) or the capture ends (false). */
    @Override
    public boolean next(PacketView view) throws IOException {
        while (true) {
            Poll p = poll(view, 100_000_000L);
            if (p != Poll.IDLE) {
                return p == Poll.PACKET;
            }
        }
    }

    /**
     * Like {@link #next} but waits at most about {@code timeoutNanos} for a frame: {@link Poll#IDLE} when none
     * arrived by then, so that a consumer can let time move on quiet links (idle timeouts) without a packet.
     * Allocates nothing.
     */
    public Poll poll(PacketView view, long timeoutNanos) throws IOException {
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("negative timeout: " + timeoutNanos);
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            int best = -1;
            long bestTs = Long.MAX_VALUE;
            for (int i = 0; i < rings.size(); i++) {
                PacketRing r = rings.get(i);
                if (!r.isEmpty() && r.peekTimestamp() < bestTs) {
                    best = i;
                    bestTs = r.peekTimestamp();
                }
            }
            if (best >= 0) {
                PacketRing r = rings.get(best);
                r.wrap(view, linkTypes[best], captures.get(best).config().capturePointId());
                pending = r;
                return Poll.PACKET;
            }
            synchronized (failures) {
                if (!failures.isEmpty()) {
                    throw failures.get(0);
                }
            }
            if (closed || running.get() == 0) {
                return Poll.END;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Poll.IDLE;
            }
            waiter = Thread.currentThread();
            boolean empty = true;
            for (PacketRing r : rings) {
                empty &= r.isEmpty();
            }
            if (empty && !closed && running.get() > 0) {
                LockSupport.parkNanos(Math.min(left, 100_000_000L));
            }
            waiter = null;
        }
    }

    /** The libpcap link type of interface {@code index} (in the order of the configurations). */
    public int linkType(int index) {
        return linkTypes[index];
    }

    /** Counters per interface, in the order of the configurations. */
    public List<CaptureStats> stats() throws LiveCaptureException {
        List<CaptureStats> out = new ArrayList<>();
        for (int i = 0; i < captures.size(); i++) {
            CaptureStats s = captures.get(i).stats();
            out.add(new CaptureStats(s.received(), s.kernelDropped(), s.interfaceDropped(), s.delivered(),
                    rings.get(i).dropped(), s.filterRejected()));
        }
        return out;
    }

    @Override
    public String name() {
        return String.join("+", captures.stream().map(LiveCapture::name).toList());
    }

    /** Stops every capture thread (each returns within a poll wake-up) and releases the handles. */
    @Override
    public void close() {
        closed = true;
        captures.forEach(LiveCapture::close);
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
