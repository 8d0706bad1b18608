package io.netsieve.topology.sink.internal;

import io.netsieve.topology.sink.RecordType;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The files of a sink, one per record type ({@code <base name>.<extension>} in one folder), with the lines written
 * per type and the first write error. A write that fails is counted and remembered, never thrown to the caller (the
 * pipeline goes on); {@link #close()} throws the first one. Thread-safe: writes are serialised.
 */
public final class RecordFiles implements AutoCloseable {
    /** Bytes buffered per file before a write to the file system (as many as a few JSON lines). */
    private static final int BUFFER = 1 << 16;

    private final Map<RecordType, OutputStream> writers = new EnumMap<>(RecordType.class);
    private final Map<RecordType, Long> written = new EnumMap<>(RecordType.class);
    private long failures;
    private IOException firstError;
    private boolean closed;

    private RecordFiles() {
    }

    /** No file: every write is ignored. */
    public static RecordFiles none() {
        return new RecordFiles();
    }

    /** Creates (or truncates) the files of {@code types} in {@code dir}, which is created if needed. */
    public RecordFiles(Path dir, Set<RecordType> types, String extension) throws IOException {
        Files.createDirectories(dir);
        try {
            for (RecordType t : types) {
                writers.put(t, new BufferedOutputStream(Files.newOutputStream(
                        dir.resolve(t.baseName() + "." + extension)), BUFFER));
                written.put(t, 0L);
            }
        } catch (IOException e) {
            for (OutputStream w : writers.values()) {
                try {
                    w.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Whether records of {@code type} are written. */
    public boolean has(RecordType type) {
        return writers.containsKey(type);
    }

    /** Writes one line (a newline is added); false when the type is not written, the sink closed, or it failed. */
    public synchronized boolean write(RecordType type, String line) {
        return append(type, line, null);
    }

    /** Writes one line already encoded as UTF-8 in {@code line} (a newline is added); false as {@link #write}. */
    public synchronized boolean write(RecordType type, ByteArrayOutputStream line) {
        return append(type, null, line);
    }

    /** One line: {@code text} encoded, or {@code encoded} as it is (the other is null), then a newline. */
    private boolean append(RecordType type, String text, ByteArrayOutputStream encoded) {
        OutputStream w = writers.get(type);
        if (w == null || closed) {
            return false;
        }
        try {
            if (encoded != null) {
                encoded.writeTo(w);
            } else {
                w.write(text.getBytes(StandardCharsets.UTF_8));
            }
            w.write('\n');
            written.merge(type, 1L, Long::sum);
            return true;
        } catch (IOException e) {
            failed(e);
            return false;
        }
    }

    /** Counts a failed write (also one that failed before reaching the file, such as a record that cannot be encoded). */
    public synchronized void failed(IOException e) {
        failures++;
        if (firstError == null) {
            firstError = e;
        }
    }

    public synchronized boolean closed() {
        return closed;
    }

    public synchronized long written(RecordType type) {
        return written.getOrDefault(type, 0L);
    }

    public synchronized long failures() {
        return failures;
    }

    /** Flushes what is buffered to the files. */
    public synchronized void flush() throws IOException {
        for (OutputStream w : writers.values()) {
            w.flush();
        }
    }

    /** Closes the files; throws the first write error of the sink's life (or of closing), if any. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (OutputStream w : writers.values()) {
            try {
                w.close();
            } catch (IOException e) {
                failed(e);
            }
        }
        if (firstError != null) {
            throw firstError;
        }
    }
}
