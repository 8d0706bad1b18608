/** netsieve l4: flows, TCP analysis, reassembly, bpf_net_l4_log (API packages are exported as they land). */
module io.netsieve.l4 {
    requires transitive io.netsieve.core;

    exports io.netsieve.l4;
    exports io.netsieve.l4.flow;
    exports io.netsieve.l4.stream;
}
