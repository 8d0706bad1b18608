package io.netsieve.l7.redis;

import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l4.stream.StreamInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.L7Tracker;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RESP framing: RESP3 replies, errors, pipelining, any segmentation, bad framing. */
class RedisParserTest {
    private static final String CLIENT = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
            + "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
            + "*1\r\n$5\r\nHELLO\r\n"
            + "*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n"
            + "*1\r\n$4\r\nPING\r\n";
    private static final String SERVER = "+OK\r\n"
            + "$5\r\nhello\r\n"
            + "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n"
            + ">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n" // a push between replies: not an answer
            + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            + "|1\r\n+ttl\r\n:3600\r\n+PONG\r\n"; // an attribute, then the reply it describes

    private static List<L7Log> feed(SplittableRandom random) {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 5000, "198.18.0.2", 7000, true, "r"));
        send(h, 0, CLIENT, 100, random);
        send(h, 1, SERVER, 700, random);
        h.onClose(1);
        return logs;
    }

    private static void send(StreamHandler h, int dir, String s, long seq, SplittableRandom random) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        int at = 0;
        while (at < b.length) {
            int n = random == null ? b.length : 1 + random.nextInt(b.length - at);
            h.onData(dir, ByteBuffer.wrap(b), at, n, seq + at, at);
            at += n;
        }
    }

    @Test
    void pipelinedResp3RepliesOnAnyPort() {
        List<L7Log> logs = feed(null);
        assertEquals(5, logs.size(), logs.toString());
        String[][] want = {{"SET", "2", "simple_string"}, {"GET", "1", "bulk_string"}, {"HELLO", "0", "map"},
                {"LLEN", "1", "error"}, {"PING", "0", "simple_string"}};
        for (int i = 0; i < want.length; i++) {
            L7Log l = logs.get(i);
            assertEquals("redis", l.l7Proto());
            assertEquals(L7Status.OK, l.status());
            assertEquals(want[i][0], l.attributes().get("redis_command"));
            assertEquals(want[i][1], l.attributes().get("redis_args"));
            assertEquals(want[i][2], l.attributes().get("redis_reply_type"), l.toString());
        }
        assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value",
                logs.get(3).attributes().get("redis_error"));
        assertEquals("100_700", logs.get(0).l7TraceId());
        assertTrue(logs.get(0).attributes().values().stream().noneMatch(v -> v.contains("hello")),
                "argument values are not stored");
    }

    @Test
    void segmentationDoesNotChangeRecords() {
        List<String> whole = texts(feed(null));
        SplittableRandom seeds = new SplittableRandom(6379);
        for (int i = 0; i < 300; i++) {
            long seed = seeds.nextLong();
            assertEquals(whole, texts(feed(new SplittableRandom(seed))), "seed " + seed);
        }
    }

    private static List<String> texts(List<L7Log> logs) {
        List<String> t = new ArrayList<>();
        for (L7Log l : logs) {
            t.add(l.status() + " " + l.l7TraceId() + " " + l.reqBytes() + " " + l.respBytes() + " "
                    + new java.util.TreeMap<>(l.attributes()));
        }
        return t;
    }

    @Test
    void badFramingIsCountedAndReadingResumes() {
        List<L7Log> logs = new ArrayList<>();
        L7Tracker t = L7Tracker.builder().listener(logs::add).build();
        StreamHandler h = t.streams().open(new StreamInfo(0, "198.18.0.1", 5000, "198.18.0.2", 6379, true, "r"));
        send(h, 0, "*1\r\n$4\r\nPING\r\n", 1, null);
        send(h, 1, "$zz\r\n", 1, null); // a bad bulk length
        send(h, 0, "*1\r\n$4\r\nPING\r\n", 15, null);
        send(h, 1, "+PONG\r\n", 6, null); // a new segment: read again
        h.onClose(2);
        assertEquals(2, logs.size(), logs.toString());
        assertEquals(L7Status.RESPONSE_MALFORMED, logs.get(0).status());
        assertEquals(L7Status.OK, logs.get(1).status());
        assertEquals(1, t.stats().responseMalformed());
    }
}
