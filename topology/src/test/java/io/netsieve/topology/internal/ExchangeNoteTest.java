package io.netsieve.topology.internal;

import io.netsieve.l7.L7Status;
import io.netsieve.topology.EvidenceRef;
import io.netsieve.topology.internal.FindingFacts.ExchangeNote;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the findings' index keeps of an exchange gives back the references it was made of. */
class ExchangeNoteTest {
    private static final EvidenceRef.CapturePoint A = new EvidenceRef.CapturePoint("node1", "", "pod-a", "eth0");
    private static final EvidenceRef.CapturePoint B = new EvidenceRef.CapturePoint("node1", "", "", "br0");

    @Test
    void referencesComeBackEqual() {
        for (String id : List.of("0_0", "825743545_344185769", "4294967295_0", "0_12", "012_3", "1_02", "_1", "1_",
                "1_2_3", "3057_web-vxlan.lab", "1234567890123456789_1", "x", "-1_2", "123456789012345678_9")) {
            EvidenceRef.L7 ref = new EvidenceRef.L7(A, "ab5d23a4cd1fc203bcab509ebedc591d", id);
            ExchangeNote bare = new ExchangeNote(ref, null, "GET / 200", 1, L7Status.OK, 0, 2);
            assertEquals(ref, bare.ref(), id);
            assertNull(bare.path());
            assertFalse(bare.hasPath());
            // a path named after the record itself, and one named after another NIC's record
            EvidenceRef.Path own = new EvidenceRef.Path(id + "|http GET /", id, 42, A);
            EvidenceRef.Path other = new EvidenceRef.Path("9_9|http GET /", "9_9", 41, B);
            for (EvidenceRef.Path p : List.of(own, other)) {
                ExchangeNote n = new ExchangeNote(ref, p, "GET / 200", 1, L7Status.OK, 0, 2);
                ExchangeNote kept = n.kept(bare, s -> s);
                assertEquals(p, kept.path(), id);
                assertEquals(ref, kept.ref(), id);
                assertTrue(kept.sameRecord(bare) && bare.sameRecord(n), id);
                assertEquals(bare.recordHash(), n.recordHash(), id);
                assertEquals("GET / 200", kept.label());
                assertEquals(1, kept.retrans());
                assertEquals(2, kept.chunkIdMax());
            }
        }
        ExchangeNote x = new ExchangeNote(new EvidenceRef.L7(A, "i", "1_2"), null, "", 0, L7Status.OK, -1, -1);
        assertFalse(x.sameRecord(new ExchangeNote(new EvidenceRef.L7(A, "i", "1_3"), null, "", 0, L7Status.OK, -1,
                -1)));
        assertFalse(x.sameRecord(new ExchangeNote(new EvidenceRef.L7(B, "i", "1_2"), null, "", 0, L7Status.OK, -1,
                -1)));
        assertFalse(x.sameRecord(new ExchangeNote(new EvidenceRef.L7(A, "j", "1_2"), null, "", 0, L7Status.OK, -1,
                -1)));
    }

    /** Random trace ids of many forms (seqs, leading zeros, signs, long numbers, text) come back the same. */
    @Test
    void randomTraceIdsComeBackEqual() {
        java.util.Random r = new java.util.Random(9);
        String alphabet = "0123456789_0123456789_x-.";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int len = 1 + r.nextInt(r.nextBoolean() ? 12 : 42);
            for (int j = 0; j < len; j++) {
                b.append(alphabet.charAt(r.nextInt(r.nextInt(4) == 0 ? alphabet.length() : 22)));
            }
            String id = b.toString();
            EvidenceRef.L7 ref = new EvidenceRef.L7(A, "i", id);
            ExchangeNote n = new ExchangeNote(ref, null, "", 0, L7Status.OK, -1, -1);
            assertEquals(ref, n.ref(), id);
            ExchangeNote same = new ExchangeNote(new EvidenceRef.L7(A, "i", new String(id)), null, "", 0,
                    L7Status.OK, -1, -1);
            assertTrue(n.sameRecord(same) && n.idHash() == same.idHash(), id);
        }
    }
}
