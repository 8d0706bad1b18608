package io.netsieve.topology;

/** The file format of a {@link KeptPackets} export. */
public enum ExportFormat {
    /**
     * Classic pcap with nanosecond timestamps: one link type per file (an export whose frames have several is
     * refused) and no interface names.
     */
    PCAP,
    /**
     * pcapng: one interface per capture point (and link type) named after the capture point's NIC
     * ({@code Nic.label()}, e.g. {@code node1/pod-a/eth0}), nanosecond timestamps, the frames' direction when known.
     */
    PCAPNG;

    /** The usual file extension, with its dot. */
    public String extension() {
        return this == PCAP ? ".pcap" : ".pcapng";
    }
}
