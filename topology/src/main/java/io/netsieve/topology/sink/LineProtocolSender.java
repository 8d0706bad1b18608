package io.netsieve.topology.sink;

import io.netsieve.topology.sink.internal.Types;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPOutputStream;

/**
 * Posts line-protocol lines in batches to a DataKit or InfluxDB write endpoint (e.g.
 * {@code http://localhost:9529/v1/write/logging} or {@code http://host:8086/api/v2/write?org=o&bucket=b&precision=ns}),
 * with {@link java.net.http.HttpClient} on one background thread.
 *
 * <p>Batching: a batch is posted when it holds {@link Builder#maxBatchLines} lines or {@link Builder#maxBatchBytes}
 * bytes, or when its first line has waited {@link Builder#maxDelay}; the body is the lines, each ended by a newline
 * (gzip-compressed with {@code Content-Encoding: gzip} when {@link Builder#gzip} is on). A single line longer than
 * the byte bound is posted alone.
 *
 * <p>Bounds and drops: lines wait in a queue bounded by {@link Builder#queueCapacity} lines and
 * {@link Builder#queueMaxBytes} bytes (UTF-8). When a line does not fit, {@link DropPolicy#DROP_OLDEST} (the
 * default) drops queued lines from the head until it fits, {@link DropPolicy#DROP_NEWEST} drops the new line; either
 * way counted in {@link Stats#droppedQueueFull()}. {@link #offer} never blocks.
 *
 * <p>Retries: a batch answered with 5xx or 429, or that fails with an I/O error or times out
 * ({@link Builder#requestTimeout}), is posted again after an exponential backoff ({@link Builder#backoff}: the first
 * delay, doubled after each attempt up to the maximum; a {@code Retry-After} in seconds lengthens it, within the
 * maximum), at most {@link Builder#maxAttempts} times in all; then its lines are dropped and counted
 * ({@link Stats#droppedGaveUp()}). Another 4xx (bad line, no permission) is not retried: its lines are counted in
 * {@link Stats#droppedRejected()}.
 *
 * <p>Closing: {@link #close()} stops taking lines, posts what is queued (without waiting for the delay) and returns
 * within {@link Builder#closeTimeout} plus at most 2 s: what could not be posted by then is dropped and counted in
 * {@link Stats#droppedAtClose()}, as are lines offered after close.
 *
 * <p>Threading: {@link #offer}, {@link #stats()} and {@link #close()} may be called from any thread. Every line
 * offered ends in exactly one of sent, queued, in flight or one of the dropped counts ({@link Stats}).
 */
public final class LineProtocolSender implements AutoCloseable {

    /** What to drop when the queue is full. */
    public enum DropPolicy {
        /** Drop the oldest queued lines to make room for the new one (fresh data wins). */
        DROP_OLDEST,
        /** Drop the new line. */
        DROP_NEWEST
    }

    /**
     * A snapshot of the sender's counters, all in lines except {@code requests}, {@code retries} and
     * {@code batches}; taken at one instant, so {@code offered = sent + queued + inFlight + dropped()}.
     *
     * @param offered          lines offered
     * @param sent             lines the endpoint accepted (2xx)
     * @param queued           lines waiting in the queue
     * @param inFlight         lines of the batch being posted
     * @param droppedQueueFull lines dropped because the queue was full
     * @param droppedGaveUp    lines of batches that failed {@code maxAttempts} times
     * @param droppedRejected  lines of batches refused with a 4xx other than 429
     * @param droppedAtClose   lines not posted by the end of {@link #close()}, or offered after it
     * @param batches          batches accepted
     * @param requests         HTTP requests made (attempts)
     * @param retries          attempts after a failed one
     */
    public record Stats(long offered, long sent, long queued, long inFlight, long droppedQueueFull,
                        long droppedGaveUp, long droppedRejected, long droppedAtClose, long batches, long requests,
                        long retries) {
        /** Lines dropped for any reason. */
        public long dropped() {
            return droppedQueueFull + droppedGaveUp + droppedRejected + droppedAtClose;
        }
    }

    private final URI url;
    private final int maxBatchLines;
    private final long maxBatchBytes;
    private final long maxDelayNanos;
    private final int queueCapacity;
    private final long queueMaxBytes;
    private final DropPolicy dropPolicy;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final boolean gzip;
    private final Duration requestTimeout;
    private final Duration closeTimeout;
    private final Map<String, String> headers;
    private final HttpClient client;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final ArrayDeque<Long> queueSizes = new ArrayDeque<>();
    private long queuedBytes;
    /** When the oldest queued line was offered (the batch's delay runs from it). */
    private long headSinceNanos;
    private long offered;
    private long sent;
    private long inFlight;
    private long droppedQueueFull;
    private long droppedGaveUp;
    private long droppedRejected;
    private long droppedAtClose;
    private long batches;
    private long requests;
    private long retries;
    private boolean closing;
    private boolean aborted;
    private final Thread thread;

    private LineProtocolSender(Builder b) {
        url = b.url;
        maxBatchLines = b.maxBatchLines;
        maxBatchBytes = b.maxBatchBytes;
        maxDelayNanos = b.maxDelay.toNanos();
        queueCapacity = b.queueCapacity;
        queueMaxBytes = b.queueMaxBytes;
        dropPolicy = b.dropPolicy;
        maxAttempts = b.maxAttempts;
        initialBackoff = b.initialBackoff;
        maxBackoff = b.maxBackoff;
        gzip = b.gzip;
        requestTimeout = b.requestTimeout;
        closeTimeout = b.closeTimeout;
        headers = Map.copyOf(b.headers);
        client = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
        thread = new Thread(this::loop, "netsieve-lp-sender");
        thread.setDaemon(true);
        thread.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Queues one line (without its newline; a line holding a newline is refused as dropped-rejected). Never blocks.
     *
     * @return true when the line was queued (with {@link DropPolicy#DROP_OLDEST} older lines may have made room)
     */
    public boolean offer(String line) {
        Objects.requireNonNull(line, "line");
        long size = utf8Length(line) + 1;
        lock.lock();
        try {
            offered++;
            if (closing) {
                droppedAtClose++;
                return false;
            }
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                droppedRejected++;
                return false;
            }
            boolean fits = queue.size() < queueCapacity && queuedBytes + size <= queueMaxBytes;
            if (!fits && (dropPolicy == DropPolicy.DROP_NEWEST || size > queueMaxBytes)) {
                droppedQueueFull++;
                return false;
            }
            while (queue.size() >= queueCapacity || queuedBytes + size > queueMaxBytes) {
                queue.removeFirst();
                queuedBytes -= queueSizes.removeFirst();
                droppedQueueFull++;
            }
            if (queue.isEmpty()) {
                headSinceNanos = System.nanoTime();
            }
            queue.addLast(line);
            queueSizes.addLast(size);
            queuedBytes += size;
            if (queue.size() >= maxBatchLines || queuedBytes >= maxBatchBytes) {
                changed.signalAll();
            } else if (queue.size() == 1) {
                changed.signalAll(); // the sender starts the delay of a new batch
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The counters now. */
    public Stats stats() {
        lock.lock();
        try {
            return new Stats(offered, sent, queue.size(), inFlight, droppedQueueFull, droppedGaveUp,
                    droppedRejected, droppedAtClose, batches, requests, retries);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking lines, posts what is queued, and returns within the close timeout (plus at most 2 s); lines not
     * posted by then are dropped and counted. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(closeTimeout.toMillis());
            if (thread.isAlive()) {
                lock.lock();
                try {
                    aborted = true;
                } finally {
                    lock.unlock();
                }
                thread.interrupt();
                thread.join(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            droppedAtClose += queue.size();
            queue.clear();
            queueSizes.clear();
            queuedBytes = 0;
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            List<String> batch = nextBatch();
            if (batch == null) {
                return;
            }
            post(batch);
        }
    }

    /** Waits for a batch (full, or its delay passed, or closing); null when closing and nothing is left. */
    private List<String> nextBatch() {
        lock.lock();
        try {
            while (true) {
                if (aborted) {
                    return null;
                }
                if (queue.isEmpty()) {
                    if (closing) {
                        return null;
                    }
                    changed.awaitUninterruptibly();
                    continue;
                }
                long wait = headSinceNanos + maxDelayNanos - System.nanoTime();
                if (closing || wait <= 0 || queue.size() >= maxBatchLines || queuedBytes >= maxBatchBytes) {
                    break;
                }
                try {
                    changed.awaitNanos(wait);
                } catch (InterruptedException e) {
                    return null; // close() gave up waiting
                }
            }
            List<String> batch = new ArrayList<>(Math.min(queue.size(), maxBatchLines));
            long bytes = 0;
            while (!queue.isEmpty() && batch.size() < maxBatchLines
                    && (batch.isEmpty() || bytes + queueSizes.peekFirst() <= maxBatchBytes)) {
                long size = queueSizes.removeFirst();
                bytes += size;
                queuedBytes -= size;
                batch.add(queue.removeFirst());
            }
            headSinceNanos = System.nanoTime();
            inFlight = batch.size();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Posts one batch with retries and counts how it ended. */
    private void post(List<String> batch) {
        HttpRequest request;
        try {
            request = request(batch);
        } catch (IOException e) { // compressing into memory does not fail
            end(batch.size(), Outcome.GAVE_UP);
            return;
        }
        long backoff = initialBackoff.toNanos();
        for (int attempt = 1; ; attempt++) {
            countRequest(attempt > 1);
            long retryAfter = 0;
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                int code = response.statusCode();
                if (code >= 200 && code < 300) {
                    end(batch.size(), Outcome.SENT);
                    return;
                }
                if (code != 429 && code < 500) {
                    end(batch.size(), Outcome.REJECTED);
                    return;
                }
                retryAfter = retryAfterNanos(response.headers().firstValueAsLong("retry-after"));
            } catch (IOException e) {
                // connection refused, reset, timed out: retried
            } catch (InterruptedException e) {
                end(batch.size(), Outcome.CLOSED);
                return;
            }
            if (attempt >= maxAttempts) {
                end(batch.size(), Outcome.GAVE_UP);
                return;
            }
            long delay = Math.min(Math.max(backoff, retryAfter), maxBackoff.toNanos());
            try {
                Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
            } catch (InterruptedException e) {
                end(batch.size(), Outcome.CLOSED);
                return;
            }
            backoff = Math.min(backoff * 2, maxBackoff.toNanos());
        }
    }

    private static long retryAfterNanos(OptionalLong seconds) {
        return seconds.isPresent() && seconds.getAsLong() > 0 ? Duration.ofSeconds(
                Math.min(seconds.getAsLong(), 3600)).toNanos() : 0;
    }

    private enum Outcome { SENT, GAVE_UP, REJECTED, CLOSED }

    private void countRequest(boolean retry) {
        lock.lock();
        try {
            requests++;
            if (retry) {
                retries++;
            }
        } finally {
            lock.unlock();
        }
    }

    private void end(int lines, Outcome outcome) {
        lock.lock();
        try {
            inFlight = 0;
            switch (outcome) {
                case SENT -> {
                    sent += lines;
                    batches++;
                }
                case GAVE_UP -> droppedGaveUp += lines;
                case REJECTED -> droppedRejected += lines;
                case CLOSED -> droppedAtClose += lines;
            }
        } finally {
            lock.unlock();
        }
    }

    private HttpRequest request(List<String> batch) throws IOException {
        StringBuilder body = new StringBuilder();
        for (String line : batch) {
            body.append(line).append('\n');
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(requestTimeout)
                .header("Content-Type", "text/plain; charset=utf-8");
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(bytes);
            }
            bytes = out.toByteArray();
            rb.header("Content-Encoding", "gzip");
        }
        headers.forEach(rb::header);
        return rb.POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Builder; each setter validates its argument and may be called once ({@link #header} once per name). */
    public static final class Builder {
        private URI url;
        private int maxBatchLines = 1000;
        private long maxBatchBytes = 1 << 20;
        private Duration maxDelay = Duration.ofSeconds(1);
        private int queueCapacity = 10_000;
        private long queueMaxBytes = 16 << 20;
        private DropPolicy dropPolicy = DropPolicy.DROP_OLDEST;
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private boolean gzip;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final java.util.Set<String> set = new java.util.HashSet<>();

        private Builder() {
        }

        private void once(String name) {
            Types.once(!set.add(name), name);
        }

        /** The write endpoint (required): an absolute http or https URL, query included. */
        public Builder url(URI url) {
            once("url");
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new IllegalArgumentException("an http or https URL with a host is required: " + url);
            }
            this.url = url;
            return this;
        }

        /** Lines per batch at most (default 1000). */
        public Builder maxBatchLines(int lines) {
            once("maxBatchLines");
            maxBatchLines = positive(lines, "maxBatchLines");
            return this;
        }

        /** Bytes per batch at most, before compression (default 1 MiB). */
        public Builder maxBatchBytes(long bytes) {
            once("maxBatchBytes");
            maxBatchBytes = positive(bytes, "maxBatchBytes");
            return this;
        }

        /** How long the first line of a batch waits for more (default 1 s). */
        public Builder maxDelay(Duration delay) {
            once("maxDelay");
            maxDelay = positive(delay, "maxDelay");
            return this;
        }

        /** Queue bound in lines (default 10 000). */
        public Builder queueCapacity(int lines) {
            once("queueCapacity");
            queueCapacity = positive(lines, "queueCapacity");
            return this;
        }

        /** Queue bound in bytes (default 16 MiB). */
        public Builder queueMaxBytes(long bytes) {
            once("queueMaxBytes");
            queueMaxBytes = positive(bytes, "queueMaxBytes");
            return this;
        }

        /** What a full queue drops (default {@link DropPolicy#DROP_OLDEST}). */
        public Builder dropPolicy(DropPolicy policy) {
            once("dropPolicy");
            dropPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Attempts per batch, the first included (default 5). */
        public Builder maxAttempts(int attempts) {
            once("maxAttempts");
            maxAttempts = positive(attempts, "maxAttempts");
            return this;
        }

        /** The delay before the first retry and the most any retry waits (default 200 ms and 10 s). */
        public Builder backoff(Duration initial, Duration max) {
            once("backoff");
            positive(initial, "initial backoff");
            positive(max, "max backoff");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max backoff " + max + " is shorter than the initial " + initial);
            }
            initialBackoff = initial;
            maxBackoff = max;
            return this;
        }

        /** Compress bodies with gzip (default off). */
        public Builder gzip(boolean on) {
            once("gzip");
            gzip = on;
            return this;
        }

        /** Timeout of one request, connection included (default 10 s). */
        public Builder requestTimeout(Duration timeout) {
            once("requestTimeout");
            requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** How long {@link #close()} may post what is queued (default 10 s). */
        public Builder closeTimeout(Duration timeout) {
            once("closeTimeout");
            closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        /** A header sent with every request (e.g. {@code Authorization: Token …} for InfluxDB 2). */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            once("header " + name.toLowerCase(Locale.ROOT));
            headers.put(name, value);
            return this;
        }

        /** Starts the sender's thread. */
        public LineProtocolSender build() {
            if (url == null) {
                throw new IllegalStateException("url(...) is required");
            }
            return new LineProtocolSender(this);
        }

        private static int positive(int n, String name) {
            if (n <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + n);
            }
            return n;
        }

        private static long positive(long n, String name) {
            if (n <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + n);
            }
            return n;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
