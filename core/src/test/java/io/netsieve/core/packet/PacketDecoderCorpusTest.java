package io.netsieve.core.packet;

import io.netsieve.core.io.CaptureFileException;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.testing.Prerequisites;
import io.netsieve.core.testing.Tshark;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every capture of the shared corpus is decoded (none may throw) and, per file, the number of packets containing
 * each layer is compared with tshark's dissection ({@code frame.protocols}).
 *
 * <p>Where the two may legitimately differ, the rule is explicit and narrow:
 * <ul>
 *   <li>tshark lists the protocols inside an ICMP error's quote; the decoder reads the quote as part of ICMP, so
 *       tshark's list is cut after the first icmp/icmpv6;</li>
 *   <li>the decoder does not decapsulate IP-in-IP (including SRv6 and AH tunnel mode), GRE, MPLS over UDP, IPComp
 *       or OpenFlow payloads: tshark's list is cut where one of those starts (VXLAN and GENEVE are followed);</li>
 *   <li>a frame we call MALFORMED may stop short of tshark only if tshark flags an error on it too (expert
 *       severity "error"), and a frame we call TRUNCATED only if it really was cut (caplen &lt; len);</li>
 *   <li>link types the decoder does not support (ARCnet, PPI…) must yield UNSUPPORTED_LINK_TYPE for every frame.</li>
 * </ul>
 * tshark reassembles IP fragments (a datagram's transport layer shows on its last fragment, ours on its first), so
 * per-file counts match while individual frames may not; frames are compared one by one only to explain a failure.
 */
class PacketDecoderCorpusTest {
    /** tshark protocol names mapped to our layers. Layers absent here are not compared. */
    private static final Map<String, Layer> TSHARK_NAMES = new LinkedHashMap<>();

    static {
        TSHARK_NAMES.put("eth", Layer.ETHERNET);
        TSHARK_NAMES.put("vlan", Layer.VLAN);
        TSHARK_NAMES.put("ieee8021ad", Layer.VLAN);
        TSHARK_NAMES.put("sll", Layer.LINUX_SLL);
        TSHARK_NAMES.put("null", Layer.NULL_LOOP);
        TSHARK_NAMES.put("arp", Layer.ARP);
        TSHARK_NAMES.put("ip", Layer.IPV4);
        TSHARK_NAMES.put("ipv6", Layer.IPV6);
        TSHARK_NAMES.put("tcp", Layer.TCP);
        TSHARK_NAMES.put("udp", Layer.UDP);
        TSHARK_NAMES.put("sctp", Layer.SCTP);
        TSHARK_NAMES.put("icmp", Layer.ICMP);
        TSHARK_NAMES.put("icmpv6", Layer.ICMPV6);
        TSHARK_NAMES.put("igmp", Layer.IGMP);
        TSHARK_NAMES.put("vxlan", Layer.VXLAN);
        TSHARK_NAMES.put("geneve", Layer.GENEVE);
        TSHARK_NAMES.put("mpls", Layer.MPLS);
        TSHARK_NAMES.put("pppoes", Layer.PPPOE);
    }

    static List<Path> corpusCaptures() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Prerequisites.tcpdumpCorpus(), Prerequisites.libpcapCorpus().resolve("filter"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                        .sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() >= 90, "expected the whole corpus, found " + files.size() + " captures");
        return files;
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusCaptureDecodesLikeTshark() throws IOException {
        Prerequisites.requireCommand("tshark");
        return corpusCaptures().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> compare(f)));
    }

    private static void compare(Path file) throws Exception {
        List<Long> ours = new ArrayList<>();
        List<DecodeOutcome> outcomesByFrame = new ArrayList<>();
        List<Boolean> cut = new ArrayList<>();
        List<String> describe = new ArrayList<>();
        DecodeStats stats = new DecodeStats();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket decoded = new DecodedPacket();
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            while (reader.next(view)) {
                decoder.decode(view, decoded);
                stats.record(decoded);
                long bits = decoded.layers();
                if ((bits & Layer.LINUX_SLL2.bit()) != 0) {
                    bits |= Layer.LINUX_SLL.bit();
                }
                ours.add(bits);
                outcomesByFrame.add(decoded.outcome());
                cut.add(view.isTruncated());
                describe.add(decoded.toString());
            }
        } catch (CaptureFileException e) {
            // A damaged file: the reader's own test checks where it stops; decode what it delivered.
        }
        long outcomes = 0;
        for (DecodeOutcome o : DecodeOutcome.values()) {
            outcomes += stats.count(o);
        }
        assertEquals(stats.packets(), outcomes, "every packet has exactly one outcome");
        if (stats.count(DecodeOutcome.UNSUPPORTED_LINK_TYPE) > 0) {
            assertEquals(stats.packets(), stats.count(DecodeOutcome.UNSUPPORTED_LINK_TYPE),
                    "a link type is supported or not, for every frame of " + file.getFileName());
            return;
        }
        Tshark.Result tshark = Tshark.fields(file, List.of("frame.protocols", "_ws.expert.severity"));
        if (tshark.error() != null && tshark.error().contains("unknown or unsupported")) {
            return; // tshark cannot dissect this link type at all
        }
        List<Long> theirs = new ArrayList<>();
        List<String> theirText = new ArrayList<>();
        for (String[] row : tshark.rows()) {
            long bits = tsharkLayers(row[0]);
            int i = theirs.size();
            if (i < ours.size() && (bits & ~ours.get(i)) != 0 && (ours.get(i) & ~bits) == 0) {
                DecodeOutcome outcome = outcomesByFrame.get(i);
                boolean tsharkError = row.length > 1 && row[1].contains(EXPERT_ERROR);
                if ((outcome == DecodeOutcome.MALFORMED && tsharkError)
                        || (outcome == DecodeOutcome.TRUNCATED && cut.get(i))) {
                    bits = ours.get(i); // both agree the frame is broken where we stopped
                }
            }
            theirs.add(bits);
            theirText.add(row[0]);
        }
        assertEquals(theirs.size(), ours.size(), "packets in " + file);

        Map<Layer, long[]> counts = new EnumMap<>(Layer.class);
        for (Layer layer : TSHARK_NAMES.values()) {
            counts.put(layer, new long[2]);
        }
        StringBuilder differences = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < ours.size(); i++) {
            long mask = 0;
            for (Map.Entry<Layer, long[]> e : counts.entrySet()) {
                mask |= e.getKey().bit();
                if ((ours.get(i) & e.getKey().bit()) != 0) {
                    e.getValue()[0]++;
                }
                if ((theirs.get(i) & e.getKey().bit()) != 0) {
                    e.getValue()[1]++;
                }
            }
            if ((ours.get(i) & mask) != (theirs.get(i) & mask) && shown++ < 4) {
                differences.append("\n  frame ").append(i + 1).append(": tshark ").append(theirText.get(i))
                        .append(" / ours ").append(describe.get(i));
            }
        }
        StringBuilder mismatch = new StringBuilder();
        for (Map.Entry<Layer, long[]> e : counts.entrySet()) {
            if (e.getValue()[0] != e.getValue()[1]) {
                mismatch.append(' ').append(e.getKey()).append(" ours=").append(e.getValue()[0])
                        .append(" tshark=").append(e.getValue()[1]);
            }
        }
        if (!mismatch.isEmpty()) {
            fail(file.getFileName() + ":" + mismatch + differences);
        }
    }

    /** tshark's expert severity "error" (PI_ERROR). */
    private static final String EXPERT_ERROR = "8388608";

    /**
     * The layers tshark lists for one frame, up to and including the first ICMP/ICMPv6 layer, and up to an
     * encapsulation the decoder does not follow.
     */
    static long tsharkLayers(String protocols) {
        long bits = 0;
        boolean sawIp = false;
        boolean sawUdp = false;
        for (String name : protocols.split(":")) {
            if (name.equals("gre") || name.equals("ipcomp") || name.startsWith("openflow")
                    || (name.equals("mpls") && sawUdp)) {
                break;
            }
            if ((name.equals("ip") || name.equals("ipv6")) && sawIp) {
                break; // IP in IP
            }
            Layer layer = TSHARK_NAMES.get(name);
            if (layer != null) {
                bits |= layer.bit();
            }
            switch (name) {
                case "ip", "ipv6" -> sawIp = true;
                case "udp" -> sawUdp = true;
                case "vxlan", "geneve" -> {
                    sawIp = false;
                    sawUdp = false;
                }
                case "icmp", "icmpv6" -> {
                    return bits;
                }
                default -> {
                }
            }
        }
        return bits;
    }
}
