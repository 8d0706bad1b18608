package io.netsieve.topology.sink;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.sink.internal.FileOptions;
import io.netsieve.topology.sink.internal.RecordFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Writes records as JSON Lines, one file per record type in one folder: {@code l4.jsonl} (one
 * {@code bpf_net_l4_log} per line), {@code l7.jsonl} ({@code bpf_net_l7_log}), {@code paths.jsonl} (one exchange
 * across capture points) and {@code findings.jsonl}, with the field names of {@link RecordFields}. Wire it to a
 * pipeline through its callbacks:
 *
 * <pre>{@code
 * try (JsonLinesSink sink = JsonLinesSink.builder().directory(Path.of("out")).build()) {
 *     NetSieve.builder().captureSet(set)
 *             .onL4Log(sink::onL4Log).onL7Log(sink::onL7Log)
 *             .onExchangePath(sink::onPath).onFinding(sink::onFinding)
 *             .build().run();
 * }
 * }</pre>
 *
 * <p>Threading: every method may be called from any thread; lines are written one at a time (a line is never
 * interleaved with another). Failures: a write that fails (disk full, closed file) is counted in
 * {@link #failures()} and the callback returns normally, so the pipeline goes on; {@link #close()} throws the first
 * such error. Records offered after {@code close()} are ignored. Output is buffered; {@link #flush()} pushes it to
 * the files.
 */
public final class JsonLinesSink extends FileRecordSink {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The line being written, UTF-8: reused (it grows to the longest line written, an L4 record with its packet
     * series: tens of KB), so a line costs no map, string or byte array; guarded by {@code this}.
     */
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
    private JsonGenerator generator;
    private JsonFieldOut out;

    private JsonLinesSink(RecordFiles files) {
        super(files);
        newGenerator();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onL4Log(L4Log log, Nic nic) {
        if (files.has(RecordType.L4)) {
            write(RecordType.L4, log, nic);
        }
    }

    @Override
    public void onL7Log(L7Log log, Nic nic) {
        if (files.has(RecordType.L7)) {
            write(RecordType.L7, log, nic);
        }
    }

    @Override
    public void onPath(ExchangePath path) {
        if (files.has(RecordType.PATH)) {
            write(RecordType.PATH, path, null);
        }
    }

    @Override
    public void onFinding(Finding finding) {
        if (files.has(RecordType.FINDING)) {
            write(RecordType.FINDING, finding, null);
        }
    }

    /**
     * Writes one record's fields as a JSON object into {@link #line} with Jackson's streaming generator (the text
     * {@code ObjectMapper} wrote for {@link RecordFields}'s maps, byte for byte), then the line to its file.
     */
    private synchronized void write(RecordType type, Object record, Nic nic) {
        line.reset();
        boolean done = false;
        try {
            out.beginRecord();
            switch (type) { // not a lambda per record
                case L4 -> RecordFields.l4(out, (L4Log) record, nic);
                case L7 -> RecordFields.l7(out, (L7Log) record, nic);
                case PATH -> RecordFields.path(out, (ExchangePath) record);
                case FINDING -> RecordFields.finding(out, (Finding) record);
                default -> throw new IllegalArgumentException("record type " + type);
            }
            out.endRecord();
            generator.flush();
            done = true;
        } catch (IOException e) {
            files.failed(e);
            return;
        } catch (UncheckedIOException e) {
            files.failed(e.getCause());
            return;
        } finally {
            if (!done) {
                newGenerator(); // the old one is inside a half-written record
            }
        }
        files.write(type, line);
    }

    private void newGenerator() {
        try {
            generator = JSON.createGenerator(line, JsonEncoding.UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        generator.setRootValueSeparator(null); // one record per line: the sink writes the newlines
        out = new JsonFieldOut(generator);
    }

    /** Builder; each setter validates its argument and may be called once. */
    public static final class Builder {
        private final FileOptions options = new FileOptions();

        private Builder() {
        }

        /** The folder of the files (required; created if needed; existing files of the written types are replaced). */
        public Builder directory(Path directory) {
            options.directory(directory);
            return this;
        }

        /** Only these record types get a file (default: all four); records of the others are ignored. */
        public Builder records(RecordType first, RecordType... more) {
            options.records(first, more);
            return this;
        }

        /** Creates the files. */
        public JsonLinesSink build() throws IOException {
            if (!options.hasDirectory()) {
                throw new IllegalStateException("directory(...) is required");
            }
            return new JsonLinesSink(options.open("jsonl"));
        }
    }
}
