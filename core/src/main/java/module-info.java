/**
 * netsieve core: flyweight packet views and layer decoders, capture files (pcap, pcapng), live capture through
 * libpcap, capture-point metadata. Implementation packages ({@code ..internal..}) are not exported.
 */
module io.netsieve.core {
    requires org.slf4j;
    requires com.sun.jna;
    requires org.objectweb.asm;
    // pcap4j 1.8.2's module descriptor requires 'slf4j.api', the automatic name of old slf4j 1.7 jars, which
    // slf4j 2 (module org.slf4j) cannot satisfy. pcap4j therefore stays on the class path and this module reads
    // it from there (javac --add-reads io.netsieve.core=ALL-UNNAMED; users on the module path pass the same
    // option to java). Only live capture touches pcap4j.

    exports io.netsieve.core.packet;
    exports io.netsieve.core.io;
    exports io.netsieve.core.nic;
    exports io.netsieve.core.capture;
    exports io.netsieve.core.bpf;
}
