package io.netsieve.l7.internal.websocket;

import io.netsieve.l4.stream.StreamHandler;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Exchange;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Status;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the frames of a WebSocket connection (RFC 6455 framing: FIN, opcode, mask, 7/16/64-bit lengths), one
 * resumable reader per direction that keeps only counters (payloads are skipped, never copied), and emits one
 * {@code websocket} record for the connection when it closes: frames, messages (a data frame with FIN, or the
 * continuation that ends one), payload bytes per direction, pings, the close code. The record's request is what the
 * client sent (its first frame's seq and time), its response what the server sent. A gap (bytes not captured) ends
 * the reading of that direction: framing cannot be recovered; the loss is counted and flagged on the record.
 */
final class WebSocketParser implements L7Parser {
    private enum State { HEADER, PAYLOAD, LOST }

    private static final class Side {
        State state = State.HEADER;
        /** Header bytes gathered so far (at most 14: 2 + 8 length + 4 mask). */
        final byte[] header = new byte[14];
        int headerHave;
        long payloadLeft;
        long frames;
        long messages;
        long payloadBytes;
        long pings;
        long firstSeq = -1;
        long firstNanos = -1;
        long lastNanos = -1;
        long bytes;
    }

    private final L7Context ctx;
    private final Side[] sides = {new Side(), new Side()};
    private int closeCode = -1;
    private boolean emitted;

    WebSocketParser(L7Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long timestampNanos) {
        Side s = sides[direction];
        if (s.state == State.LOST || length <= 0) {
            return;
        }
        if (s.firstSeq < 0) {
            s.firstSeq = seq;
            s.firstNanos = timestampNanos;
        }
        s.lastNanos = timestampNanos;
        s.bytes += length;
        int at = offset;
        int end = offset + length;
        while (at < end) {
            if (s.state == State.PAYLOAD) {
                long take = Math.min(s.payloadLeft, end - at);
                at += (int) take;
                s.payloadLeft -= take;
                if (s.payloadLeft == 0) {
                    s.state = State.HEADER;
                }
                continue;
            }
            s.header[s.headerHave++] = data.get(at++);
            int need = headerLength(s);
            if (s.headerHave < need) {
                continue;
            }
            frame(s, data, at, end);
            s.headerHave = 0;
            s.state = s.payloadLeft > 0 ? State.PAYLOAD : State.HEADER;
        }
    }

    /** The full header length once its first two bytes are known (2 before). */
    private static int headerLength(Side s) {
        if (s.headerHave < 2) {
            return 2;
        }
        int len7 = s.header[1] & 0x7F;
        boolean masked = (s.header[1] & 0x80) != 0;
        return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
    }

    /** A frame header is complete: count it; the close code is read from the payload if it is in this segment. */
    private void frame(Side s, ByteBuffer data, int at, int end) {
        int opcode = s.header[0] & 0x0F;
        boolean fin = (s.header[0] & 0x80) != 0;
        int len7 = s.header[1] & 0x7F;
        long length;
        if (len7 == 126) {
            length = ((s.header[2] & 0xFFL) << 8) | (s.header[3] & 0xFFL);
        } else if (len7 == 127) {
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = (length << 8) | (s.header[i] & 0xFFL);
            }
            length &= Long.MAX_VALUE;
        } else {
            length = len7;
        }
        s.frames++;
        s.payloadBytes += length;
        s.payloadLeft = length;
        if (fin && opcode <= 2) {
            s.messages++; // a text/binary frame with FIN, or the continuation that ends a message
        } else if (opcode == 9) {
            s.pings++;
        } else if (opcode == 8 && closeCode < 0 && length >= 2 && end - at >= 2) {
            boolean masked = (s.header[1] & 0x80) != 0;
            int b0 = data.get(at) & 0xFF;
            int b1 = data.get(at + 1) & 0xFF;
            if (masked) {
                int maskAt = headerLength(s) - 4;
                b0 ^= s.header[maskAt] & 0xFF;
                b1 ^= s.header[maskAt + 1] & 0xFF;
            }
            closeCode = (b0 << 8) | b1;
        }
    }

    @Override
    public void onGap(int direction, long seq, long length, long timestampNanos) {
        Side s = sides[direction];
        if (s.state != State.LOST) {
            s.state = State.LOST;
        }
        ctx.countLostBytes(length);
    }

    @Override
    public void expire(long nowNanos) {
        // one record per connection, at its close
    }

    @Override
    public void onClose(long timestampNanos) {
        if (emitted) {
            return;
        }
        emitted = true;
        Side c = sides[StreamHandler.CLIENT_TO_SERVER];
        Side sv = sides[StreamHandler.SERVER_TO_CLIENT];
        if (c.firstSeq < 0 && sv.firstSeq < 0) {
            return; // nothing after the upgrade
        }
        L7Exchange x = new L7Exchange();
        if (c.firstSeq >= 0) {
            x.request(c.firstSeq, c.firstNanos, c.bytes);
            x.request(c.firstSeq, c.lastNanos, 0);
        }
        if (sv.firstSeq >= 0) {
            x.response(sv.firstSeq, sv.firstNanos, sv.bytes);
            x.response(sv.firstSeq, sv.lastNanos, 0);
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("ws_frames_c2s", Long.toString(c.frames));
        a.put("ws_frames_s2c", Long.toString(sv.frames));
        a.put("ws_messages_c2s", Long.toString(c.messages));
        a.put("ws_messages_s2c", Long.toString(sv.messages));
        a.put("ws_payload_bytes_c2s", Long.toString(c.payloadBytes));
        a.put("ws_payload_bytes_s2c", Long.toString(sv.payloadBytes));
        a.put("ws_pings", Long.toString(c.pings + sv.pings));
        if (closeCode >= 0) {
            a.put("ws_close_code", Integer.toString(closeCode));
        }
        if (c.state == State.LOST || sv.state == State.LOST) {
            a.put("ws_lost", "true");
        }
        ctx.emit("websocket", x, sv.firstSeq >= 0 ? L7Status.OK : L7Status.NO_RESPONSE, null, null, a, null);
    }
}
