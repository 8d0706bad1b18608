package io.netsieve.topology.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The encoded-name cache of {@link JsonFieldOut} against Jackson writing the names as strings: far more distinct
 * names than slots (so slots collide and the overflow map fills past its bound), the same names as other
 * {@code String} objects, in random orders over many records, and {@code putIfAbsent} on names written before.
 */
class JsonFieldOutNamesTest {
    @Test
    void sameTextAsJacksonWithManyCollidingNames() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            names.add("field_" + i + (i % 7 == 0 ? "_é" : ""));
        }
        Random r = new Random(3);
        JsonFactory factory = new JsonFactory();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (JsonGenerator g = factory.createGenerator(ours); JsonGenerator p = factory.createGenerator(plain)) {
            JsonFieldOut out = new JsonFieldOut(g);
            for (int record = 0; record < 400; record++) {
                out.beginRecord();
                p.writeStartObject();
                List<String> written = new ArrayList<>();
                int fields = 1 + r.nextInt(80);
                for (int f = 0; f < fields; f++) {
                    String name = names.get(r.nextInt(r.nextBoolean() ? 50 : names.size()));
                    if (r.nextBoolean()) {
                        name = new String(name); // equal text, another object
                    }
                    if (written.contains(name)) {
                        continue; // a record names each field once
                    }
                    written.add(name);
                    out.put(name, record * 100L + f);
                    p.writeNumberField(name, record * 100L + f);
                }
                // putIfAbsent: a name written in this record is left out, another is written
                String again = written.get(r.nextInt(written.size()));
                out.putIfAbsent(new String(again), "x");
                String fresh = "absent_" + record;
                out.putIfAbsent(fresh, "y");
                p.writeStringField(fresh, "y");
                out.endRecord();
                p.writeEndObject();
            }
        }
        assertEquals(plain.toString("UTF-8"), ours.toString("UTF-8"));
    }

    /**
     * Sorted maps as Jackson writes a TreeMap of them: the same immutable map many times in a row and between others,
     * and a mutable map changed between records (the same object, other content: never taken from the cache).
     */
    @Test
    void sortedMapsAsJacksonWritesThemSorted() throws Exception {
        Map<String, String> one = Map.of("host", "a");
        Map<String, String> three = Map.of("host", "a", "content-type", "text/html", "content-length", "600");
        java.util.HashMap<String, String> mutable = new java.util.HashMap<>(Map.of("x", "1"));
        Random r = new Random(4);
        JsonFactory factory = new JsonFactory();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (JsonGenerator g = factory.createGenerator(ours); JsonGenerator p = factory.createGenerator(plain)) {
            JsonFieldOut out = new JsonFieldOut(g);
            for (int record = 0; record < 300; record++) {
                Map<String, String> m = switch (r.nextInt(5)) {
                    case 0 -> one;
                    case 1 -> Map.of();
                    case 2 -> mutable;
                    default -> three;
                };
                if (m == mutable) {
                    mutable.put("k" + r.nextInt(5), "v" + record);
                }
                boolean absent = r.nextInt(20) == 0;
                out.beginRecord();
                out.putSorted("http_headers", absent ? null : m);
                out.endRecord();
                // the same record written plainly, from the map's content now
                p.writeStartObject();
                p.writeFieldName("http_headers");
                if (absent) {
                    p.writeNull();
                } else {
                    p.writeStartObject();
                    for (Map.Entry<String, String> e : new java.util.TreeMap<>(m).entrySet()) {
                        p.writeStringField(e.getKey(), e.getValue());
                    }
                    p.writeEndObject();
                }
                p.writeEndObject();
            }
        }
        assertEquals(plain.toString("UTF-8"), ours.toString("UTF-8"));
    }
}
