package io.netsieve.benchmarks;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.L4Tracker;
import io.netsieve.l4.stream.DatagramHandler;
import io.netsieve.l4.stream.DatagramHandlerFactory;
import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamHandlerFactory;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Config;
import io.netsieve.l7.L7ContextBase;
import io.netsieve.l7.L7Exchange;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.L7Registry;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.L7Tracker;
import io.netsieve.l7.Transport;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * L7 parsing throughput on real captures, one core, no L4 in the measured loop: the reassembled streams (and UDP
 * datagrams) of each connection are recorded once at setup by running the capture through an {@code L4Tracker}
 * (exactly the {@code onSegment}/{@code onData}/{@code onGap}/{@code onEnd}/{@code onClose} calls, with their
 * segmentation, seqs and capture times), then replayed per invocation. The score is per exchange (HTTP, Redis) or per DNS message, so
 * {@code -prof gc}'s {@code gc.alloc.rate.norm} is bytes per exchange / message.
 *
 * <ul>
 *   <li>HTTP/1.1: the keep-alive connections of the benchmark capture ({@link BenchCapture}: nginx + wrk, the first
 *   {@value #HTTP_PACKETS} packets) that carry exactly {@value #KEEPALIVE} exchanges (nginx's
 *   {@code keepalive_requests}), all {@code GET /<page>} answered 200; {@value #HTTP_CONNECTIONS} of them per
 *   invocation (cycled if the capture has fewer, timestamps shifted per pass).
 *   <ul>
 *     <li>{@code httpTracker}: the public path, {@code L7Tracker.streams().open(info)} per connection (detection,
 *     parser, {@code L7Log} built and handed to a listener that counts it), one tracker for the trial;</li>
 *     <li>{@code httpParser}: {@code L7Registry.http1().newParser(context)} fed the same calls (what the tracker's
 *     handler calls: {@code onData} then {@code expire}), with a context that counts the emits: the parser without
 *     detection, the L4 join ({@code onSegment}) and record building;</li>
 *     <li>both with parameter {@code decoder}: {@code SCANNER} (the default {@code L7Config.Http1Decoder}:
 *     netsieve's head scanner, netty for what it leaves) or {@code NETTY} (every message on netty's decoders, the
 *     reference);</li>
 *     <li>{@code httpNettyEmbedded}: the baseline, netty's {@code HttpRequestDecoder} and {@code HttpResponseDecoder}
 *     each in an {@code EmbeddedChannel} per connection, the same chunks written as {@code ByteBuf}s, the decoded
 *     messages read and released; one exchange per response {@code LastHttpContent}.</li>
 *   </ul></li>
 *   <li>Redis: every connection of the corpus capture {@code resp_1_benchmark.pcap} (redis-benchmark: 14
 *   connections, 15 commands) replayed {@value #REDIS_REPEAT} times per invocation; per command.</li>
 *   <li>DNS: the UDP flows of the corpus DNS captures ({@link #DNS_FILES}) replayed {@value #DNS_REPEAT} times per
 *   invocation; per DNS message (datagram), a record per query/response pair.</li>
 * </ul>
 *
 * <p>The setup replays everything once and checks the counts (all records {@code OK}), so the operation counts
 * below are what is parsed. Corpus folder: {@code -Dnetsieve.corpus=DIR} (default
 * {@code /work/shared/corpus/tcpdump-tests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class L7Benchmark {
    static final int HTTP_PACKETS = 150_000;
    static final int KEEPALIVE = 200;
    static final int HTTP_CONNECTIONS = 50;
    static final int HTTP_EXCHANGES = HTTP_CONNECTIONS * KEEPALIVE;
    static final int REDIS_COMMANDS_PER_PASS = 15;
    static final int REDIS_REPEAT = 200;
    static final int REDIS_COMMANDS = REDIS_COMMANDS_PER_PASS * REDIS_REPEAT;
    static final String[] DNS_FILES = {"dns_udp.pcap", "dns_udp_2.pcap", "dns_udp_8053.pcap", "dnssec.pcap",
        "edns-opts.pcap", "dns-badcookie.pcap", "dns_fwdptr.pcap", "dns-uri.pcap"};
    static final int DNS_MESSAGES_PER_PASS = 63; // datagrams of the UDP flows of DNS_FILES (31 records)
    static final int DNS_REPEAT = 100;
    static final int DNS_MESSAGES = DNS_MESSAGES_PER_PASS * DNS_REPEAT;

    // ---------------------------------------------------------------- recording

    /** One recorded handler call: data, gap, end or segment (close is {@link Conv#closeTs}). */
    static final class Call {
        static final int DATA = 0;
        static final int GAP = 1;
        static final int END = 2;
        static final int SEGMENT = 3;
        final int kind;
        boolean retransmission;
        int chunkId;
        final int dir;
        final byte[] bytes;
        final ByteBuffer buf;
        final long seq;
        final long length;
        final long ts;

        Call(int kind, int dir, byte[] bytes, long seq, long length, long ts) {
            this.kind = kind;
            this.dir = dir;
            this.bytes = bytes;
            this.buf = bytes == null ? null : ByteBuffer.wrap(bytes);
            this.seq = seq;
            this.length = length;
            this.ts = ts;
        }
    }

    /** One connection or UDP flow as L4 delivered it. */
    static final class Conv {
        final StreamInfo info;
        final boolean udp;
        final List<Call> calls = new ArrayList<>();
        long closeTs = Long.MIN_VALUE;
        int datagrams;

        Conv(StreamInfo info, boolean udp) {
            this.info = info;
            this.udp = udp;
        }
    }

    /** Runs {@code file} (at most {@code maxPackets}) through L4 and records each connection's handler calls. */
    static List<Conv> record(Path file, int maxPackets) throws IOException {
        List<Conv> convs = new ArrayList<>();
        StreamHandlerFactory streams = info -> {
            Conv c = new Conv(info, false);
            convs.add(c);
            return new StreamHandler() {
                @Override
                public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
                    byte[] b = new byte[length];
                    data.get(offset, b);
                    c.calls.add(new Call(Call.DATA, direction, b, seq, length, ts));
                }

                @Override
                public void onSegment(int direction, long seq, int length, boolean retransmission, int chunkId,
                                      long ts) {
                    Call k = new Call(Call.SEGMENT, direction, null, seq, length, ts);
                    k.retransmission = retransmission;
                    k.chunkId = chunkId;
                    c.calls.add(k);
                }

                @Override
                public void onGap(int direction, long seq, long length, long ts) {
                    c.calls.add(new Call(Call.GAP, direction, null, seq, length, ts));
                }

                @Override
                public void onEnd(int direction, long ts) {
                    c.calls.add(new Call(Call.END, direction, null, 0, 0, ts));
                }

                @Override
                public void onClose(long ts) {
                    c.closeTs = ts;
                }
            };
        };
        DatagramHandlerFactory datagrams = info -> {
            Conv c = new Conv(info, true);
            convs.add(c);
            return new DatagramHandler() {
                @Override
                public void onDatagram(int direction, ByteBuffer data, int offset, int length, int wireLength,
                                       long ts) {
                    byte[] b = new byte[length];
                    data.get(offset, b);
                    c.calls.add(new Call(Call.DATA, direction, b, wireLength, length, ts));
                    c.datagrams++;
                }

                @Override
                public void onClose(long ts) {
                    c.closeTs = ts;
                }
            };
        };
        L4Tracker l4 = L4Tracker.builder().listener(log -> { }).streams(streams).datagrams(datagrams).build();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket d = new DecodedPacket();
        int n = 0;
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            while (n < maxPackets && reader.next(view)) {
                decoder.decode(view, d);
                l4.onPacket(d);
                n++;
            }
        }
        l4.flush();
        return convs;
    }

    /** Replays one connection into a handler opened by {@code L7Tracker.streams()} / {@code datagrams()}. */
    static void replay(Conv c, L7Tracker tracker, long shift) {
        if (c.udp) {
            DatagramHandler h = tracker.datagrams().open(c.info);
            for (Call k : c.calls) {
                h.onDatagram(k.dir, k.buf, 0, k.bytes.length, (int) k.seq, k.ts + shift);
            }
            h.onClose(c.closeTs + shift);
            return;
        }
        StreamHandler h = tracker.streams().open(c.info);
        for (Call k : c.calls) {
            switch (k.kind) {
                case Call.DATA -> h.onData(k.dir, k.buf, 0, k.bytes.length, k.seq, k.ts + shift);
                case Call.SEGMENT -> h.onSegment(k.dir, k.seq, (int) k.length, k.retransmission, k.chunkId,
                        k.ts + shift);
                case Call.GAP -> h.onGap(k.dir, k.seq, k.length, k.ts + shift);
                default -> h.onEnd(k.dir, k.ts + shift);
            }
        }
        h.onClose(c.closeTs + shift);
    }

    /** Replays one connection straight into a parser of {@code protocol}, as the tracker's handler calls it. */
    static void replayParser(Conv c, L7Protocol protocol, CountingContext ctx, long shift) {
        ctx.replaying(c);
        L7Parser p = protocol.newParser(ctx);
        for (Call k : c.calls) {
            switch (k.kind) {
                case Call.DATA -> {
                    p.onData(k.dir, k.buf, 0, k.bytes.length, c.udp ? -1 : k.seq, k.ts + shift);
                    p.expire(k.ts + shift);
                }
                case Call.SEGMENT -> {
                    // handled by the tracker's connection handler (the L4 join), not by parsers
                }
                case Call.GAP -> p.onGap(k.dir, k.seq, k.length, k.ts + shift);
                default -> p.onEnd(k.dir, k.ts + shift);
            }
        }
        p.onClose(c.closeTs + shift);
    }

    /** A parser context that counts what is emitted (no {@code L7Log} built). */
    static final class CountingContext extends L7ContextBase {
        long ok;
        long other;

        CountingContext(L7Config config) {
            super(null, null, config);
        }

        void replaying(Conv c) {
            serve(c.info, c.udp ? Transport.UDP : Transport.TCP);
        }

        @Override
        public void emit(String l7Proto, L7Exchange exchange, L7Status status, HttpInfo http, DnsInfo dns,
                         Map<String, String> attributes, String l7TraceId) {
            if (status == L7Status.OK) {
                ok++;
            } else {
                other++;
            }
        }

        @Override
        public void reverseRoles() {
        }

        @Override
        public void countLostBytes(long bytes) {
        }

        @Override
        public void countLateResponse() {
        }

        @Override
        public void countPendingEvicted() {
        }
    }

    /** Records of one connection through a fresh tracker. */
    static List<L7Log> logsOf(Conv c) {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        replay(c, t, 0);
        return logs;
    }

    static Path corpus(String name) throws IOException {
        Path p = Path.of(System.getProperty("netsieve.corpus", "/work/shared/corpus/tcpdump-tests"), name);
        if (!Files.isRegularFile(p)) {
            throw new IOException(p + " not found; pass -Dnetsieve.corpus=DIR (the tcpdump-tests corpus folder)");
        }
        return p;
    }

    static long span(List<Conv> convs) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Conv c : convs) {
            for (Call k : c.calls) {
                min = Math.min(min, k.ts);
                max = Math.max(max, k.ts);
            }
            max = Math.max(max, c.closeTs);
        }
        return max - min + 60_000_000_000L;
    }

    // ---------------------------------------------------------------- states

    @State(Scope.Benchmark)
    public static class Http extends Replayed {
        /**
         * The page the connections ask for: {@code small.html} (600 B body). The capture's {@code page.html}
         * connections (4000 B) are not used: none of them has {@value #KEEPALIVE} exchanges in the first packets.
         */
        @Param({"small.html"})
        public String page;
        long ok;
        long other;
        long requestBytes;
        long responseBytes;

        /** The configuration of the tracker and parser columns. */
        L7Config config() {
            return L7Config.defaults();
        }

        /** A tracker of {@code config} whose listener counts into {@link #ok} / {@link #other}. */
        L7Tracker countingTracker(L7Config config) {
            return L7Tracker.builder().config(config).listener(log -> {
                if (log.status() == L7Status.OK) {
                    ok++;
                } else {
                    other++;
                }
            }).build();
        }

        @Setup(Level.Trial)
        public void load() throws Exception {
            List<Conv> all = record(BenchCapture.path(), HTTP_PACKETS);
            List<Conv> chosen = new ArrayList<>();
            for (Conv c : all) {
                if (c.udp || !c.info.handshakeSeen()) {
                    continue;
                }
                List<L7Log> logs = logsOf(c);
                boolean fits = logs.size() == KEEPALIVE;
                for (L7Log l : logs) {
                    fits &= l.status() == L7Status.OK && l.http() != null && "GET".equals(l.http().method())
                            && ("/" + page).equals(l.http().path()) && l.http().statusCode() == 200;
                }
                if (fits) {
                    chosen.add(c);
                }
            }
            if (chosen.isEmpty()) {
                throw new IllegalStateException("no connection with " + KEEPALIVE + " GET /" + page
                        + " exchanges in the first " + HTTP_PACKETS + " packets of " + BenchCapture.path());
            }
            for (int i = 0; i < HTTP_CONNECTIONS; i++) {
                convs.add(chosen.get(i % chosen.size()));
            }
            span = span(chosen);
            tracker = countingTracker(config());
            ctx = new CountingContext(config());
            for (Conv c : convs) {
                for (Call k : c.calls) {
                    if (k.kind == Call.DATA) {
                        if (k.dir == 0) {
                            requestBytes += k.bytes.length;
                        } else {
                            responseBytes += k.bytes.length;
                        }
                    }
                }
            }
            // check: one pass of each column gives HTTP_EXCHANGES OK exchanges and nothing else
            L7Tracker check = countingTracker(config());
            for (Conv c : convs) {
                replay(c, check, 0);
                replayParser(c, L7Registry.http1(), ctx, 0);
            }
            long netty = nettyPass(convs);
            if (ok != HTTP_EXCHANGES || other != 0 || ctx.ok != HTTP_EXCHANGES || ctx.other != 0
                    || netty != HTTP_EXCHANGES) {
                throw new IllegalStateException("check failed: tracker " + ok + " OK / " + other + ", parser "
                        + ctx.ok + " / " + ctx.other + ", netty " + netty + "; expected " + HTTP_EXCHANGES);
            }
            ok = 0;
            System.out.printf("%n[L7Benchmark] %s: %d distinct connections of %d exchanges (of %d connections in "
                    + "%d packets), %d per invocation; %.0f B request and %.0f B response stream per exchange%n",
                    page, chosen.size(), KEEPALIVE, all.size(), HTTP_PACKETS, HTTP_CONNECTIONS,
                    (double) requestBytes / HTTP_EXCHANGES, (double) responseBytes / HTTP_EXCHANGES);
        }
    }

    /**
     * {@link Http} with the HTTP/1 decoder as a parameter: {@code SCANNER} (the default, netsieve's head scanner) or
     * {@code NETTY} (every message on netty's decoders, {@link L7Config.Http1Decoder#NETTY}).
     */
    @State(Scope.Benchmark)
    public static class HttpDecoders extends Http {
        @Param({"SCANNER", "NETTY"})
        public String decoder;

        @Override
        L7Config config() {
            return L7Config.builder().http1Decoder(L7Config.Http1Decoder.valueOf(decoder)).build();
        }
    }

    /** The connections a state replays (per pass), its tracker and parser context. */
    abstract static class Replayed {
        List<Conv> convs = new ArrayList<>();
        long span;
        long shift;
        L7Tracker tracker;
        CountingContext ctx = new CountingContext(L7Config.defaults());
    }

    @State(Scope.Benchmark)
    public static class Redis extends Replayed {
        long ok;
        long other;

        @Setup(Level.Trial)
        public void load() throws Exception {
            convs = record(corpus("resp_1_benchmark.pcap"), Integer.MAX_VALUE);
            span = span(convs);
            tracker = L7Tracker.builder().listener(log -> {
                if (log.status() == L7Status.OK) {
                    ok++;
                } else {
                    other++;
                }
            }).build();
            for (Conv c : convs) {
                replay(c, tracker, -span);
                replayParser(c, L7Registry.redis(), ctx, 0);
            }
            if (ok != REDIS_COMMANDS_PER_PASS || other != 0 || ctx.ok != REDIS_COMMANDS_PER_PASS || ctx.other != 0) {
                throw new IllegalStateException("check failed: tracker " + ok + " / " + other + ", parser "
                        + ctx.ok + " / " + ctx.other + "; expected " + REDIS_COMMANDS_PER_PASS);
            }
            System.out.printf("%n[L7Benchmark] redis: %d connections, %d commands per pass%n", convs.size(), ok);
        }
    }

    @State(Scope.Benchmark)
    public static class Dns extends Replayed {
        long records;
        int messages;

        @Setup(Level.Trial)
        public void load() throws Exception {
            for (String f : DNS_FILES) {
                for (Conv c : record(corpus(f), Integer.MAX_VALUE)) {
                    if (c.udp) {
                        convs.add(c);
                        messages += c.datagrams;
                    }
                }
            }
            span = span(convs);
            tracker = L7Tracker.builder().listener(log -> records++).build();
            for (Conv c : convs) {
                replay(c, tracker, -span);
            }
            System.out.printf("%n[L7Benchmark] dns: %d UDP flows, %d messages, %d records (%d OK in the parser "
                    + "alone) per pass%n", convs.size(), messages, records, okOf(convs));
            if (messages != DNS_MESSAGES_PER_PASS) {
                throw new IllegalStateException("DNS_MESSAGES_PER_PASS is " + DNS_MESSAGES_PER_PASS + ", the files have "
                        + messages + " messages");
            }
        }

        long okOf(List<Conv> cs) {
            for (Conv c : cs) {
                replayParser(c, L7Registry.dns(), ctx, 0);
            }
            return ctx.ok;
        }
    }

    // ---------------------------------------------------------------- benchmarks

    @Benchmark
    @OperationsPerInvocation(HTTP_EXCHANGES)
    public long httpTracker(HttpDecoders s) {
        passes(s, 1, s.tracker, null, null);
        return s.ok;
    }

    @Benchmark
    @OperationsPerInvocation(HTTP_EXCHANGES)
    public long httpParser(HttpDecoders s) {
        passes(s, 1, null, L7Registry.http1(), s.ctx);
        return s.ctx.ok;
    }

    @Benchmark
    @OperationsPerInvocation(HTTP_EXCHANGES)
    public long httpNettyEmbedded(Http s) {
        return nettyPass(s.convs);
    }

    /** netty's decoders in EmbeddedChannels over the same chunks: the number of complete responses. */
    static long nettyPass(List<Conv> playlist) {
        long responses = 0;
        for (Conv c : playlist) {
            EmbeddedChannel req = new EmbeddedChannel(new HttpRequestDecoder());
            EmbeddedChannel resp = new EmbeddedChannel(new HttpResponseDecoder());
            for (Call k : c.calls) {
                if (k.kind != Call.DATA) {
                    continue;
                }
                EmbeddedChannel ch = k.dir == StreamHandler.CLIENT_TO_SERVER ? req : resp;
                ch.writeInbound(Unpooled.wrappedBuffer(k.bytes));
                Object m;
                while ((m = ch.readInbound()) != null) {
                    if (ch == resp && m instanceof LastHttpContent) {
                        responses++;
                    }
                    ReferenceCountUtil.release(m);
                }
            }
            req.finishAndReleaseAll();
            resp.finishAndReleaseAll();
        }
        return responses;
    }

    /**
     * Replays every connection of {@code s} {@code repeat} times: into {@code tracker}, or (null) into parsers of
     * {@code parser} with {@code ctx}.
     */
    static void passes(Replayed s, int repeat, L7Tracker tracker, L7Protocol parser, CountingContext ctx) {
        long shift = s.shift;
        for (int r = 0; r < repeat; r++) {
            for (Conv c : s.convs) {
                if (tracker != null) {
                    replay(c, tracker, shift);
                } else {
                    replayParser(c, parser, ctx, shift);
                }
            }
            shift += s.span;
        }
        s.shift = shift;
    }

    @Benchmark
    @OperationsPerInvocation(REDIS_COMMANDS)
    public long redisTracker(Redis s) {
        passes(s, REDIS_REPEAT, s.tracker, null, null);
        return s.ok;
    }

    @Benchmark
    @OperationsPerInvocation(REDIS_COMMANDS)
    public long redisParser(Redis s) {
        passes(s, REDIS_REPEAT, null, L7Registry.redis(), s.ctx);
        return s.ctx.ok;
    }

    @Benchmark
    @OperationsPerInvocation(DNS_MESSAGES)
    public long dnsTracker(Dns s) {
        passes(s, DNS_REPEAT, s.tracker, null, null);
        return s.records;
    }

    @Benchmark
    @OperationsPerInvocation(DNS_MESSAGES)
    public long dnsParser(Dns s) {
        passes(s, DNS_REPEAT, null, L7Registry.dns(), s.ctx);
        return s.ctx.ok;
    }

    /** Probe: prints the counts the constants above are set from. */
    public static void main(String[] args) throws Exception {
        Dns d = new Dns();
        try {
            d.load();
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
        }
        Redis r = new Redis();
        r.load();
        Http h = new Http();
        h.page = args.length > 0 ? args[0] : "small.html";
        h.load();
    }
}
