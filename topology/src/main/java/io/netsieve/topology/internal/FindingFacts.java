package io.netsieve.topology.internal;

import io.netsieve.core.nic.Nic;
import io.netsieve.core.packet.TcpView;
import io.netsieve.l4.Direction;
import io.netsieve.l4.L4Log;
import io.netsieve.l4.PacketSeries;
import io.netsieve.l4.TcpAnalysisFlag;
import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;
import io.netsieve.topology.EvidenceRef;

import java.util.Locale;
import java.util.Objects;

/**
 * What the findings keep of a record: small immutable facts and the record's reference, never the record itself
 * (an L4 record's packet series may be lent only for the listener call).
 */
public final class FindingFacts {
    private FindingFacts() {
    }

    /**
     * An L4 record as the findings see it.
     *
     * @param ref          the record
     * @param timeNanos    its first packet
     * @param endNanos     its last packet
     * @param direction    the connection's direction on this capture point ({@code INCOMING}: this is the server's
     *                     own NIC)
     * @param client       {@code client_ip:client_port}
     * @param server       {@code server_ip:server_port}
     * @param src          the local side, {@code src_ip:src_port}
     * @param dst          the remote side
     * @param nicTraceId   {@code nic_traceid}
     * @param connState    Zeek {@code conn_state}
     * @param history      Zeek {@code history}
     * @param lastChunk    the connection ended with this chunk
     * @param evicted      the connection was evicted before its end
     * @param packets      packets of the chunk
     * @param retrans      packets flagged as retransmissions (plain, fast, spurious) without SYN: a handshake's
     *                     retransmissions belong to the connection timeout, not to the transfer
     * @param syns         packets with SYN and without ACK
     * @param lost         packets flagged {@code lost_segment}
     * @param zeroWindowTx packets flagged {@code zero_window} sent by {@code src}
     * @param zeroWindowRx packets flagged {@code zero_window} sent by {@code dst}
     * @param icmpErrors   ICMP errors quoting the flow
     * @param icmpLastError the last of them
     * @param rstAfterNanos first RST after the chunk's first packet, ns (-1 without RST)
     * @param tcpRtt       {@code tcp_rtt}, ms (-1 unmeasured)
     */
    public record L4Fact(EvidenceRef.L4 ref, long timeNanos, long endNanos, Direction direction, String client,
                         String server, String src, String dst, String nicTraceId, String connState, String history,
                         boolean lastChunk, boolean evicted, long packets, long retrans, int syns, int lost,
                         int zeroWindowTx, int zeroWindowRx, int icmpErrors, String icmpLastError,
                         long rstAfterNanos, double tcpRtt) {

        /** One connection across capture points: {@code nic_traceid} when the SYN was seen, else this record's. */
        public String connectionKey() {
            return nicTraceId.equals("0_0") ? "c|" + ref.capturePoint().id() + "|" + ref.innerTraceId()
                    : "n|" + nicTraceId;
        }

        /** Key of the connection on this capture point (joins its L4 and L7 records). */
        public String localKey() {
            return connectionOnPoint(ref.capturePoint(), ref.innerTraceId());
        }
    }

    /**
     * An exchange on one capture point, for the evidence of the connection it went over. The index keeps one per
     * exchange (up to 256 per connection; on a bulk capture every exchange until the end), so it is kept small: the
     * record's reference is rebuilt when asked for, its {@code l7_traceid} kept as the two seqs it names
     * ({@code "<req_seq>_<resp_seq>"}) when it is that, and its path as described at {@link #path}.
     */
    public static final class ExchangeNote {
        private final EvidenceRef.CapturePoint point;
        private final String innerTraceId;
        /** The {@code l7_traceid}, or null when it is {@code seqA + "_" + seqB}. */
        private final String traceIdText;
        private final long seqA;
        private final long seqB;
        /**
         * Its path: null, the {@link EvidenceRef.Path}, or — when the path is named after this very record (its
         * key {@code <l7_traceid>|<rest>}, its trace id and capture point this record's, as for every exchange seen
         * on one capture point) — only the key's rest, shared: a path reference with its key string was ~110 B.
         */
        private final Object path;
        private final long pathTimeNanos;
        private final String label;
        private final long retrans;
        private final L7Status status;
        private final int chunkIdMin;
        private final int chunkIdMax;

        public ExchangeNote(EvidenceRef.L7 ref, EvidenceRef.Path path, String label, long retrans, L7Status status,
                            int chunkIdMin, int chunkIdMax) {
            this(ref.capturePoint(), ref.innerTraceId(), ref.l7TraceId(), path, label, retrans, status, chunkIdMin,
                    chunkIdMax);
        }

        /** The note of the record {@code (point, innerTraceId, id)}: {@link EvidenceRef.L7}'s parts. */
        ExchangeNote(EvidenceRef.CapturePoint point, String innerTraceId, String id, EvidenceRef.Path path,
                     String label, long retrans, L7Status status, int chunkIdMin, int chunkIdMax) {
            this.point = Objects.requireNonNull(point, "point");
            this.innerTraceId = Objects.requireNonNull(innerTraceId, "innerTraceId");
            // seqsSeparator and digits in one pass: the text is read once
            int n = Objects.requireNonNull(id, "l7TraceId").length();
            int sep = -1;
            long a = 0;
            long b = 0;
            for (int i = 0; i < n; i++) {
                char c = id.charAt(i);
                if (c >= '0' && c <= '9') {
                    if (sep < 0) {
                        a = a * 10 + (c - '0');
                    } else {
                        b = b * 10 + (c - '0');
                    }
                } else if (c == '_' && sep < 0) {
                    sep = i;
                } else {
                    sep = -1;
                    break;
                }
            }
            if (sep < 1 || sep > 18 || n - sep - 1 < 1 || n - sep - 1 > 18
                    || id.charAt(0) == '0' && sep > 1 || id.charAt(sep + 1) == '0' && n - sep - 1 > 1) {
                sep = -1;
            }
            this.traceIdText = sep < 0 ? id : null;
            this.seqA = sep < 0 ? 0 : a;
            this.seqB = sep < 0 ? 0 : b;
            this.path = compact(point, id, path);
            this.pathTimeNanos = path == null ? 0 : path.timeNanos();
            this.label = label;
            this.retrans = retrans;
            this.status = status;
            this.chunkIdMin = chunkIdMin;
            this.chunkIdMax = chunkIdMax;
        }

        private ExchangeNote(ExchangeNote id, Object path, ExchangeNote rest) {
            this.point = id.point;
            this.innerTraceId = id.innerTraceId;
            this.traceIdText = id.traceIdText;
            this.seqA = id.seqA;
            this.seqB = id.seqB;
            this.path = path;
            this.pathTimeNanos = rest.pathTimeNanos;
            this.label = rest.label;
            this.retrans = rest.retrans;
            this.status = rest.status;
            this.chunkIdMin = rest.chunkIdMin;
            this.chunkIdMax = rest.chunkIdMax;
        }

        /**
         * Where {@code "<a>_<b>"} (two decimal numbers without sign or leading zero, each at most 18 digits) has
         * its underscore, else -1: such an id is kept as its two numbers and written back the same.
         */
        public static int seqsSeparator(String id) {
            int sep = id.indexOf('_');
            if (sep < 1 || sep > 18 || id.length() - sep - 1 < 1 || id.length() - sep - 1 > 18) {
                return -1;
            }
            for (int i = 0; i < id.length(); i++) {
                char c = id.charAt(i);
                if (i != sep && (c < '0' || c > '9')) {
                    return -1;
                }
            }
            if (id.charAt(0) == '0' && sep > 1 || id.charAt(sep + 1) == '0' && id.length() - sep - 1 > 1) {
                return -1;
            }
            return sep;
        }

        /** The value of the decimal digits {@code id[from, to)} (checked by {@link #seqsSeparator}: at most 18). */
        public static long digits(String id, int from, int to) {
            long v = 0;
            for (int i = from; i < to; i++) {
                v = v * 10 + (id.charAt(i) - '0');
            }
            return v;
        }

        private static Object compact(EvidenceRef.CapturePoint point, String id, EvidenceRef.Path path) {
            if (path == null) {
                return null;
            }
            String key = path.key();
            if (path.l7TraceId().equals(id) && path.capturePoint().equals(point)
                    && key.length() > id.length() && key.startsWith(id) && key.charAt(id.length()) == '|') {
                return key.substring(id.length() + 1);
            }
            return path;
        }

        /**
         * What the index keeps: the exchange of {@code id} (this very exchange, maybe noted earlier: its values
         * are shared) with this note's path and facts, the path key's rest shared through {@code share}.
         */
        ExchangeNote kept(ExchangeNote id, java.util.function.UnaryOperator<String> share) {
            Object p = path instanceof String rest ? share.apply(rest) : path;
            if (id == this && p == path) {
                return this; // nothing to share: this very note
            }
            return new ExchangeNote(id, p, this);
        }

        EvidenceRef.CapturePoint point() {
            return point;
        }

        String innerTraceId() {
            return innerTraceId;
        }

        /** Whether {@code o} notes the same record (the same {@link #ref()}). */
        boolean sameRecord(ExchangeNote o) {
            return seqA == o.seqA && seqB == o.seqB && java.util.Objects.equals(traceIdText, o.traceIdText)
                    && innerTraceId.equals(o.innerTraceId) && point.equals(o.point);
        }

        /** A hash of the record's {@code l7_traceid} (equal for {@link #sameRecord}). */
        int idHash() {
            return traceIdText != null ? traceIdText.hashCode() : Long.hashCode(seqA * 0x9E3779B97F4A7C15L ^ seqB);
        }

        /** A hash of the record (equal for {@link #sameRecord}). */
        int recordHash() {
            int h = innerTraceId.hashCode() * 31 + (traceIdText != null ? traceIdText.hashCode()
                    : Long.hashCode(seqA * 0x9E3779B97F4A7C15L ^ seqB));
            return h * 31 + point.hashCode();
        }

        private String l7TraceId() {
            return traceIdText != null ? traceIdText : seqA + "_" + seqB;
        }

        /** The L7 record. */
        public EvidenceRef.L7 ref() {
            return new EvidenceRef.L7(point, innerTraceId, l7TraceId());
        }

        /** Its path, null until the path is offered. */
        public EvidenceRef.Path path() {
            if (path instanceof String rest) {
                String id = l7TraceId();
                return new EvidenceRef.Path(id + "|" + rest, id, pathTimeNanos, point);
            }
            return (EvidenceRef.Path) path;
        }

        public boolean hasPath() {
            return path != null;
        }

        /** E.g. {@code GET /error 500}, {@code dns A web.lab rcode 5}. */
        public String label() {
            return label;
        }

        /** {@code tx_retrans + rx_retrans}. */
        public long retrans() {
            return retrans;
        }

        /** How it ended. */
        public L7Status status() {
            return status;
        }

        /** First chunk holding its packets (-1 unknown). */
        public int chunkIdMin() {
            return chunkIdMin;
        }

        /** Last such chunk. */
        public int chunkIdMax() {
            return chunkIdMax;
        }
    }

    public static String connectionOnPoint(EvidenceRef.CapturePoint point, String innerTraceId) {
        return point.id() + "|" + innerTraceId;
    }

    public static L4Fact l4(L4Log log, Nic nic) {
        PacketSeries p = log.packets();
        int syns = 0;
        int lost = 0;
        int zeroTx = 0;
        int zeroRx = 0;
        long rst = -1;
        long last = 0;
        long retrans = 0;
        int n = p == null ? 0 : p.size();
        for (int i = 0; i < n; i++) {
            int flags = p.flags(i);
            if ((flags & TcpView.SYN) != 0 && (flags & TcpView.ACK) == 0) {
                syns++;
            }
            if ((flags & TcpView.RST) != 0 && rst < 0) {
                rst = p.tsOffset(i);
            }
            int a = p.analysis(i);
            if (TcpAnalysisFlag.isRetransmission(a) && (flags & TcpView.SYN) == 0) {
                retrans++;
            }
            if ((a & TcpAnalysisFlag.LOST_SEGMENT.bit()) != 0) {
                lost++;
            }
            if ((a & TcpAnalysisFlag.ZERO_WINDOW.bit()) != 0) {
                if (p.isTx(i)) {
                    zeroTx++;
                } else {
                    zeroRx++;
                }
            }
            last = Math.max(last, p.tsOffset(i));
        }
        return new L4Fact(EvidenceRef.L4.of(log, nic), log.timeNanos(), log.timeNanos() + last, log.direction(),
                endpoint(log.clientIp(), log.clientPort()), endpoint(log.serverIp(), log.serverPort()),
                endpoint(log.srcIp(), log.srcPort()), endpoint(log.dstIp(), log.dstPort()), log.nicTraceId(),
                log.connState(), log.history(), log.lastChunk(), log.evicted(),
                log.txPackets() + log.rxPackets(), retrans, syns, lost, zeroTx, zeroRx, log.icmpErrors(),
                log.icmpLastError(), rst, log.tcpRtt());
    }

    public static ExchangeNote note(L7Log log, Nic nic, EvidenceRef.Path path) {
        return note(log, EvidenceRef.CapturePoint.of(nic), path, label(log));
    }

    /** {@link #note(L7Log, Nic, EvidenceRef.Path)} with the capture point and the label given (shared values). */
    public static ExchangeNote note(L7Log log, EvidenceRef.CapturePoint point, EvidenceRef.Path path, String label) {
        return new ExchangeNote(point, log.innerTraceId(), log.l7TraceId(), path, label,
                log.txRetrans() + log.rxRetrans(), log.status(), log.chunkIdMin(), log.chunkIdMax());
    }

    /** What an exchange was, in a few words: {@code GET /error 500}, {@code dns A web.lab rcode 0}, … */
    public static String label(L7Log log) {
        HttpInfo h = log.http();
        String outcome = log.status() == L7Status.OK ? "" : " " + log.status().name().toLowerCase(Locale.ROOT);
        if (h != null) {
            return h.method() + " " + h.path() + (log.status() == L7Status.OK ? " " + h.statusCode() : outcome);
        }
        DnsInfo d = log.dns();
        if (d != null) {
            return "dns " + d.queryName() + (d.rcode() >= 0 ? " rcode " + d.rcode() : "") + outcome;
        }
        String command = log.attributes().get("redis_command");
        return log.l7Proto() + (command != null ? " " + command : "") + outcome;
    }

    /** {@code ip:port}, {@code [v6]:port}. */
    public static String endpoint(String ip, int port) {
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }

    /** The address of an {@code ip:port} endpoint. */
    public static String address(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        String ip = colon < 0 ? endpoint : endpoint.substring(0, colon);
        return ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip;
    }

    /** Milliseconds with up to three decimals. */
    public static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6).replaceAll("\\.?0+ ms$", " ms");
    }

    /** A share as a percentage with one decimal. */
    public static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f %%", share * 100);
    }
}
