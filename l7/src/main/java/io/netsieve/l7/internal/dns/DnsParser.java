package io.netsieve.l7.internal.dns;

import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.L7Context;
import io.netsieve.l7.L7Exchange;
import io.netsieve.l7.L7Parser;
import io.netsieve.l7.L7Status;
import io.netsieve.l7.Transport;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DNS of one UDP flow or TCP connection: queries wait by id for their response (several may be in flight, answered in
 * any order). Over TCP each direction is framed by its 2-byte length prefix with a resumable state machine; after a
 * gap the framer drops the partial message and takes the next delivered segment as the start of a message (clients
 * and servers write one message per segment), counting what it dropped.
 */
final class DnsParser implements L7Parser {
    private enum State { LENGTH, BODY, RESYNC }

    /** A query waiting for its response. */
    private record Pending(DnsMessage query, L7Exchange exchange) {
    }

    /** One TCP direction's framing. */
    private static final class Framer {
        State state = State.LENGTH;
        final byte[] lengthBytes = new byte[2];
        int lengthHave;
        byte[] body;
        int bodyHave;
        long firstSeq;
        long firstNanos;
        long lastNanos;
    }

    private final L7Context ctx;
    private final boolean tcp;
    private final Framer[] framers = {new Framer(), new Framer()};
    private final Map<Integer, Pending> pending = new LinkedHashMap<>();

    DnsParser(L7Context ctx) {
        this.ctx = ctx;
        this.tcp = ctx.transport() == Transport.TCP;
    }

    @Override
    public void onData(int direction, ByteBuffer data, int offset, int length, long seq, long ts) {
        if (!tcp) {
            byte[] b = new byte[length];
            data.get(offset, b);
            message(DnsReader.parse(b, 0, length), -1, ts, ts, length, direction);
            return;
        }
        Framer f = framers[direction];
        int p = offset;
        int end = offset + length;
        if (f.state == State.RESYNC) {
            f.state = State.LENGTH;
            f.lengthHave = 0;
        }
        while (p < end) {
            if (f.state == State.LENGTH) {
                if (f.lengthHave == 0) {
                    f.firstSeq = (seq + (p - offset)) & 0xffffffffL;
                    f.firstNanos = ts;
                }
                f.lengthBytes[f.lengthHave++] = data.get(p++);
                if (f.lengthHave == 2) {
                    int len = ((f.lengthBytes[0] & 0xff) << 8) | (f.lengthBytes[1] & 0xff);
                    f.body = new byte[len];
                    f.bodyHave = 0;
                    f.state = State.BODY;
                }
            }
            if (f.state == State.BODY) {
                int n = Math.min(end - p, f.body.length - f.bodyHave);
                data.get(p, f.body, f.bodyHave, n);
                f.bodyHave += n;
                p += n;
                f.lastNanos = ts;
                if (f.bodyHave == f.body.length) {
                    f.state = State.LENGTH;
                    f.lengthHave = 0;
                    byte[] body = f.body;
                    f.body = null;
                    message(DnsReader.parse(body, 0, body.length), f.firstSeq, f.firstNanos, f.lastNanos,
                            body.length + 2, direction);
                }
            }
        }
    }

    private boolean rolesDecided;

    private void message(DnsMessage m, long seq, long first, long last, long bytes, int direction) {
        if (!rolesDecided) {
            rolesDecided = true;
            // a flow picked up at a response (no query captured): L4 took the server for the client
            if (m.response() == (direction == 0) && !ctx.connection().handshakeSeen()) {
                ctx.reverseRoles();
            }
        }
        if (!m.response()) {
            L7Exchange x = new L7Exchange();
            x.request(seq, first, 0);
            x.request(seq, last, bytes);
            if (m.malformed() != null && m.id() < 0) {
                ctx.emit(x, L7Status.REQUEST_MALFORMED, null, info(m, null), null, traceId(m, null));
                return;
            }
            if (pending.containsKey(m.id())) {
                // a retransmitted query (same id): the first one is what the response answers
                return;
            }
            if (pending.size() >= ctx.config().maxPendingPerConnection()) {
                Iterator<Pending> it = pending.values().iterator();
                it.next();
                it.remove();
                ctx.countPendingEvicted();
            }
            pending.put(m.id(), new Pending(m, x));
            return;
        }
        Pending q = pending.remove(m.id());
        L7Exchange x = q != null ? q.exchange : new L7Exchange();
        x.response(seq, first, 0);
        x.response(seq, last, bytes);
        L7Status status = q == null ? L7Status.NO_REQUEST
                : q.query.malformed() != null ? L7Status.REQUEST_MALFORMED
                : m.malformed() != null ? L7Status.RESPONSE_MALFORMED : L7Status.OK;
        ctx.emit(x, status, null, info(q == null ? null : q.query, m), null, traceId(q == null ? m : q.query, m));
    }

    private static DnsInfo info(DnsMessage query, DnsMessage response) {
        DnsMessage names = response != null && response.queryName() != null ? response
                : query != null ? query : response;
        String malformed = query != null && query.malformed() != null ? "query: " + query.malformed()
                : response != null && response.malformed() != null ? "response: " + response.malformed() : null;
        DnsMessage any = response != null ? response : query;
        return new DnsInfo(any.id(), names.queryName(), names.queryType(), names.queryClass(), any.flags(),
                response != null ? response.rcode() : -1, response != null ? response.extendedRcode() : -1,
                response != null ? response.answers() : null, malformed);
    }

    /** On UDP, the id and name (unchanged by NAT on every hop); on TCP the default seq-based id. */
    private String traceId(DnsMessage query, DnsMessage response) {
        if (tcp) {
            return null;
        }
        DnsMessage m = query != null ? query : response;
        String name = m.queryName() != null ? m.queryName() : response != null ? response.queryName() : null;
        return m.id() + "_" + name;
    }

    @Override
    public void onGap(int direction, long seq, long length, long ts) {
        if (!tcp) {
            return;
        }
        Framer f = framers[direction];
        long dropped = f.state == State.BODY ? f.bodyHave + 2 : f.lengthHave;
        ctx.countLostBytes(dropped);
        f.body = null;
        f.bodyHave = 0;
        f.lengthHave = 0;
        f.state = State.RESYNC;
    }

    @Override
    public void expire(long now) {
        if (pending.isEmpty()) {
            return;
        }
        long timeout = ctx.config().responseTimeoutNanos();
        Iterator<Pending> it = pending.values().iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (now - p.exchange.requestStartNanos() < timeout) {
                break; // insertion order is time order
            }
            it.remove();
            noResponse(p);
        }
    }

    @Override
    public void onClose(long ts) {
        for (Pending p : pending.values()) {
            noResponse(p);
        }
        pending.clear();
    }

    private void noResponse(Pending p) {
        ctx.emit(p.exchange, p.query.malformed() != null ? L7Status.REQUEST_MALFORMED : L7Status.NO_RESPONSE, null,
                info(p.query, null), null, traceId(p.query, null));
    }
}
