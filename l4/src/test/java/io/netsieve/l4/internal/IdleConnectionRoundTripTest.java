package io.netsieve.l4.internal;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.DecodedPacket;
import io.netsieve.core.packet.PacketDecoder;
import io.netsieve.core.packet.PacketView;
import io.netsieve.l4.CorpusCaptures;
import io.netsieve.l4.flow.FlowKey;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Connection#compact} then {@link Connection#restore} gives back the same connection: every connection of
 * every corpus and demo capture is run twice side by side, its chunk written after every packet (so the idle form
 * can be taken between any two packets), one copy turned into an {@link IdleConnection} and back whenever it is
 * {@link Connection#compactable}; after every packet and every round trip the two copies must agree in every field,
 * found by reflection (so a field added later and forgotten by the idle form fails here), of the connection, its
 * sides and its rarely used state. The only fields left out are those the next packet writes before anything reads
 * them, each under the condition that makes it so (listed in {@link #same}).
 */
class IdleConnectionRoundTripTest {
    private static final int MAX_ROWS = 256;

    private static final class Pair {
        final Connection plain;
        Connection cycled;

        Pair(boolean tcp, long now, int side) {
            plain = new Connection(tcp, 1, 2, now, side, MAX_ROWS);
            cycled = new Connection(tcp, 1, 2, now, side, MAX_ROWS);
        }
    }

    @Test
    void everyCorpusConnectionRoundTripsBetweenAnyTwoPackets() throws Exception {
        long roundTrips = 0;
        long withData = 0;
        long packets = 0;
        for (Path file : CorpusCaptures.allWithDemo()) {
            Map<FlowKey, Pair> flows = new HashMap<>();
            FlowKey key = new FlowKey();
            Segment segment = new Segment();
            PacketDecoder decoder = new PacketDecoder();
            DecodedPacket d = new DecodedPacket();
            try (CaptureFileReader reader = CaptureFiles.open(file, 0)) {
                PacketView view = new PacketView();
                while (reader.next(view)) {
                    decoder.decode(view, d);
                    if (!key.set(d)) {
                        continue;
                    }
                    long now = d.packet().timestampNanos();
                    int side = key.packetFromA() ? 0 : 1;
                    Segment s = segment.set(d);
                    Pair p = flows.get(key);
                    if (p == null) {
                        FlowKey k = new FlowKey();
                        k.copyFrom(key);
                        p = new Pair(s.tcp, now, side);
                        flows.put(k, p);
                    }
                    String where = file.getFileName() + " packet at " + now + " " + key;
                    boolean e1 = p.plain.onPacket(s, side, now, null);
                    boolean e2 = p.cycled.onPacket(s, side, now, null);
                    assertEquals(e1, e2, where);
                    same(p.plain, p.cycled, where + " after the packet");
                    packets++;
                    // the chunk is written (as emit does: series handed over, direction reported, chunk reset)
                    for (Connection c : new Connection[] {p.plain, p.cycled}) {
                        c.series(0, null, null);
                        if (c.clientSide >= 0) {
                            c.directionReported = true;
                        }
                        c.resetChunk();
                        c.trimIdle();
                    }
                    if (p.cycled.compactable()) {
                        p.cycled = Connection.restore(p.cycled.compact(), MAX_ROWS);
                        same(p.plain, p.cycled, where + " after the round trip");
                        roundTrips++;
                        if (p.plain.half(0).nextSeq != 0 && p.plain.half(1).nextSeq != 0) {
                            withData++;
                        }
                    }
                }
            } catch (CaptureFileException e) {
                // a damaged file ends where it breaks, as in the other corpus tests
            }
        }
        assertTrue(Half.EMPTY.pristine());
        assertTrue(roundTrips > 1_500 && withData > 500,
                roundTrips + " round trips (" + withData + " with both sides' sequence state) of " + packets);
    }

    /** Field by field, by reflection, with the exceptions explained inline. */
    private static void same(Object a, Object b, String where) {
        if (a == null || b == null) {
            if (a != b) {
                fail(where + ": one is null: " + a + " / " + b);
            }
            return;
        }
        assertEquals(a.getClass(), b.getClass(), where);
        for (Class<?> k = a.getClass(); k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                String name = f.getName();
                Object va;
                Object vb;
                try {
                    va = f.get(a);
                    vb = f.get(b);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
                if (skipped(a, name)) {
                    continue;
                }
                if (name.equals("unacked")) {
                    // only the first unCount entries are segments; null and an empty array are the same list
                    int n = 2 * ((TcpAnalyzer.Side) a).unCount;
                    long[] la = va == null ? new long[0] : (long[]) va;
                    long[] lb = vb == null ? new long[0] : (long[]) vb;
                    assertEquals(Arrays.toString(Arrays.copyOf(la, Math.min(n, la.length))),
                            Arrays.toString(Arrays.copyOf(lb, Math.min(n, lb.length))), where + ": unacked");
                    continue;
                }
                if (name.equals("extra")) {
                    // allocated on first use: none is the same as one at its defaults
                    same(va != null ? va : newExtra(), vb != null ? vb : newExtra(), where + ": extra");
                    continue;
                }
                String path = where + ": " + k.getSimpleName() + "." + name;
                if (va instanceof long[] la) {
                    assertTrue(Arrays.equals(la, (long[]) vb), path);
                } else if (va instanceof long[][] la) {
                    assertTrue(Arrays.deepEquals(la, (long[][]) vb), path);
                } else if (va instanceof Half || f.getType().getName().endsWith("$Extra")) {
                    same(va, vb, path);
                } else {
                    assertEquals(va, vb, path);
                }
            }
        }
    }

    /** Fields the next packet writes before anything reads them, while the condition holds. */
    private static boolean skipped(Object o, String field) {
        if (o instanceof Connection c) {
            return field.equals("chunkStartNanos") && c.chunkEmpty();
        }
        if (o instanceof Half h) {
            return (field.equals("rttDataEnd") || field.equals("rttDataTs")) && !h.rttPending
                    || (field.equals("seqMinBits") || field.equals("seqMaxBits")) && !h.seqRangeKnown;
        }
        return false;
    }

    private static Object newExtra() {
        try {
            Class<?> k = Class.forName(Connection.class.getName() + "$Extra");
            var ctor = k.getDeclaredConstructor();
            ctor.setAccessible(true);
            return ctor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
