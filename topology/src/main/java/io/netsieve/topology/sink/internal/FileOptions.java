package io.netsieve.topology.sink.internal;

import io.netsieve.topology.sink.RecordType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/** The folder and record types a sink's builder collects (each settable once). */
public final class FileOptions {
    private Path directory;
    private Set<RecordType> types;

    public void directory(Path dir) {
        Types.once(directory != null, "directory");
        directory = Objects.requireNonNull(dir, "directory");
    }

    public void records(RecordType first, RecordType... more) {
        Types.once(types != null, "records");
        types = Types.of(first, more);
    }

    public boolean hasDirectory() {
        return directory != null;
    }

    /** The record types chosen, all four by default. */
    public Set<RecordType> types() {
        return types != null ? types : EnumSet.allOf(RecordType.class);
    }

    /** The files of the chosen types in the folder, or no file at all without a folder. */
    public RecordFiles open(String extension) throws IOException {
        return directory == null ? RecordFiles.none() : new RecordFiles(directory, types(), extension);
    }
}
