package io.netsieve.l7.http2;

import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import io.netsieve.l7.Captures;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An h2c conversation encoded by netty's own HTTP/2 frame writer and HPACK encoder (client and server, dynamic
 * tables in use), written as a TCP capture with arbitrary segment boundaries, then read by netsieve through L4 and
 * L7 and by tshark ({@code -d tcp.port==8080,http2}: {@code http2.header.name/value} of :method, :path, :status):
 * every stream is one record with tshark's method, path and status; gRPC, RST_STREAM and GOAWAY end as expected.
 */
class Http2CaptureTest {
    private static final int CLIENT_ISN = 1000;
    private static final int SERVER_ISN = 500_000;

    /** Frames written by one side's netty writer (one HPACK encoder per side, as on a real connection). */
    static final class Writer {
        final EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        final ChannelHandlerContext ctx = ch.pipeline().firstContext();
        final DefaultHttp2FrameWriter w = new DefaultHttp2FrameWriter();

        byte[] drain() {
            ch.flushOutbound();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object o; (o = ch.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                byte[] a = new byte[b.readableBytes()];
                b.readBytes(a);
                b.release();
                out.writeBytes(a);
            }
            return out.toByteArray();
        }
    }

    record Piece(int direction, byte[] bytes) {
    }

    static List<Piece> conversation() {
        Writer c = new Writer();
        Writer s = new Writer();
        List<Piece> pieces = new ArrayList<>();
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        first.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.w.writeSettings(c.ctx, new Http2Settings(), c.ctx.newPromise());
        c.w.writeHeaders(c.ctx, 1, new DefaultHttp2Headers().method("GET").path("/a?x=1").scheme("http")
                .authority("example.com").add("user-agent", "t/2").add("authorization", "secret"), 0, true,
                c.ctx.newPromise());
        first.writeBytes(c.drain());
        pieces.add(new Piece(0, first.toByteArray()));
        s.w.writeSettings(s.ctx, new Http2Settings(), s.ctx.newPromise());
        s.w.writeSettingsAck(s.ctx, s.ctx.newPromise());
        pieces.add(new Piece(1, s.drain()));
        c.w.writeSettingsAck(c.ctx, c.ctx.newPromise());
        c.w.writeHeaders(c.ctx, 3, new DefaultHttp2Headers().method("POST").path("/helloworld.Greeter/SayHello")
                .scheme("http").authority("example.com").add("content-type", "application/grpc")
                .add("te", "trailers"), 0, false, c.ctx.newPromise());
        c.w.writeData(c.ctx, 3, Unpooled.wrappedBuffer(new byte[10]), 0, true, c.ctx.newPromise());
        c.w.writeHeaders(c.ctx, 5, new DefaultHttp2Headers().method("GET").path("/reset").scheme("http")
                .authority("example.com"), 0, true, c.ctx.newPromise());
        c.w.writeHeaders(c.ctx, 7, new DefaultHttp2Headers().method("GET").path("/never").scheme("http")
                .authority("example.com"), 0, true, c.ctx.newPromise());
        pieces.add(new Piece(0, c.drain()));
        s.w.writeHeaders(s.ctx, 3, new DefaultHttp2Headers().status("200").add("content-type", "application/grpc"),
                0, false, s.ctx.newPromise());
        s.w.writeData(s.ctx, 3, Unpooled.wrappedBuffer(new byte[7]), 0, false, s.ctx.newPromise());
        s.w.writeHeaders(s.ctx, 3, new DefaultHttp2Headers().add("grpc-status", "0").add("grpc-message", "ok"), 0,
                true, s.ctx.newPromise());
        s.w.writeHeaders(s.ctx, 1, new DefaultHttp2Headers().status("404").add("content-type", "text/plain"), 0,
                true, s.ctx.newPromise());
        s.w.writeRstStream(s.ctx, 5, Http2Error.CANCEL.code(), s.ctx.newPromise());
        s.w.writeGoAway(s.ctx, 5, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, s.ctx.newPromise());
        pieces.add(new Piece(1, s.drain()));
        return pieces;
    }

    /** A classic pcap of an IPv4 TCP connection carrying {@code pieces}, each cut into {@code mss}-byte segments. */
    static void writePcap(Path file, List<Piece> pieces, int mss) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0xa1b2c3d4);
        out.writeShort(2);
        out.writeShort(4);
        out.writeInt(0);
        out.writeInt(0);
        out.writeInt(65535);
        out.writeInt(1);
        long[] seq = {CLIENT_ISN, SERVER_ISN};
        long[] time = {1_700_000_000_000_000L}; // µs
        packet(out, time, 0, seq[0], 0, 0x02, new byte[0], 0, 0);
        seq[0]++;
        packet(out, time, 1, seq[1], seq[0], 0x12, new byte[0], 0, 0);
        seq[1]++;
        packet(out, time, 0, seq[0], seq[1], 0x10, new byte[0], 0, 0);
        for (Piece p : pieces) {
            for (int at = 0; at < p.bytes.length; at += mss) {
                int n = Math.min(mss, p.bytes.length - at);
                packet(out, time, p.direction, seq[p.direction], seq[1 - p.direction], 0x18, p.bytes, at, n);
                seq[p.direction] += n;
            }
        }
        out.flush();
        Files.write(file, bytes.toByteArray());
    }

    /**
     * HTTP/1.1 upgrade to h2c (RFC 7540 §3.2): the upgrade request becomes stream 1, answered in HTTP/2 after the
     * 101; a second request on stream 3. tshark follows the upgrade itself.
     */
    @Test
    void upgradeFromHttp1MatchesTshark(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tshark");
        Writer c = new Writer();
        Writer s = new Writer();
        List<Piece> pieces = new ArrayList<>();
        pieces.add(new Piece(0, ("GET /up?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        ByteArrayOutputStream switching = new ByteArrayOutputStream();
        switching.writeBytes("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        s.w.writeSettings(s.ctx, new Http2Settings(), s.ctx.newPromise());
        s.w.writeHeaders(s.ctx, 1, new DefaultHttp2Headers().status("200").add("content-type", "text/plain"), 0,
                false, s.ctx.newPromise());
        s.w.writeData(s.ctx, 1, Unpooled.wrappedBuffer(new byte[5]), 0, true, s.ctx.newPromise());
        switching.writeBytes(s.drain());
        pieces.add(new Piece(1, switching.toByteArray()));
        ByteArrayOutputStream preface = new ByteArrayOutputStream();
        preface.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.w.writeSettings(c.ctx, new Http2Settings(), c.ctx.newPromise());
        c.w.writeSettingsAck(c.ctx, c.ctx.newPromise());
        c.w.writeHeaders(c.ctx, 3, new DefaultHttp2Headers().method("GET").path("/second").scheme("http")
                .authority("example.com"), 0, true, c.ctx.newPromise());
        preface.writeBytes(c.drain());
        pieces.add(new Piece(0, preface.toByteArray()));
        s.w.writeSettingsAck(s.ctx, s.ctx.newPromise());
        s.w.writeHeaders(s.ctx, 3, new DefaultHttp2Headers().status("204"), 0, true, s.ctx.newPromise());
        pieces.add(new Piece(1, s.drain()));
        for (int mss : new int[] {1400, 1, 50}) {
            Path file = tmp.resolve("up-" + mss + ".pcap");
            writePcap(file, pieces, mss);
            Captures.Run run = Captures.run(file);
            List<String> ours = new ArrayList<>();
            for (L7Log l : run.logs()) {
                ours.add(l.l7Proto() + " " + l.http().version() + " " + l.http().method() + " " + l.http().path() + " "
                        + l.http().statusCode() + " " + l.status());
            }
            assertEquals(List.of("http HTTP/1.1 GET /up 101 OK", "http2 HTTP/2 GET /up 200 OK",
                            "http2 HTTP/2 GET /second 204 OK"),
                    ours, "mss " + mss);
            assertEquals(5, run.logs().get(1).http().respBodyBytes());
            assertEquals(CLIENT_ISN + 1, run.logs().get(1).reqSeq(), "stream 1 is the upgrade request");
            if (mss == 1400) {
                Map<String, Map<String, String>> tshark = tsharkStreams(file, false);
                assertEquals("200", tshark.get("1").get(":status"));
                assertEquals("/second", tshark.get("3").get(":path"));
                assertEquals("204", tshark.get("3").get(":status"));
            }
        }
    }

    /** Segment boundaries tshark cannot follow (it loses the frames): ours stay those of whole segments. */
    @Test
    void anySegmentationGivesTheSameRecords(@TempDir Path tmp) throws Exception {
        List<Piece> pieces = conversation();
        List<String> whole = null;
        for (int mss : new int[] {1400, 1, 7, 13, 333}) {
            Path file = tmp.resolve("seg-" + mss + ".pcap");
            writePcap(file, pieces, mss);
            List<String> texts = new ArrayList<>();
            for (L7Log l : Captures.run(file).logs()) {
                texts.add(l.status() + " " + l.l7TraceId() + " " + l.reqBytes() + " " + l.respBytes() + " " + l.http()
                        + " " + new TreeMap<>(l.attributes()));
            }
            if (whole == null) {
                whole = texts;
                assertEquals(4, whole.size());
            } else {
                assertEquals(whole, texts, "mss " + mss);
            }
        }
    }

    /** The preface followed by garbage frames: the connection is given up with counted outcomes, no exception. */
    @Test
    void garbageAfterThePrefaceIsCounted() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(2);
        for (int round = 0; round < 200; round++) {
            List<L7Log> logs = new ArrayList<>();
            io.netsieve.l7.L7Tracker t = io.netsieve.l7.L7Tracker.builder().listener(logs::add).build();
            io.netsieve.l4.stream.StreamHandler h = t.streams().open(
                    new io.netsieve.l4.stream.StreamInfo(0, "a", 1, "b", 80, true, "x"));
            List<Piece> pieces = conversation();
            long[] seq = {1, 1};
            for (Piece p : pieces) {
                byte[] b = p.bytes.clone();
                for (int k = 0; k < 3; k++) {
                    int at = random.nextInt(b.length);
                    if (p.direction == 1 || at >= 24) {
                        b[at] = (byte) random.nextInt(256);
                    }
                }
                h.onData(p.direction, java.nio.ByteBuffer.wrap(b), 0, b.length, seq[p.direction], 1);
                seq[p.direction] += b.length;
            }
            h.onClose(2);
            io.netsieve.l7.L7Stats st = t.stats();
            assertEquals(0, st.parserFailures(), st.toString());
            assertEquals(st.records(), logs.size());
            assertEquals(st.records(), st.ok() + st.noResponse() + st.requestMalformed() + st.responseMalformed()
                    + st.noRequest());
        }
    }

    private static void packet(DataOutputStream out, long[] time, int dir, long seq, long ack, int flags,
                               byte[] data, int from, int n) throws Exception {
        time[0] += 137;
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(f);
        byte[] a = {2, 0, 0, 0, 0, 1};
        byte[] b = {2, 0, 0, 0, 0, 2};
        d.write(dir == 0 ? b : a);
        d.write(dir == 0 ? a : b);
        d.writeShort(0x0800);
        int total = 20 + 20 + n;
        byte[] ip = new byte[20];
        ip[0] = 0x45;
        ip[2] = (byte) (total >> 8);
        ip[3] = (byte) total;
        ip[6] = 0x40;
        ip[8] = 64;
        ip[9] = 6;
        byte[] src = {10, 0, 0, (byte) (dir == 0 ? 1 : 2)};
        byte[] dst = {10, 0, 0, (byte) (dir == 0 ? 2 : 1)};
        System.arraycopy(src, 0, ip, 12, 4);
        System.arraycopy(dst, 0, ip, 16, 4);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((ip[i] & 0xff) << 8) | (ip[i + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
        ip[10] = (byte) (sum >> 8);
        ip[11] = (byte) sum;
        d.write(ip);
        d.writeShort(dir == 0 ? 40000 : 8080);
        d.writeShort(dir == 0 ? 8080 : 40000);
        d.writeInt((int) seq);
        d.writeInt((int) ack);
        d.writeByte(5 << 4);
        d.writeByte(flags);
        d.writeShort(65535);
        d.writeShort(0);
        d.writeShort(0);
        d.write(data, from, n);
        byte[] frame = f.toByteArray();
        out.writeInt((int) (time[0] / 1_000_000));
        out.writeInt((int) (time[0] % 1_000_000));
        out.writeInt(frame.length);
        out.writeInt(frame.length);
        out.write(frame);
    }

    @Test
    void streamsMatchTshark(@TempDir Path tmp) throws Exception {
        Prerequisites.requireCommand("tshark");
        List<Piece> pieces = conversation();
        for (int mss : new int[] {1400, 100}) {
            Path file = tmp.resolve("h2c-" + mss + ".pcap");
            writePcap(file, pieces, mss);
            Map<String, Map<String, String>> tshark = tsharkStreams(file);
            Captures.Run run = Captures.run(file);
            Map<String, Map<String, String>> ours = new TreeMap<>();
            Map<Integer, L7Log> byPath = new HashMap<>();
            for (L7Log l : run.logs()) {
                assertEquals(l.http().path().startsWith("/helloworld.") ? "grpc" : "http2", l.l7Proto());
                Map<String, String> m = new TreeMap<>();
                m.put(":method", l.http().method());
                m.put(":path", l.http().path() + (l.http().query() == null ? "" : "?" + l.http().query()));
                m.put(":authority", l.http().host());
                m.put(":scheme", "http");
                if (l.status() == L7Status.OK) {
                    m.put(":status", String.valueOf(l.http().statusCode()));
                }
                int id = (int) ((l.reqSeq() - CLIENT_ISN) & 0xffffffffL);
                byPath.put(id, l);
                ours.put(l.http().path(), m);
            }
            Map<String, Map<String, String>> tsharkByPath = new TreeMap<>();
            for (Map<String, String> m : tshark.values()) {
                String path = m.get(":path");
                tsharkByPath.put(path.contains("?") ? path.substring(0, path.indexOf('?')) : path, m);
            }
            assertEquals(tsharkByPath, ours, "mss " + mss);
            assertEquals(4, run.logs().size());
            L7Log grpc = run.logs().stream().filter(l -> "/helloworld.Greeter/SayHello".equals(l.http().path()))
                    .findFirst().orElseThrow();
            assertEquals("helloworld.Greeter", grpc.attributes().get("grpc_service"));
            assertEquals("SayHello", grpc.attributes().get("grpc_method"));
            assertEquals("0", grpc.attributes().get("grpc_status"));
            assertEquals("ok", grpc.attributes().get("grpc_message"));
            assertEquals(10, grpc.http().reqBodyBytes());
            assertEquals(7, grpc.http().respBodyBytes());
            L7Log reset = run.logs().stream().filter(l -> "/reset".equals(l.http().path())).findFirst().orElseThrow();
            assertEquals(L7Status.NO_RESPONSE, reset.status());
            assertEquals("8", reset.attributes().get("http2_rst_error"));
            L7Log never = run.logs().stream().filter(l -> "/never".equals(l.http().path())).findFirst().orElseThrow();
            assertEquals(L7Status.NO_RESPONSE, never.status());
            assertEquals("0", never.attributes().get("http2_goaway"));
            L7Log a = run.logs().stream().filter(l -> "/a".equals(l.http().path())).findFirst().orElseThrow();
            assertTrue(a.http().headers().containsKey("user-agent"));
            assertTrue(!a.http().headers().containsKey("authorization"));
            System.out.println("[http2] mss " + mss + ": " + run.logs().size() + " streams as tshark; " + run.stats());
        }
    }

    /**
     * tshark's HEADERS frames (PDML: each {@code http2.stream} with its {@code http2.streamid}, {@code http2.type}
     * and decoded {@code http2.header.name/value}): per stream id, the pseudo-headers of request and response.
     */
    static Map<String, Map<String, String>> tsharkStreams(Path file) throws Exception {
        return tsharkStreams(file, true);
    }

    /** As above; {@code priorKnowledge} false lets tshark follow an HTTP/1.1 upgrade to h2c on its own. */
    static Map<String, Map<String, String>> tsharkStreams(Path file, boolean priorKnowledge) throws Exception {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        if (priorKnowledge) {
            command.addAll(List.of("-d", "tcp.port==8080,http2"));
        }
        command.addAll(List.of("-Y", "http2.type == 1", "-T", "pdml"));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String xml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        // one field per line in PDML; a frame starts at its http2.stream field
        java.util.regex.Pattern field = java.util.regex.Pattern.compile("<field name=\"([^\"]+)\".*? show=\"([^\"]*)\"");
        Map<String, Map<String, String>> streams = new TreeMap<>();
        String id = null;
        String type = null;
        String name = null;
        Map<String, String> headers = new TreeMap<>();
        List<String> lines = new ArrayList<>(List.of(xml.split("\n")));
        lines.add("<field name=\"http2.stream\" show=\"\""); // ends the last frame
        for (String line : lines) {
            java.util.regex.Matcher m = field.matcher(line);
            if (!m.find()) {
                continue;
            }
            String value = m.group(2).replace("&quot;", "\"").replace("&amp;", "&");
            switch (m.group(1)) {
                case "http2.stream" -> {
                    if ("1".equals(type) && id != null) {
                        streams.computeIfAbsent(id, k -> new TreeMap<>()).putAll(headers);
                    }
                    id = null;
                    type = null;
                    headers = new TreeMap<>();
                }
                case "http2.streamid" -> id = value;
                case "http2.type" -> type = value;
                case "http2.header.name" -> name = value;
                case "http2.header.value" -> {
                    if (name != null && name.startsWith(":")) {
                        headers.put(name, value);
                    }
                    name = null;
                }
                default -> {
                }
            }
        }
        return streams;
    }
}
