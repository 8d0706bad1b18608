package io.netsieve.topology.sink;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;
import io.netsieve.topology.ExchangePath;
import io.netsieve.topology.Finding;
import io.netsieve.topology.sink.internal.FileOptions;
import io.netsieve.topology.sink.internal.RecordFiles;
import io.netsieve.topology.sink.internal.Types;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes records as Guance / InfluxDB line protocol ({@link LineProtocol}): to files in a folder, one per record
 * type ({@code l4.lp}, {@code l7.lp}, {@code paths.lp}, {@code findings.lp}), and/or to a
 * {@link LineProtocolSender} that posts them to a DataKit or InfluxDB write endpoint. Measurements:
 * <ul>
 *   <li>{@code bpf_net_l4_log} and {@code bpf_net_l7_log}: the reference's §2 tags as tags
 *       ({@link LineProtocol#TAGS}), every other field of {@link RecordFields} a field, the record time as the
 *       timestamp;</li>
 *   <li>{@code netsieve_exchange_path}: tags {@code l4_proto}, {@code l7_proto}; the fields of
 *       {@link RecordFields#path} (hops, latencies and NAT as JSON strings); timestamp the request's first byte at
 *       the first hop;</li>
 *   <li>{@code netsieve_finding}: tags {@code kind}, {@code severity}, {@code subject_type}, {@code subject}; the
 *       other fields of {@link RecordFields#finding} (evidence as a JSON string); timestamp the finding's start.</li>
 * </ul>
 *
 * <p>Threading: every method may be called from any thread; lines are written one at a time. Failures: a file write
 * that fails is counted in {@link #failures()} and the callback returns normally; {@link #close()} throws the first
 * such error. Lines the sender cannot take are counted by the sender ({@link LineProtocolSender#stats()}). The sink
 * does not close its sender: close the sink first, then the sender.
 */
public final class LineProtocolSink extends FileRecordSink {
    /** Measurement of the exchanges across capture points. */
    public static final String PATH_MEASUREMENT = "netsieve_exchange_path";
    /** Measurement of the findings. */
    public static final String FINDING_MEASUREMENT = "netsieve_finding";

    private static final Set<String> PATH_TAGS = Set.of("l4_proto", "l7_proto");
    private static final Set<String> FINDING_TAGS = Set.of("kind", "severity", "subject_type", "subject");

    private final LineProtocolSender sender;
    private final Set<RecordType> types;

    private LineProtocolSink(RecordFiles files, LineProtocolSender sender, Set<RecordType> types) {
        super(files);
        this.sender = sender;
        this.types = types;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onL4Log(L4Log log, Nic nic) {
        if (types.contains(RecordType.L4)) {
            emit(RecordType.L4, LineProtocol.line(RecordFields.l4(log, nic)));
        }
    }

    @Override
    public void onL7Log(L7Log log, Nic nic) {
        if (types.contains(RecordType.L7)) {
            emit(RecordType.L7, LineProtocol.line(RecordFields.l7(log, nic)));
        }
    }

    @Override
    public void onPath(ExchangePath path) {
        if (types.contains(RecordType.PATH)) {
            emit(RecordType.PATH, pathLine(path));
        }
    }

    @Override
    public void onFinding(Finding finding) {
        if (types.contains(RecordType.FINDING)) {
            emit(RecordType.FINDING, findingLine(finding));
        }
    }

    /** The line of an exchange path (measurement {@value #PATH_MEASUREMENT}). */
    public static String pathLine(ExchangePath path) {
        Map<String, Object> m = RecordFields.path(path);
        m.put("source", PATH_MEASUREMENT);
        long first = path.hops().get(0).requestNanos();
        m.put("time", first >= 0 ? first : path.hops().get(0).log().timestampNanos());
        return LineProtocol.line(m, PATH_TAGS);
    }

    /** The line of a finding (measurement {@value #FINDING_MEASUREMENT}). */
    public static String findingLine(Finding finding) {
        Map<String, Object> m = RecordFields.finding(finding);
        m.remove("subject");
        m.put("subject_type", finding.subject().type().label());
        m.put("subject", finding.subject().value());
        m.put("source", FINDING_MEASUREMENT);
        m.put("time", finding.startNanos());
        return LineProtocol.line(m, FINDING_TAGS);
    }

    private void emit(RecordType type, String line) {
        files.write(type, line);
        if (sender != null) {
            sender.offer(line);
        }
    }

    /** Flushes and closes the files (not the sender); throws the first write error of the sink's life, if any. */
    @Override
    public void close() throws IOException {
        super.close();
    }

    /** Builder; each setter validates its argument and may be called once. A folder, a sender or both is required. */
    public static final class Builder {
        private final FileOptions options = new FileOptions();
        private LineProtocolSender sender;

        private Builder() {
        }

        /** Write files here ({@code l4.lp}, …; created if needed; existing files of the written types replaced). */
        public Builder directory(Path directory) {
            options.directory(directory);
            return this;
        }

        /** Also (or only) offer every line to this sender, which posts them in batches. */
        public Builder sender(LineProtocolSender sender) {
            Types.once(this.sender != null, "sender");
            this.sender = Objects.requireNonNull(sender, "sender");
            return this;
        }

        /** Only these record types are written and sent (default: all four). */
        public Builder records(RecordType first, RecordType... more) {
            options.records(first, more);
            return this;
        }

        /** Creates the files, if a folder was given. */
        public LineProtocolSink build() throws IOException {
            if (!options.hasDirectory() && sender == null) {
                throw new IllegalStateException("directory(...) or sender(...) is required");
            }
            return new LineProtocolSink(options.open("lp"), sender, options.types());
        }
    }
}
