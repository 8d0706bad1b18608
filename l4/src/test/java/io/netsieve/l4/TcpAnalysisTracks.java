package io.netsieve.l4;


import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: netsieve's per-packet TCP analysis of a capture file, one {@link Track} per TCP connection, for
 * comparison with tshark's {@code tcp.analysis.*} fields (the approach of {@code TcpAnalysisCorpusTest}: chunks
 * never close early, so a connection's chunks concatenate into its packets in capture order).
 */
final class TcpAnalysisTracks {
    private TcpAnalysisTracks() {
    }

    /** One packet of a connection as netsieve analysed it. */
    record Row(boolean tx, long seq, int analysis, long ackRttNanos, int payload) {
    }

    /** One TCP connection: its records (chunks, in order) and its packets in capture order. */
    record Track(List<L4Log> logs, List<Row> rows) {
        L4Log first() {
            return logs.get(0);
        }

        /** {@code ip:port-ip:port} with the lower endpoint first, as {@link #key(String, int, String, int)}. */
        String key() {
            return TcpAnalysisTracks.key(first().srcIp(), first().srcPort(), first().dstIp(), first().dstPort());
        }

        /** tcp_3whs_cost in nanoseconds (rounded from the record's milliseconds), or -1 when not measured. */
        long handshakeCostNanos() {
            for (L4Log log : logs) {
                if (log.tcp3whsCost() >= 0) {
                    return Math.round(log.tcp3whsCost() * 1e6);
                }
            }
            return -1;
        }
    }

    /** A connection's endpoints in a canonical order. */
    static String key(String ipA, int portA, String ipB, int portB) {
        String a = ipA + ":" + portA;
        String b = ipB + ":" + portB;
        return a.compareTo(b) <= 0 ? a + "-" + b : b + "-" + a;
    }

    /** The tshark fields of the flags, in {@link TcpAnalysisFlag} order. */
    static List<String> flagFields() {
        List<String> fields = new ArrayList<>();
        for (TcpAnalysisFlag f : TcpAnalysisFlag.values()) {
            fields.add(f.fieldName());
        }
        return fields;
    }

    /** tshark's flags of a row whose flag fields start at column {@code first}, as {@link TcpAnalysisFlag} bits. */
    static int tsharkFlags(String[] row, int first) {
        int flags = 0;
        for (int f = 0; f < TcpAnalysisFlag.values().length; f++) {
            if (!row[first + f].isEmpty()) {
                flags |= TcpAnalysisFlag.values()[f].bit();
            }
        }
        return flags;
    }

    /** netsieve's flags as tshark prints them: tshark also files fast and spurious retransmissions as retransmissions. */
    static int asTshark(int flags) {
        if ((flags & (TcpAnalysisFlag.FAST_RETRANSMISSION.bit() | TcpAnalysisFlag.SPURIOUS_RETRANSMISSION.bit())) != 0) {
            flags |= TcpAnalysisFlag.RETRANSMISSION.bit();
        }
        return flags;
    }

    /** Runs the file through an {@link L4Tracker}; TCP connections (not tunnelled) keyed by inner trace id. */
    static Map<String, Track> track(Path file) throws Exception {
        Duration never = Duration.ofDays(3650);
        L4Config config = L4Config.builder().chunkIdle(never).chunkMaxSpan(never).tcpIdleTimeout(never)
                .udpIdleTimeout(never).timeWaitTimeout(never).build();
        Map<String, Track> tracks = new LinkedHashMap<>();
        L4Tracker tracker = L4Tracker.builder().config(config).listener(log -> {
            if (!log.l4Proto().equals("tcp") || log.vni() >= 0) {
                return;
            }
            Track t = tracks.computeIfAbsent(log.innerTraceId(), k -> new Track(new ArrayList<>(), new ArrayList<>()));
            t.logs().add(log);
            PacketSeries s = log.packets();
            for (int i = 0; i < s.size(); i++) {
                long pos = s.isTx(i) ? log.txSeqPos() : log.rxSeqPos();
                t.rows().add(new Row(s.isTx(i), (s.seq(i) + pos) & 0xFFFF_FFFFL, s.analysis(i), s.ackRttNanos(i),
                        s.payloadSize(i)));
            }
        }).build();
        Replay.replay(tracker, file, 0, true);
        return tracks;
    }
}
