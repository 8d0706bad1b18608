/** netsieve topology: cross-capture-point correlation of L7 exchanges (its API packages are exported as they land). */
module io.netsieve.topology {
    requires transitive io.netsieve.l7;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;
    requires org.slf4j;
    requires static micrometer.core;

    exports io.netsieve.topology;
    exports io.netsieve.topology.metrics;
    exports io.netsieve.topology.report;
    exports io.netsieve.topology.sink;
}
