package io.netsieve.l4;

import io.netsieve.core.testing.Prerequisites;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.ThrowingConsumer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Test helper: the corpus captures the L4 conformance tests run on, and the ones the decoder cannot reach. */
public final class CorpusCaptures {
    /** Captures whose transport the decoder cannot reach, by design (see PacketDecoderCorpusTest), with why. */
    public static final Map<String, String> NOT_DECODED = Map.of(
            "AH-IPcomp-IPv4.pcap", "transport inside IPComp / IP-in-IP (not decapsulated)",
            "AH-IPcomp-IPv6.pcap", "transport inside IPComp / IP-in-IP (not decapsulated)",
            "arcnet-rfc1051-arp-icmp-http.pcap", "ARCnet link type not decoded",
            "arcnet-rfc1201-arp-icmp-http.pcap", "ARCnet link type not decoded",
            "http_PPI.pcap", "PPI/802.11 link type not decoded");

    private CorpusCaptures() {
    }

    /** One dynamic test per corpus capture ({@link #all()}), each running {@code compare} on it; needs tshark. */
    public static Stream<DynamicTest> eachAgainstTshark(ThrowingConsumer<Path> compare) throws IOException {
        Prerequisites.requireCommand("tshark");
        return all().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> compare.accept(f)));
    }

    /** {@link #all()}, then the bundled demo lab captures (examples module). */
    public static List<Path> allWithDemo() throws IOException {
        List<Path> files = all();
        try (Stream<Path> demo = Files.list(Path.of("../examples/src/main/resources/demo"))) {
            demo.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(files::add);
        }
        return files;
    }

    /** Every pcap/pcapng of the tcpdump tests and of libpcap's filter tests, sorted by folder then name. */
    public static List<Path> all() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Prerequisites.tcpdumpCorpus(), Prerequisites.libpcapCorpus().resolve("filter"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }
}
