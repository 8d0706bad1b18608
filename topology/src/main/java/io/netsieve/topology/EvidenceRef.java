package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l4.L4Log;
import io.netsieve.l7.L7Log;

import java.util.Objects;

/**
 * A reference to a record that shows a finding: enough to find it in the records a run wrote ({@code l4.jsonl},
 * {@code l7.jsonl}, {@code paths.jsonl}) or in {@link AssociatedLogs}, without keeping the record itself.
 */
public sealed interface EvidenceRef {

    /** The capture point the record was written on. */
    CapturePoint capturePoint();

    /**
     * A capture point's identity (reference §2): host + netns (or pod) + nic_name.
     *
     * @param host    {@code host}
     * @param netns   {@code netns} (may be empty)
     * @param podName {@code k8s_pod_name} (empty outside pods)
     * @param nicName {@code nic_name}
     */
    record CapturePoint(String host, String netns, String podName, String nicName) {
        public CapturePoint {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(netns, "netns");
            Objects.requireNonNull(podName, "podName");
            Objects.requireNonNull(nicName, "nicName");
        }

        public static CapturePoint of(Nic nic) {
            return new CapturePoint(nic.host(), nic.netns(), nic.podName(), nic.nicName());
        }

        /** {@code host/pod/nic}, or {@code host/netns/nic} outside pods: unique per capture point. */
        public String id() {
            return host + "/" + (podName.isEmpty() ? netns : podName) + "/" + nicName;
        }

        /** What the lab's topology calls it: {@code pod/nic} for pods, {@code host/nic} otherwise ({@code nic} alone without a host). */
        public String name() {
            String owner = podName.isEmpty() ? host : podName;
            return owner.isEmpty() ? nicName : owner + "/" + nicName;
        }
    }

    /** A {@code bpf_net_l4_log} record: one chunk of one connection on one capture point. */
    record L4(CapturePoint capturePoint, String innerTraceId, int chunkId) implements EvidenceRef {
        public L4 {
            Objects.requireNonNull(capturePoint, "capturePoint");
            Objects.requireNonNull(innerTraceId, "innerTraceId");
        }

        public static L4 of(L4Log log, Nic nic) {
            return new L4(CapturePoint.of(nic), log.innerTraceId(), log.chunkId());
        }
    }

    /** A {@code bpf_net_l7_log} record: one exchange on one capture point. */
    record L7(CapturePoint capturePoint, String innerTraceId, String l7TraceId) implements EvidenceRef {
        public L7 {
            Objects.requireNonNull(capturePoint, "capturePoint");
            Objects.requireNonNull(innerTraceId, "innerTraceId");
            Objects.requireNonNull(l7TraceId, "l7TraceId");
        }

        public static L7 of(L7Log log, Nic nic) {
            return new L7(CapturePoint.of(nic), log.innerTraceId(), log.l7TraceId());
        }
    }

    /**
     * An {@link ExchangePath}: its key, the {@code l7_traceid} and time of its first hop's record (the key alone may
     * repeat outside the correlation window), and the first hop's capture point.
     */
    record Path(String key, String l7TraceId, long timeNanos, CapturePoint capturePoint) implements EvidenceRef {
        public Path {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(l7TraceId, "l7TraceId");
            Objects.requireNonNull(capturePoint, "capturePoint");
        }

        /** The path's reference. */
        public static Path of(ExchangePath path) {
            Hop first = path.hops().get(0);
            return new Path(path.key(), first.log().l7TraceId(), first.log().timestampNanos(),
                    CapturePoint.of(first.nic()));
        }
    }
}
