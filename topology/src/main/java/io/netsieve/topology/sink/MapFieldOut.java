package io.netsieve.topology.sink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@link FieldOut} into ordered mutable maps: the form {@link RecordFields}'s public methods return. */
final class MapFieldOut extends FieldOut {
    private final Map<String, Object> root = new LinkedHashMap<>();
    /** The open containers, innermost first: a map, or a list of maps. As deep as the record (3 at most). */
    private final Deque<Object> open = new ArrayDeque<>(4);

    MapFieldOut() {
        open.push(root);
    }

    Map<String, Object> root() {
        return root;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map() {
        return (Map<String, Object>) open.peek();
    }

    @Override
    void put(String name, Object value) {
        map().put(name, value);
    }

    @Override
    void putStrings(String name, Collection<String> values) {
        map().put(name, List.copyOf(values));
    }

    @Override
    void putSorted(String name, Map<String, String> values) {
        map().put(name, values == null ? null : new TreeMap<>(values));
    }

    @Override
    void putIfAbsent(String name, String value) {
        root.putIfAbsent(name, value);
    }

    @Override
    void beginObject(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        map().put(name, m);
        open.push(m);
    }

    @Override
    void endObject() {
        open.pop();
    }

    @Override
    void beginArray(String name) {
        List<Map<String, Object>> list = new ArrayList<>();
        map().put(name, list);
        open.push(list);
    }

    @Override
    @SuppressWarnings("unchecked")
    void beginElement() {
        Map<String, Object> m = new LinkedHashMap<>();
        ((List<Map<String, Object>>) open.peek()).add(m);
        open.push(m);
    }

    @Override
    void endArray() {
        open.pop();
    }
}
