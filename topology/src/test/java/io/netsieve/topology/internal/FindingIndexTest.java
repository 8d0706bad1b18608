package io.netsieve.topology.internal;

import io.netsieve.l7.L7Status;
import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.internal.FindingFacts.ExchangeNote;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A keep-alive connection's exchanges in the index, against a list model: each exchange offered as its record, then
 * again with its path (in a shuffled order, some twice), records beyond the bound of 256 per connection left out;
 * trace ids of both forms (two seqs, text), many sharing one seq, and a record of the same trace id on another capture
 * point of the same id (the same connection key: it must stay a separate exchange).
 */
class FindingIndexTest {
    private static final EvidenceRef.CapturePoint A = new EvidenceRef.CapturePoint("node1", "", "pod-a", "eth0");
    /** Another capture point with A's id (host/pod/nic): the index puts its records in A's connection. */
    private static final EvidenceRef.CapturePoint A2 = new EvidenceRef.CapturePoint("node1", "ns2", "pod-a", "eth0");

    private static ExchangeNote note(EvidenceRef.CapturePoint p, String id, boolean withPath) {
        EvidenceRef.Path path = withPath ? new EvidenceRef.Path(id + "|http GET /", id, 7, p) : null;
        return new ExchangeNote(new EvidenceRef.L7(p, "conn", id), path, "GET / 200", 0, L7Status.OK, 0, 0);
    }

    @Test
    void everyExchangeOnceWithItsPathUpToTheBound() {
        for (long seed = 1; seed <= 10; seed++) {
            Random r = new Random(seed);
            List<String> ids = new ArrayList<>();
            for (int i = 0; ids.size() < 400; i++) {
                String id = switch (r.nextInt(3)) {
                    case 0 -> r.nextInt(20) + "_" + r.nextInt(1 << 30);     // many share the first seq
                    case 1 -> (1L << 32) + i + "_7";
                    default -> r.nextInt(1000) + "_web" + i + ".lab";          // text (DNS)
                };
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            }
            FindingIndex index = new FindingIndex(10);
            List<String> model = new ArrayList<>();
            for (String id : ids) {
                index.add(note(A, id, false));
                if (model.size() < FindingIndex.PER_CONNECTION) {
                    model.add(id);
                }
                if (r.nextInt(4) == 0) {
                    index.add(note(A, id, false)); // again: no second exchange
                }
            }
            index.add(note(A2, ids.get(0), false)); // the bound is full: left out
            List<String> paths = new ArrayList<>(ids);
            java.util.Collections.shuffle(paths, r);
            for (String id : paths) {
                index.add(note(A, id, true));
            }
            List<ExchangeNote> kept = index.get(A, "conn").exchanges();
            assertEquals(model.size(), kept.size());
            for (int i = 0; i < model.size(); i++) {
                ExchangeNote n = kept.get(i);
                assertEquals(new EvidenceRef.L7(A, "conn", model.get(i)), n.ref());
                assertNotNull(n.path(), model.get(i));
                assertEquals(model.get(i) + "|http GET /", n.path().key());
            }
        }
    }

    @Test
    void sameTraceIdOnAnotherCapturePointOfTheSameIdIsAnotherExchange() {
        FindingIndex index = new FindingIndex(10);
        index.add(note(A, "1_2", false));
        index.add(note(A2, "1_2", false));
        index.add(note(A2, "1_2", true));
        List<ExchangeNote> kept = index.get(A, "conn").exchanges();
        assertEquals(2, kept.size());
        assertEquals(A, kept.get(0).ref().capturePoint());
        assertFalse(kept.get(0).hasPath());
        assertEquals(A2, kept.get(1).ref().capturePoint());
        assertTrue(kept.get(1).hasPath());
        assertNull(index.get(A, "other").exchanges().isEmpty() ? null : "not empty");
    }

    /**
     * Connections beyond the bound drop the oldest, also when the connection was found a moment before: a record of a
     * dropped connection starts it afresh (nothing of its earlier records), as the map alone did.
     */
    @Test
    void droppedConnectionsStartAfresh() {
        FindingIndex index = new FindingIndex(3);
        String[] conns = {"c1", "c2", "c3", "c4"};
        for (String c : conns) {
            index.add(new ExchangeNote(new EvidenceRef.L7(A, c, "1_1"), null, "x", 0, L7Status.OK, 0, 0));
        }
        assertEquals(1, index.evicted());
        assertTrue(index.get(A, "c1").exchanges().isEmpty(), "c1 dropped");
        // c1 again (the same String objects the cache saw): a new connection with this record only, c2 dropped
        index.add(new ExchangeNote(new EvidenceRef.L7(A, conns[0], "2_2"), null, "x", 0, L7Status.OK, 0, 0));
        assertEquals(2, index.evicted());
        assertEquals(List.of(new EvidenceRef.L7(A, "c1", "2_2")),
                index.get(A, "c1").exchanges().stream().map(ExchangeNote::ref).toList());
        assertTrue(index.get(A, "c2").exchanges().isEmpty(), "c2 dropped");
        // found through the cache: c4's second record joins its first
        index.add(new ExchangeNote(new EvidenceRef.L7(A, conns[3], "3_3"), null, "x", 0, L7Status.OK, 0, 0));
        assertEquals(2, index.get(A, "c4").exchanges().size());
        // the same connection through an equal capture point object and trace id text
        index.add(new ExchangeNote(new EvidenceRef.L7(new EvidenceRef.CapturePoint("node1", "", "pod-a", "eth0"),
                new String("c4"), "4_4"), null, "x", 0, L7Status.OK, 0, 0));
        assertEquals(3, index.get(A, "c4").exchanges().size());
        assertEquals(2, index.evicted());
    }
}
