package io.netsieve.topology.sink.internal;

import io.netsieve.topology.sink.RecordType;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/** Builder checks shared by the sinks. */
public final class Types {
    private Types() {
    }

    /** The set of {@code first} and {@code more}, none null. */
    public static Set<RecordType> of(RecordType first, RecordType... more) {
        EnumSet<RecordType> set = EnumSet.of(Objects.requireNonNull(first, "first"));
        for (RecordType t : more) {
            set.add(Objects.requireNonNull(t, "record type"));
        }
        return set;
    }

    /** Refuses a second call of a builder setter. */
    public static void once(boolean set, String name) {
        if (set) {
            throw new IllegalStateException(name + " was already set");
        }
    }
}
