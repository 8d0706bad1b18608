package io.netsieve.l7.internal.redis;

import io.netsieve.l7.Detection;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Protocol;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Set;

/**
 * Redis RESP2/RESP3 over TCP, any port: a client direction that starts with a command array ({@code *<n>\r\n$})
 * or an inline command line whose first word is a common Redis command.
 */
public final class RedisProtocol implements L7Protocol {
    public static final RedisProtocol INSTANCE = new RedisProtocol();
    private static final int[] PORTS = {6379, 6380, 26379};
    private static final Set<String> INLINE = Set.of("PING", "SET", "GET", "DEL", "INCR", "DECR", "EXISTS",
            "EXPIRE", "TTL", "KEYS", "LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE", "SADD", "SPOP", "SMEMBERS", "HSET",
            "HGET", "HGETALL", "MSET", "MGET", "INFO", "AUTH", "SELECT", "HELLO", "QUIT", "FLUSHALL", "FLUSHDB",
            "ECHO", "CONFIG", "CLIENT", "COMMAND", "SCAN", "TYPE", "SUBSCRIBE", "PUBLISH", "MULTI", "EXEC");

    private RedisProtocol() {
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public boolean supports(Transport transport) {
        return transport == Transport.TCP;
    }

    @Override
    public int[] portHints() {
        return PORTS.clone();
    }

    @Override
    public Detection detect(Transport transport, int direction, ByteBuffer data, int offset, int length) {
        if (direction != 0 || length == 0) {
            return Detection.NO_MATCH;
        }
        if (data.get(offset) == '*') {
            // *<digits>\r\n$
            int i = 1;
            while (i < length && i < 12 && Character.isDigit(data.get(offset + i))) {
                i++;
            }
            if (i == length) {
                return Detection.NEED_MORE;
            }
            if (i == 1 || data.get(offset + i) != '\r') {
                return Detection.NO_MATCH;
            }
            if (length < i + 3) {
                return Detection.NEED_MORE;
            }
            return data.get(offset + i + 1) == '\n' && data.get(offset + i + 2) == '$'
                    ? Detection.MATCH : Detection.NO_MATCH;
        }
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < Math.min(length, 16); i++) {
            char c = (char) (data.get(offset + i) & 0xff);
            if (c == ' ' || c == '\r' || c == '\n') {
                return INLINE.contains(word.toString().toUpperCase(Locale.ROOT)) ? Detection.MATCH
                        : Detection.NO_MATCH;
            }
            if (!Character.isLetter(c)) {
                return Detection.NO_MATCH;
            }
            word.append(c);
        }
        return length < 16 ? Detection.NEED_MORE : Detection.NO_MATCH;
    }

    @Override
    public L7Parser newParser(L7Context context) {
        return new RedisParser(context);
    }
}
