package io.netsieve.topology.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link FieldOut} straight into a JSON generator, the same text Jackson writes for {@link MapFieldOut}'s maps. An
 * I/O error of the generator is thrown as {@link UncheckedIOException} (the caller unwraps it).
 */
final class JsonFieldOut extends FieldOut {
    private final JsonGenerator gen;
    /** Depth of the open objects: 1 inside the record's own object. */
    private int depth;
    /**
     * The record's top-level names so far ({@link #topCount} of them), for {@link #putIfAbsent}; reset per record,
     * about 60 (the number of fields of a record).
     */
    private String[] topNames = new String[64];
    private int topCount;

    /**
     * The field names, each quoted and encoded once (the record model's ~100 names; a name Jackson would take from a
     * {@code String} was a third of the writer thread's time: copied to chars, then encoded to UTF-8, per field):
     * {@value #NAME_SLOTS} slots by the name's hash, the same {@code String} (the model's names are constants) found
     * without comparing text; a name whose slot another holds is looked up in {@link #moreNames}.
     */
    private static final int NAME_SLOTS = 512;
    private final String[] nameKeys = new String[NAME_SLOTS];
    private final SerializableString[] nameValues = new SerializableString[NAME_SLOTS];
    private final Map<String, SerializableString> moreNames = new HashMap<>();

    JsonFieldOut(JsonGenerator gen) {
        this.gen = gen;
    }

    /** Starts a record (a JSON object at the root). */
    void beginRecord() throws IOException {
        topCount = 0;
        depth = 1;
        gen.writeStartObject();
    }

    void endRecord() throws IOException {
        gen.writeEndObject();
        depth = 0;
    }

    private void name(String name) throws IOException {
        if (depth == 1) {
            if (topCount == topNames.length) {
                topNames = Arrays.copyOf(topNames, topCount * 2);
            }
            topNames[topCount++] = name;
        }
        gen.writeFieldName(encoded(name));
    }

    private SerializableString encoded(String name) {
        int h = name.hashCode();
        int slot = (h ^ (h >>> 9)) & (NAME_SLOTS - 1);
        String key = nameKeys[slot];
        if (key == name) {
            return nameValues[slot];
        }
        if (key == null) {
            SerializableString encoded = new SerializedString(name);
            nameKeys[slot] = name;
            nameValues[slot] = encoded;
            return encoded;
        }
        if (key.equals(name)) {
            return nameValues[slot];
        }
        SerializableString encoded = moreNames.get(name);
        if (encoded == null) {
            encoded = new SerializedString(name);
            if (moreNames.size() < 1024) { // the record model's names; bounded all the same
                moreNames.put(name, encoded);
            }
        }
        return encoded;
    }

    @Override
    void put(String name, String value) {
        try {
            name(name);
            gen.writeString(value); // null: writeNull
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void put(String name, int value) {
        try {
            name(name);
            gen.writeNumber(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void put(String name, long value) {
        try {
            name(name);
            gen.writeNumber(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void put(String name, double value) {
        try {
            name(name);
            gen.writeNumber(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void put(String name, boolean value) {
        try {
            name(name);
            gen.writeBoolean(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void put(String name, Object value) {
        // the typed puts write each kind of value (null as a null string: writeNull)
        if (value == null || value instanceof String) {
            put(name, (String) value);
        } else if (value instanceof Integer i) {
            put(name, i.intValue());
        } else if (value instanceof Long l) {
            put(name, l.longValue());
        } else if (value instanceof Double d) {
            put(name, d.doubleValue());
        } else if (value instanceof Boolean b) {
            put(name, b.booleanValue());
        } else {
            throw new IllegalArgumentException("not a record field value: " + value.getClass());
        }
    }

    @Override
    void putStrings(String name, Collection<String> values) {
        try {
            name(name);
            gen.writeStartArray();
            for (String v : values) {
                gen.writeString(v);
            }
            gen.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /*
     * The entries of the maps last written by putSorted, in key order, by the map object (direct-mapped by its
     * identity hash): records of one connection share their headers map (L7 gives the same immutable map while the
     * headers stay the same), so it is sorted once, not per record; the records of many connections interleave. Only
     * the JDK's immutable maps (what HttpInfo holds) are kept: they cannot change behind the cache.
     */
    private static final Class<?> IMMUTABLE_1 = Map.of("a", "b").getClass();
    private static final Class<?> IMMUTABLE_N = Map.of("a", "b", "c", "d").getClass();
    private static final int SORTED_SLOTS = 1024;
    private final Object[] sortedMaps = new Object[SORTED_SLOTS];
    private final String[][] sortedEntries = new String[SORTED_SLOTS][];

    @Override
    void putSorted(String name, Map<String, String> values) {
        try {
            name(name);
            if (values == null) {
                gen.writeNull();
                return;
            }
            int slot = System.identityHashCode(values) & (SORTED_SLOTS - 1);
            if (sortedMaps[slot] == values) {
                writeEntries(sortedEntries[slot]);
                return;
            }
            String[] entries = new String[2 * values.size()];
            int i = 0;
            for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) { // key order, as the maps'
                entries[i++] = e.getKey();
                entries[i++] = e.getValue();
            }
            Class<?> kind = values.getClass();
            if (kind == IMMUTABLE_1 || kind == IMMUTABLE_N) {
                sortedMaps[slot] = values;
                sortedEntries[slot] = entries;
            }
            writeEntries(entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeEntries(String[] entries) throws IOException {
        gen.writeStartObject();
        for (int i = 0; i < entries.length; i += 2) {
            gen.writeFieldName(entries[i]);
            gen.writeString(entries[i + 1]);
        }
        gen.writeEndObject();
    }

    @Override
    void putIfAbsent(String name, String value) {
        for (int i = 0; i < topCount; i++) {
            if (topNames[i].equals(name)) {
                return;
            }
        }
        put(name, value);
    }

    @Override
    void beginObject(String name) {
        try {
            name(name);
            gen.writeStartObject();
            depth++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void endObject() {
        try {
            gen.writeEndObject();
            depth--;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void beginArray(String name) {
        try {
            name(name);
            gen.writeStartArray();
            depth++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void beginElement() {
        try {
            gen.writeStartObject();
            depth++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void endArray() {
        try {
            gen.writeEndArray();
            depth--;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
