package io.netsieve.topology;

import io.netsieve.core.nic.Nic;
import io.netsieve.l7.L7Log;

/**
 * Receives each {@code bpf_net_l7_log} record with the capture point that wrote it. Threading and failures as
 * {@link L4LogCallback}.
 */
@FunctionalInterface
public interface L7LogCallback {
    void onL7Log(L7Log log, Nic nic);
}
