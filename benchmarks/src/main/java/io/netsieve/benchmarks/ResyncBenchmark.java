package io.netsieve.benchmarks;

import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7ContextBase;
import io.netsieve.l7.L7Exchange;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Registry;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.Transport;
import io.netsieve.l7.internal.http.MessageStarts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1 resynchronisation after a gap (a capture that dropped packets in the middle of a download): what the
 * parser does with each byte until the next request line / status line. Over {@value #BYTES} random bytes (no message
 * start in them), per {@link #direction} (0: request methods, 1: {@code HTTP/1.}); score: µs per MiB. The CLI runs
 * with C1 only ({@code ./netsieve}'s {@code -XX:TieredStopAtLevel=1}): add {@code -jvmArgsAppend
 * -XX:TieredStopAtLevel=1} for its figures.
 *
 * <ul>
 *   <li>{@code oldScan}: the baseline, the scan {@code Http1Parser} had (copied here): at every byte every token of
 *   the direction, byte by byte through netty's bounds-checked {@code ByteBuf.getByte};</li>
 *   <li>{@code newScan}: {@link MessageStarts#find} on the same heap {@code ByteBuf}: over its backing array, a
 *   window of the shortest token's length moved by Horspool's shifts, the tokens compared only where one can end;</li>
 *   <li>{@code parserAfterGap}: the public path, {@code L7Registry.http1().newParser(context)}: a request and a
 *   response head announcing a large body in {@link #direction}, a gap in that direction, then the bytes in
 *   {@value #SEGMENT}-byte segments (what L4 hands over after a dropped packet), then the close: the scan plus
 *   what the parser does per segment (the copy into its cumulation, the 10-byte tail kept).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ResyncBenchmark {
    static final int BYTES = 1 << 20;
    static final int SEGMENT = 1448;
    /** The tokens of {@code Http1Protocol} (METHODS, RESPONSE), for the baseline. */
    static final byte[][] METHODS = tokens("GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
            "TRACE ", "CONNECT ", "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ",
            "REPORT ", "SEARCH ", "PURGE ");
    static final byte[] RESPONSE = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    @Param({"0", "1"})
    public int direction;

    byte[] bytes;
    ByteBuf cum;
    CountingContext context;

    private static byte[][] tokens(String... s) {
        byte[][] t = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            t[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        }
        return t;
    }

    @Setup
    public void setUp() {
        bytes = new byte[BYTES];
        new SplittableRandom(42).nextBytes(bytes);
        cum = Unpooled.buffer(256); // as the parser's cumulation
        cum.writeBytes(bytes);
        int old = oldScan();
        int now = newScan();
        if (old != -1 || now != -1) {
            throw new IllegalStateException("a message start in the random bytes: " + old + ", " + now);
        }
        context = new CountingContext();
        parserAfterGap();
        if (context.lost != BYTES - 10 || context.records != 1) {
            throw new IllegalStateException("lost " + context.lost + " bytes, " + context.records + " records");
        }
    }

    @Benchmark
    public int oldScan() {
        int from = cum.readerIndex();
        int to = cum.writerIndex();
        for (int i = from; i < to; i++) {
            if (startsMessage(cum, i, to, direction)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsMessage(ByteBuf b, int at, int to, int direction) {
        if (direction == 1) {
            return matches(b, at, to, RESPONSE);
        }
        for (byte[] m : METHODS) {
            if (matches(b, at, to, m)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(ByteBuf b, int at, int to, byte[] token) {
        if (to - at < token.length) {
            return false;
        }
        for (int i = 0; i < token.length; i++) {
            if (b.getByte(at + i) != token[i]) {
                return false;
            }
        }
        return true;
    }

    @Benchmark
    public int newScan() {
        return MessageStarts.find(cum, cum.readerIndex(), cum.writerIndex(), direction);
    }

    @Benchmark
    public long parserAfterGap() {
        context.lost = 0;
        context.records = 0;
        L7Parser p = L7Registry.http1().newParser(context);
        byte[] request = ("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + (direction == 0 ? 1L << 30 : 0)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: " + (1L << 30) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long[] seq = {1, 1};
        long ts = 1_000_000;
        p.onData(0, ByteBuffer.wrap(request), 0, request.length, seq[0], ts);
        seq[0] += request.length;
        if (direction == 1) {
            p.onData(1, ByteBuffer.wrap(response), 0, response.length, seq[1], ts);
            seq[1] += response.length;
        }
        p.onGap(direction, seq[direction], 1000, ts);
        seq[direction] += 1000;
        ByteBuffer data = ByteBuffer.wrap(bytes);
        for (int at = 0; at < BYTES; at += SEGMENT) {
            int n = Math.min(SEGMENT, BYTES - at);
            p.onData(direction, data, at, n, seq[direction], ts);
            seq[direction] += n;
        }
        p.onClose(ts);
        return context.lost;
    }

    /** A parser context that counts the lost bytes and the records. */
    static final class CountingContext extends L7ContextBase {
        long lost;
        long records;

        CountingContext() {
            super(new StreamInfo(0, "198.18.0.1", 40000, "198.18.0.2", 80, true, "t"), Transport.TCP,
                    L7Config.defaults());
        }

        @Override
        public void emit(String l7Proto, L7Exchange exchange, L7Status status, HttpInfo http, DnsInfo dns,
                         Map<String, String> attributes, String l7TraceId) {
            records++;
        }

        @Override
        public void reverseRoles() {
        }

        @Override
        public void countLostBytes(long bytes) {
            lost += bytes;
        }

        @Override
        public void countLateResponse() {
        }

        @Override
        public void countPendingEvicted() {
        }
    }
}
