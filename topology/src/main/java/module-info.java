/** netsieve topology: cross-capture-point correlation of L7 exchanges (its API packages are exported as they land). */
module io.netsieve.topology {
    requires transitive io.netsieve.l7;

    exports io.netsieve.topology;
    exports io.netsieve.topology.report;
}
