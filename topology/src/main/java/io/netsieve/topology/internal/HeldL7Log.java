package io.netsieve.topology.internal;

import io.netsieve.l7.DnsInfo;
import io.netsieve.l7.HttpInfo;
import io.netsieve.l7.L7Log;
import io.netsieve.l7.L7Status;

import java.util.Arrays;
import java.util.Map;

/**
 * An {@link L7Log} as the correlator holds it while its exchange is open: the numbers as zig-zag varints in one byte
 * array, the strings as references (the repeated ones — addresses, {@code inner_traceid}, method, host, … — shared
 * through a {@link Strings} cache), the {@code l7_traceid} left out when it is the {@code "<req_seq>_<resp_seq>"}
 * the seqs give. {@link #toL7Log()} gives back a record equal to the one held (same field values; not the same
 * object). About 200 B per HTTP record instead of about 600 B for the record, its {@link HttpInfo} and their strings:
 * offline the correlator holds up to its bound of open exchanges (100 000) for the whole run.
 */
public final class HeldL7Log {
    private static final L7Status[] STATUSES = L7Status.values();
    private static final int HTTP = 1;
    private static final int TRACE_ID_FROM_SEQS = 2;
    /* tx_seq, rx_seq, tx_bytes, rx_bytes left out when they equal req_seq, resp_seq, req_bytes, resp_bytes (as on
     * most TCP exchanges): fewer bytes held and fewer varints to write and read */
    private static final int TX_SEQ_IS_REQ = 4;
    private static final int RX_SEQ_IS_RESP = 8;
    private static final int TX_BYTES_IS_REQ = 16;
    private static final int RX_BYTES_IS_RESP = 32;

    private final byte[] numbers;
    /**
     * The references that are not null, in the order of {@link #of}'s table (l4Proto, l7Proto, clientIp, serverIp,
     * innerTraceId, l7TraceId, dns, attributes, then http's): bit {@code i} of {@link #present} says whether slot
     * {@code i} is here (most HTTP records have no query, trace context, request id, DNS…).
     */
    private final Object[] refs;
    private final int present;
    private final byte flags;

    private HeldL7Log(byte[] numbers, Object[] table, int length, byte flags, Strings strings) {
        int mask = 0;
        int n = 0;
        int hash = 0;
        for (int i = 0; i < length; i++) {
            Object o = table[i];
            if (o != null) {
                mask |= 1 << i;
                n++;
                hash = hash * 31 + (o instanceof String t ? t.hashCode() : System.identityHashCode(o));
            }
        }
        this.numbers = numbers;
        this.refs = strings.refs(table, length, mask, n, hash);
        this.present = mask;
        this.flags = flags;
    }

    /** The references held (for tests: whether records share them). */
    Object[] refs() {
        return refs;
    }

    /** Slot {@code i} of {@link #of}'s table, or null. */
    private Object ref(int i) {
        int bit = 1 << i;
        return (present & bit) == 0 ? null : refs[Integer.bitCount(present & (bit - 1))];
    }

    /**
     * Bounded cache of equal strings: {@value #MAX} slots, a string looked up in the two slots its hash names and,
     * when neither holds an equal one, put in the empty or the less recently used of them (what it pushes out is just
     * no longer shared with later ones). Instead of a {@code HashMap}: no node per string, a lookup reads one array (about a
     * dozen per record held).
     */
    public static final class Strings {
        static final int MAX = 4096;
        private final String[] slots = new String[MAX];
        /** Which of a pair of slots was used last (per pair). */
        private final boolean[] secondNewer = new boolean[MAX / 2];
        /*
         * The reference arrays of records held, by content (direct-mapped by hash): a connection's exchanges hold the
         * same strings (addresses, trace id, method, path, host, headers map, …; the l7_traceid is left out when the
         * seqs give it), so they share one array instead of ~70 B each. Arrays are never changed once made.
         */
        private static final int REF_SLOTS = 2048;
        private final Object[][] refArrays = new Object[REF_SLOTS][];
        private final int[] refMasks = new int[REF_SLOTS];

        /** The non-null entries of {@code table[0, length)} (mask {@code mask}, {@code n} of them) as an array. */
        Object[] refs(Object[] table, int length, int mask, int n, int hash) {
            int slot = (hash ^ (hash >>> 15)) & (REF_SLOTS - 1);
            Object[] known = refArrays[slot];
            if (known != null && refMasks[slot] == mask && sameRefs(known, table, length)) {
                return known;
            }
            Object[] kept = new Object[n];
            for (int i = 0, j = 0; i < length; i++) {
                if (table[i] != null) {
                    kept[j++] = table[i];
                }
            }
            refArrays[slot] = kept;
            refMasks[slot] = mask;
            return kept;
        }

        /** Whether {@code kept} holds the non-null entries of {@code table[0, length)} (the same objects). */
        private static boolean sameRefs(Object[] kept, Object[] table, int length) {
            for (int i = 0, j = 0; i < length; i++) {
                if (table[i] != null && kept[j++] != table[i]) {
                    return false;
                }
            }
            return true;
        }

        /** {@link #of}'s scratch space: the numbers and the references of the record being held (one at a time). */
        private final Writer writer = new Writer();
        private final Object[] table = new Object[20];

        public String share(String s) {
            if (s == null || s.isEmpty()) {
                return s;
            }
            int h = s.hashCode();
            h ^= h >>> 16;
            h *= 0x9E3779B9;
            int pair = (h >>> 20) & (MAX / 2 - 1);
            int a = 2 * pair;
            String known = slots[a];
            if (known != null && (known == s || known.equals(s))) {
                secondNewer[pair] = false;
                return known;
            }
            known = slots[a + 1];
            if (known != null && (known == s || known.equals(s))) {
                secondNewer[pair] = true;
                return known;
            }
            // replace the one used less recently (an empty one first)
            boolean intoSecond = slots[a] != null && (slots[a + 1] == null || !secondNewer[pair]);
            slots[intoSecond ? a + 1 : a] = s;
            secondNewer[pair] = intoSecond;
            return s;
        }
    }

    public static HeldL7Log of(L7Log log, Strings strings) {
        HttpInfo h = log.http();
        Writer w = strings.writer;
        w.n = 0;
        w.put(log.timestampNanos());
        w.put(log.capturePointId());
        w.put(log.clientPort());
        w.put(log.serverPort());
        w.put(log.reqSeq());
        w.put(log.respSeq());
        w.put(log.reqBytes());
        w.put(log.respBytes());
        int flags = 0;
        if (log.txSeq() == log.reqSeq()) {
            flags |= TX_SEQ_IS_REQ;
        } else {
            w.put(log.txSeq());
        }
        if (log.rxSeq() == log.respSeq()) {
            flags |= RX_SEQ_IS_RESP;
        } else {
            w.put(log.rxSeq());
        }
        w.put(log.txPackets());
        w.put(log.rxPackets());
        if (log.txBytes() == log.reqBytes()) {
            flags |= TX_BYTES_IS_REQ;
        } else {
            w.put(log.txBytes());
        }
        if (log.rxBytes() == log.respBytes()) {
            flags |= RX_BYTES_IS_RESP;
        } else {
            w.put(log.rxBytes());
        }
        w.put(log.txRetrans());
        w.put(log.rxRetrans());
        w.put(log.chunkIdMin());
        w.put(log.chunkIdMax());
        w.put(log.costReqSentNanos());
        w.put(log.costRespWaitNanos());
        w.put(log.costCntDlNanos());
        w.put(log.latencyNanos());
        w.put(log.status().ordinal());
        String traceId = log.l7TraceId();
        if (traceId != null && isFromSeqs(traceId, log.reqSeq(), log.respSeq())) {
            flags |= TRACE_ID_FROM_SEQS;
            traceId = null;
        }
        Object[] refs = strings.table;
        Arrays.fill(refs, null); // scratch: nothing of an earlier record (even one that failed half way)
        int length = h == null ? 8 : 20;
        refs[0] = strings.share(log.l4Proto());
        refs[1] = strings.share(log.l7Proto());
        refs[2] = strings.share(log.clientIp());
        refs[3] = strings.share(log.serverIp());
        refs[4] = strings.share(log.innerTraceId());
        refs[5] = traceId;
        refs[6] = log.dns();
        refs[7] = log.attributes().isEmpty() ? null : log.attributes(); // null: L7Log makes it the empty map
        if (h != null) {
            flags |= HTTP;
            w.put(h.statusCode());
            w.put(h.informational());
            w.put(h.reqHeaderBytes());
            w.put(h.reqBodyBytes());
            w.put(h.respHeaderBytes());
            w.put(h.respBodyBytes());
            w.put(h.smuggling() ? 1 : 0);
            refs[8] = strings.share(h.method());
            refs[9] = strings.share(h.path());
            refs[10] = h.query();
            refs[11] = strings.share(h.version());
            refs[12] = strings.share(h.host());
            refs[13] = strings.share(h.reason());
            refs[14] = strings.share(h.contentType());
            refs[15] = strings.share(h.userAgent());
            refs[16] = h.traceId();
            refs[17] = h.parentId();
            refs[18] = h.requestId();
            refs[19] = h.headers().isEmpty() ? null : h.headers(); // kept as it is; null: HttpInfo makes it empty
        }
        return new HeldL7Log(w.bytes(), refs, length, (byte) flags, strings);
    }

    /** The record held: equal to the one given to {@link #of}. */
    @SuppressWarnings("unchecked")
    public L7Log toL7Log() {
        Reader r = new Reader(numbers);
        long timestamp = r.next();
        int point = (int) r.next();
        int clientPort = (int) r.next();
        int serverPort = (int) r.next();
        long reqSeq = r.next();
        long respSeq = r.next();
        long reqBytes = r.next();
        long respBytes = r.next();
        long txSeq = (flags & TX_SEQ_IS_REQ) != 0 ? reqSeq : r.next();
        long rxSeq = (flags & RX_SEQ_IS_RESP) != 0 ? respSeq : r.next();
        long txPackets = r.next();
        long rxPackets = r.next();
        long txBytes = (flags & TX_BYTES_IS_REQ) != 0 ? reqBytes : r.next();
        long rxBytes = (flags & RX_BYTES_IS_RESP) != 0 ? respBytes : r.next();
        long txRetrans = r.next();
        long rxRetrans = r.next();
        int chunkMin = (int) r.next();
        int chunkMax = (int) r.next();
        long costReqSent = r.next();
        long costRespWait = r.next();
        long costCntDl = r.next();
        long latency = r.next();
        L7Status status = STATUSES[(int) r.next()];
        HttpInfo http = null;
        if ((flags & HTTP) != 0) {
            int statusCode = (int) r.next();
            int informational = (int) r.next();
            long reqHeaderBytes = r.next();
            long reqBodyBytes = r.next();
            long respHeaderBytes = r.next();
            long respBodyBytes = r.next();
            boolean smuggling = r.next() != 0;
            http = new HttpInfo((String) ref(8), (String) ref(9), (String) ref(10), (String) ref(11),
                    (String) ref(12), statusCode, (String) ref(13), informational, reqHeaderBytes, reqBodyBytes,
                    respHeaderBytes, respBodyBytes, (String) ref(14), (String) ref(15), (String) ref(16),
                    (String) ref(17), (String) ref(18), (Map<String, String>) ref(19), smuggling);
        }
        String traceId = (flags & TRACE_ID_FROM_SEQS) != 0 ? fromSeqs(reqSeq, respSeq) : (String) ref(5);
        return new L7Log(timestamp, point, (String) ref(0), (String) ref(1), (String) ref(2), clientPort,
                (String) ref(3), serverPort, (String) ref(4), traceId, reqSeq, respSeq, reqBytes, respBytes, txSeq,
                rxSeq, txPackets, rxPackets, txBytes, rxBytes, txRetrans, rxRetrans, chunkMin, chunkMax, costReqSent,
                costRespWait, costCntDl, latency, status, http, (DnsInfo) ref(6), (Map<String, String>) ref(7));
    }

    /** The record's time (its first field, read without decoding the rest). */
    public long timestampNanos() {
        return new Reader(numbers).next();
    }

    /** Whether {@code id} equals {@link #fromSeqs}{@code (reqSeq, respSeq)}, found without making that text. */
    static boolean isFromSeqs(String id, long reqSeq, long respSeq) {
        long a = reqSeq >= 0 ? reqSeq : 0;
        long b = respSeq >= 0 ? respSeq : 0;
        if (a >= 1_000_000_000_000_000_000L || b >= 1_000_000_000_000_000_000L) {
            return id.equals(fromSeqs(reqSeq, respSeq)); // 19 digits: not worth a case of its own
        }
        int sep = id.indexOf('_');
        return sep > 0 && decimalIs(id, 0, sep, a) && decimalIs(id, sep + 1, id.length(), b);
    }

    /** Whether {@code id[from, to)} is the decimal text of {@code v} (0 to 10^18 - 1): digits, no leading zero. */
    private static boolean decimalIs(String id, int from, int to, long v) {
        int n = to - from;
        if (n < 1 || n > 18 || n > 1 && id.charAt(from) == '0') {
            return false;
        }
        long x = 0;
        for (int i = from; i < to; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            x = x * 10 + (c - '0');
        }
        return x == v;
    }

    /** What L7 names a TCP exchange by when its parser gives no id of its own: {@code "<req_seq>_<resp_seq>"}. */
    static String fromSeqs(long reqSeq, long respSeq) {
        return (reqSeq >= 0 ? reqSeq : 0) + "_" + (respSeq >= 0 ? respSeq : 0);
    }

    /** Zig-zag varints into a growing array. */
    private static final class Writer {
        private byte[] buf = new byte[96];
        private int n;

        void put(long v) {
            long z = (v << 1) ^ (v >> 63);
            if (n + 10 > buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            while ((z & ~0x7FL) != 0) {
                buf[n++] = (byte) ((z & 0x7F) | 0x80);
                z >>>= 7;
            }
            buf[n++] = (byte) z;
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, n);
        }
    }

    private static final class Reader {
        private final byte[] buf;
        private int at;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        long next() {
            long z = 0;
            int shift = 0;
            byte b;
            do {
                b = buf[at++];
                z |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            return (z >>> 1) ^ -(z & 1);
        }
    }
}
