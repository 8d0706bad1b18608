package io.netsieve.topology.sink;

import io.netsieve.topology.sink.internal.RecordFiles;

import java.io.IOException;

/** What the file-writing sinks share: their files, the counts of lines written and failed, flush and close. */
abstract class FileRecordSink implements RecordSink {
    /** The sink's files (none when it writes no file). */
    final RecordFiles files;

    FileRecordSink(RecordFiles files) {
        this.files = files;
    }

    /** Lines written to {@code type}'s file so far (0 when it has none). */
    public long written(RecordType type) {
        return files.written(type);
    }

    /** File writes that failed (the record is not in the file). */
    public long failures() {
        return files.failures();
    }

    /** Pushes buffered lines to the files. */
    public void flush() throws IOException {
        files.flush();
    }

    /** Flushes and closes the files; throws the first write error of the sink's life, if there was one. */
    @Override
    public void close() throws IOException {
        files.close();
    }
}
