package io.netsieve.topology.sink;

import java.util.Collection;
import java.util.Map;

/**
 * Where {@link RecordFields} writes a record's fields, in order: into maps ({@link RecordFields}'s public methods,
 * {@link LineProtocolSink}) or straight into a JSON generator ({@link JsonLinesSink}: no map, no boxing per field).
 * One definition of the fields for both, so the JSON lines and the maps cannot drift apart. The overloads keep the
 * boxed types the maps always had ({@code int} fields are {@code Integer}s, {@code long} ones {@code Long}s).
 */
abstract class FieldOut {

    // The typed overloads box into put(String, Object) unless overridden: what the maps store anyway (an int field
    // an Integer, a long one a Long); JsonFieldOut overrides them to write without boxing.

    void put(String name, String value) {
        put(name, (Object) value);
    }

    void put(String name, int value) {
        put(name, (Object) value);
    }

    void put(String name, long value) {
        put(name, (Object) value);
    }

    void put(String name, double value) {
        put(name, (Object) value);
    }

    void put(String name, boolean value) {
        put(name, (Object) value);
    }

    /** {@code value} when {@code present}, else null: as {@code put(name, present ? value : null)}, not boxed. */
    final void putOrNull(String name, boolean present, int value) {
        if (present) {
            put(name, value);
        } else {
            put(name, (Object) null);
        }
    }

    /** {@code value} when {@code present}, else null. */
    final void putOrNull(String name, boolean present, long value) {
        if (present) {
            put(name, value);
        } else {
            put(name, (Object) null);
        }
    }

    /** {@code value} when {@code present}, else null. */
    final void putOrNull(String name, boolean present, double value) {
        if (present) {
            put(name, value);
        } else {
            put(name, (Object) null);
        }
    }

    /** A boxed number, a string or a boolean that may be null (JSON {@code null}). */
    abstract void put(String name, Object value);

    /** Strings in iteration order, a JSON array (the maps hold an immutable list copy). */
    abstract void putStrings(String name, Collection<String> values);

    /** A string map in key order, or null (the maps hold a {@code TreeMap}). */
    abstract void putSorted(String name, Map<String, String> values);

    /** A top-level field unless the record already has one of that name. */
    abstract void putIfAbsent(String name, String value);

    /** Starts a nested object field; {@link #endObject} ends it. */
    abstract void beginObject(String name);

    abstract void endObject();

    /** Starts an array field of objects; each element between {@link #beginElement} and {@link #endObject}. */
    abstract void beginArray(String name);

    abstract void beginElement();

    abstract void endArray();
}
