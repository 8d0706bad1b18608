package io.netsieve.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A capture file is corrupt, truncated or of an unsupported format. The message names the file and the byte offset
 * where reading stopped; {@link #byteOffset()} gives it programmatically.
 */
public class CaptureFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long byteOffset;

    public CaptureFileException(Path file, long byteOffset, String problem) {
        super(file + " at byte offset " + byteOffset + ": " + problem);
        this.file = file;
        this.byteOffset = byteOffset;
    }

    /** The file that could not be read. */
    public Path file() { return file; }

    /** Offset of the record or header where the problem was found. */
    public long byteOffset() { return byteOffset; }
}
