package io.netsieve.l4;

import io.netsieve.core.nic.CaptureManifest;
import io.netsieve.core.nic.CapturePoint;
import io.netsieve.core.nic.Nic;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lent records ({@link L4Tracker.Builder#viewListener}): on every corpus and demo capture, under configurations that
 * close chunks every way (256, 8 or 2 packets: pooled rows and block tables reused many times, idle
 * timeouts, eviction from a tiny table), each {@link L4LogView} accessor read in the call and the view's
 * {@link L4LogView#toL4Log()} equal, field by field and row by row, the {@link L4Log} records of a tracker with an
 * ordinary listener on the same packets. Inner trace ids are random per tracker, so they are compared by order of
 * first appearance. The demo captures run with their manifest's NICs, so directions are known (client and server
 * fields differ from src and dst) there. A view and its series read after the call throw.
 */
class L4LogViewTest {
    private static final Map<String, L4Config> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("defaults", L4Config.defaults());
        CONFIGS.put("chunkMaxPackets 2", L4Config.builder().chunkMaxPackets(2).build());
        CONFIGS.put("chunkMaxPackets 8", L4Config.builder().chunkMaxPackets(8).build());
        CONFIGS.put("idle timeouts", L4Config.builder().chunkIdle(Duration.ofMillis(200))
                .tcpIdleTimeout(Duration.ofSeconds(3)).build());
        CONFIGS.put("maxFlows 3", L4Config.builder().maxFlows(3).build());
    }

    private static final List<RecordComponent> COMPONENTS = List.of(L4Log.class.getRecordComponents());

    /** Per record: the value of every component as text (the series as its rows), trace ids numbered. */
    private static final class Texts {
        final List<List<String>> records = new ArrayList<>();
        private final Map<String, Integer> traceIds = new HashMap<>();

        /** {@code read}: the value of the named component. */
        void add(java.util.function.Function<String, Object> read) {
            List<String> fields = new ArrayList<>();
            for (RecordComponent c : COMPONENTS) {
                Object v = read.apply(c.getName());
                String text;
                if (v instanceof PacketSeries s) {
                    text = L4LendSeriesTest.rows(s);
                } else if (c.getName().equals("innerTraceId")) {
                    String id = (String) v;
                    assertTrue(id.matches("\\p{XDigit}{32}"), id);
                    text = "trace-" + traceIds.computeIfAbsent(id, t -> traceIds.size());
                } else {
                    text = String.valueOf(v);
                }
                fields.add(c.getName() + "=" + text);
            }
            records.add(fields);
        }
    }

    private static Object invoke(Method m, Object target, Object... args) {
        try {
            return m.invoke(target, args);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        }
    }

    private static Object component(L4Log log, String name) {
        for (RecordComponent c : COMPONENTS) {
            if (c.getName().equals(name)) {
                return invoke(c.getAccessor(), log);
            }
        }
        throw new AssertionError(name);
    }

    private static Method viewAccessor(String name) {
        try {
            return L4LogView.class.getMethod(name);
        } catch (NoSuchMethodException e) {
            throw new AssertionError("L4LogView has no accessor " + name + "()");
        }
    }

    /** The records' derived answers: conn_side, vxlan, and the packet found at each row's seq. */
    private static String derived(boolean vxlan, String connSide, PacketSeries s,
                                  java.util.function.BiFunction<Boolean, Long, Integer> atRelativeSeq) {
        StringBuilder b = new StringBuilder(connSide).append(' ').append(vxlan);
        for (int i = 0; i < s.size(); i++) {
            b.append(' ').append(atRelativeSeq.apply(s.isTx(i), s.seq(i)));
        }
        return b.toString();
    }

    private record Run(Texts owned, Texts viewAccessors, Texts viewCopies, List<String> ownedDerived,
                       List<String> viewDerived) {
    }

    private static Run run(Path file, L4Config config, IntFunction<Nic> nics) throws Exception {
        Texts owned = new Texts();
        Texts accessors = new Texts();
        Texts copies = new Texts();
        List<String> ownedDerived = new ArrayList<>();
        List<String> viewDerived = new ArrayList<>();
        Replay.replay(L4Tracker.builder().config(config).nics(nics).listener(log -> {
            owned.add(name -> component(log, name));
            ownedDerived.add(derived(log.vxlanPacket(), log.connSide(), log.packets(), log::packetAtRelativeSeq)
                    + " " + log.packetAtSeq(true, log.txSeqPos() + 1) + " " + log.packetAtSeq(false, log.rxSeqPos() + 1));
        }).build(), file, 0, true);
        Replay.replay(L4Tracker.builder().config(config).nics(nics).viewListener(view -> {
            // every accessor first (text fields formatted here), then the copy (text fields from the view's cache)
            accessors.add(name -> invoke(viewAccessor(name), view));
            viewDerived.add(derived(view.vxlanPacket(), view.connSide(), view.packets(), view::packetAtRelativeSeq)
                    + " " + view.packetAtSeq(true, view.txSeqPos() + 1)
                    + " " + view.packetAtSeq(false, view.rxSeqPos() + 1));
            L4Log copy = view.toL4Log();
            copies.add(name -> component(copy, name));
        }).build(), file, 0, true);
        return new Run(owned, accessors, copies, ownedDerived, viewDerived);
    }

    private static Map<String, Nic> demoNics() throws Exception {
        Map<String, Nic> byFile = new HashMap<>();
        for (CapturePoint p : CaptureManifest.read(Path.of("../examples/src/main/resources/demo/captures.tsv"))
                .points()) {
            byFile.put(p.file().getFileName().toString(), p.nic());
        }
        return byFile;
    }

    @Test
    void viewsEqualOwnedRecordsOnTheCorpusAndDemoCaptures() throws Exception {
        Map<String, Nic> demo = demoNics();
        Nic unnamed = Nic.unnamed("corpus");
        long records = 0;
        long rows = 0;
        long incoming = 0;
        for (Path file : CorpusCaptures.allWithDemo()) {
            Nic nic = demo.getOrDefault(file.getFileName().toString(), unnamed);
            for (Map.Entry<String, L4Config> c : CONFIGS.entrySet()) {
                Run r = run(file, c.getValue(), id -> nic);
                String where = file.getFileName() + ", " + c.getKey();
                assertEquals(r.owned.records.size(), r.viewAccessors.records.size(), where + ": records");
                for (int i = 0; i < r.owned.records.size(); i++) {
                    assertEquals(r.owned.records.get(i), r.viewAccessors.records.get(i),
                            where + " record " + i + ": view accessors");
                    assertEquals(r.owned.records.get(i), r.viewCopies.records.get(i),
                            where + " record " + i + ": toL4Log()");
                    assertEquals(r.ownedDerived.get(i), r.viewDerived.get(i), where + " record " + i + ": derived");
                    if (r.owned.records.get(i).contains("direction=INCOMING")) {
                        incoming++; // client = dst: the view's client/server fields are not its src/dst
                    }
                }
                records += r.owned.records.size();
                for (String d : r.ownedDerived) {
                    rows += d.split(" ").length - 4;
                }
            }
        }
        System.out.println("[l4 views] " + records + " records, " + rows + " rows compared, " + incoming
                + " of incoming connections");
        assertTrue(records > 2_500, "records compared: " + records);
        assertTrue(incoming > 100, "records of incoming connections: " + incoming);
    }

    @Test
    void aViewAndItsSeriesThrowAfterTheCall() throws Exception {
        List<L4LogView> views = new ArrayList<>();
        List<PacketSeries> series = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().config(L4Config.builder().chunkMaxPackets(8).build())
                .viewListener(view -> {
                    views.add(view);
                    series.add(view.packets());
                    assertTrue(view.packets().size() > 0);
                    view.packets().seq(0); // readable in the call
                }).build();
        Replay.replay(tracker, Path.of("../examples/src/main/resources/demo/pod-a-eth0.pcap"));
        assertTrue(views.size() > 10, "records: " + views.size());
        // one view and one series wrapper, lent again for every record
        views.forEach(v -> assertSame(views.get(0), v));
        series.forEach(s -> assertSame(series.get(0), s));
        L4LogView view = views.get(0);
        int accessors = 0;
        for (Method m : L4LogView.class.getMethods()) {
            if (m.getDeclaringClass() != L4LogView.class || m.getName().equals("toString")) {
                continue;
            }
            Object[] args = m.getParameterCount() == 0 ? new Object[0] : new Object[] {true, 1L};
            assertThrows(IllegalStateException.class, () -> invoke(m, view, args), m.getName() + " after the call");
            accessors++;
        }
        assertTrue(accessors >= COMPONENTS.size() + 3, "accessors checked: " + accessors);
        assertThrows(IllegalStateException.class, () -> series.get(0).seq(0), "the lent series after the call");
        assertEquals("L4LogView[not lent]", view.toString());
    }

    @Test
    void aCopyKeptFromTheCallStaysValid() throws Exception {
        List<L4Log> copies = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().config(L4Config.builder().chunkMaxPackets(8).build())
                .viewListener(view -> copies.add(view.toL4Log())).build();
        Replay.replay(tracker, Path.of("../examples/src/main/resources/demo/pod-a-eth0.pcap"));
        assertTrue(copies.size() > 10);
        // rows of later records reuse the pooled blocks: the copies own theirs
        List<L4Log> again = new ArrayList<>();
        Replay.replay(L4Tracker.builder().config(L4Config.builder().chunkMaxPackets(8).build())
                .listener(again::add).build(), Path.of("../examples/src/main/resources/demo/pod-a-eth0.pcap"));
        assertEquals(again.size(), copies.size());
        for (int i = 0; i < copies.size(); i++) {
            assertEquals(L4LendSeriesTest.rows(again.get(i).packets()), L4LendSeriesTest.rows(copies.get(i).packets()),
                    "record " + i);
        }
    }

    @Test
    void theBuilderTakesOneListenerOfEitherKind() {
        L4LogListener owned = log -> { };
        L4LogViewListener lent = view -> { };
        assertThrows(IllegalStateException.class, () -> L4Tracker.builder().listener(owned).viewListener(lent));
        assertThrows(IllegalStateException.class, () -> L4Tracker.builder().viewListener(lent).listener(owned));
        assertThrows(IllegalStateException.class, () -> L4Tracker.builder().viewListener(lent).viewListener(lent));
        assertThrows(NullPointerException.class, () -> L4Tracker.builder().viewListener(null));
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> L4Tracker.builder().build());
        assertTrue(none.getMessage().contains("listener"), none.getMessage());
        assertInstanceOf(L4Tracker.class, L4Tracker.builder().viewListener(lent).build());
    }

    @Test
    void aListenerThatThrowsStillEndsTheLoan() throws Exception {
        List<L4LogView> views = new ArrayList<>();
        L4Tracker tracker = L4Tracker.builder().viewListener(view -> {
            views.add(view);
            throw new IllegalArgumentException("consumer failure");
        }).build();
        assertThrows(IllegalArgumentException.class,
                () -> Replay.replay(tracker, Path.of("../examples/src/main/resources/demo/pod-a-eth0.pcap")));
        assertFalse(views.isEmpty());
        assertThrows(IllegalStateException.class, () -> views.get(0).chunkId());
        assertThrows(IllegalStateException.class, () -> views.get(0).packets());
    }
}
