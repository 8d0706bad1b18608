package io.netsieve.core.io;

/**
 * An interface described by a capture file: the single implicit interface of a pcap file, or a pcapng Interface
 * Description Block.
 *
 * @param id                 index within its section (pcapng interface id; 0 for pcap)
 * @param section            pcapng section number, starting at 0 (always 0 for pcap)
 * @param linkType           LINKTYPE_ value
 * @param snapLength         the snap length declared for it (0 = not limited)
 * @param name               {@code if_name}, or empty
 * @param description        {@code if_description}, or empty
 * @param timestampUnitsPerSecond timestamp resolution in units per second (10^6 by default; 10^9 for nanosecond pcap)
 */
public record CaptureInterface(int id, int section, int linkType, int snapLength, String name, String description,
                               long timestampUnitsPerSecond) {
}
