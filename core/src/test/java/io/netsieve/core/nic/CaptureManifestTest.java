package io.netsieve.core.nic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureManifestTest {

    @Test
    void readsColumnsInAnyOrderWithEmptyCellsAndRelativePaths(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("caps"));
        Path manifest = tmp.resolve("caps/captures.tsv");
        Files.writeString(manifest, String.join("\n",
                "# lab capture set",
                "host\tfile\tnic_name\tnic_kind\tpod_name\tk8s_namespace\tk8s_container_name\tip\tnic_mac",
                "node1\tpod-a.pcap\teth0\tvirtual\tfrontend-7d9\tshop\tweb\t198.18.1.2,fd00:198:18:1::2\t02:00:c6:12:01:02",
                "",
                "node1\t/abs/node1-eth0.pcap\teth0\tphysical\t\t\t\t198.18.0.1\t",
                "node1\tbr.pcap\tcni0\tbridge\t\t\t\t\t"));
        CaptureSet set = CaptureManifest.read(manifest);
        assertEquals(3, set.size());
        CapturePoint pod = set.get(0);
        assertEquals(0, pod.id());
        assertEquals(tmp.resolve("caps/pod-a.pcap"), pod.file());
        assertEquals("frontend-7d9", pod.nic().podName());
        assertEquals("shop", pod.nic().k8sNamespace());
        assertEquals("web", pod.nic().k8sContainerName());
        assertEquals(NicKind.VIRTUAL, pod.nic().kind());
        assertEquals(List.of(InetAddress.getByName("198.18.1.2"), InetAddress.getByName("fd00:198:18:1::2")),
                pod.nic().localAddresses());
        assertEquals("02:00:c6:12:01:02", pod.nic().macString());
        assertEquals(Path.of("/abs/node1-eth0.pcap"), set.get(1).file());
        assertEquals(NicKind.PHYSICAL, set.get(1).nic().kind());
        assertEquals(Nic.NO_MAC, set.get(1).nic().mac());
        assertEquals(NicKind.BRIDGE, set.get(2).nic().kind());
        assertTrue(set.get(2).nic().localAddresses().isEmpty());

        // write -> read gives the same set
        Path copy = tmp.resolve("caps/copy.tsv");
        CaptureManifest.write(copy, set);
        CaptureSet again = CaptureManifest.read(copy);
        assertEquals(set.points(), again.points());
    }

    @Test
    void errorsNameTheFileAndLine(@TempDir Path tmp) throws IOException {
        String header = String.join("\t", CaptureManifest.REQUIRED_COLUMNS);
        Path m = tmp.resolve("m.tsv");

        Files.writeString(m, header + "\nf.pcap\th\teth0\tvirtual\t\t\t\tnot-an-ip\n");
        IOException e = assertThrows(IOException.class, () -> CaptureManifest.read(m));
        assertTrue(e.getMessage().contains("m.tsv line 2") && e.getMessage().contains("not a numeric IP"),
                e.getMessage());

        Files.writeString(m, header.replace("nic_kind", "nic_knd") + "\n");
        e = assertThrows(IOException.class, () -> CaptureManifest.read(m));
        assertTrue(e.getMessage().contains("unknown column 'nic_knd'"), e.getMessage());

        Files.writeString(m, header + "\nf.pcap\th\teth0\tswitch\t\t\t\t\n");
        e = assertThrows(IOException.class, () -> CaptureManifest.read(m));
        assertTrue(e.getMessage().contains("unknown nic kind 'switch'"), e.getMessage());

        Files.writeString(m, header + "\nf.pcap\th\teth0\n");
        e = assertThrows(IOException.class, () -> CaptureManifest.read(m));
        assertTrue(e.getMessage().contains("expected 8 tab-separated cells, found 3"), e.getMessage());

        Files.writeString(m, "file\thost\n");
        e = assertThrows(IOException.class, () -> CaptureManifest.read(m));
        assertTrue(e.getMessage().contains("missing column 'nic_name'"), e.getMessage());
    }

    @Test
    void nicBuilderRefusesASecondCallAndBadValues() {
        Nic.Builder b = Nic.builder().host("node1");
        assertThrows(IllegalStateException.class, () -> b.host("node2"));
        assertThrows(IllegalArgumentException.class, () -> Nic.builder().nicName("eth\t0"));
        assertThrows(IllegalArgumentException.class, () -> Nic.parseMac("02:00:zz:00:00:01"));
        assertEquals(0x0200c6120102L, Nic.parseMac("02-00-C6-12-01-02"));
        assertEquals("node1/eth0", Nic.builder().host("node1").nicName("eth0").build().label());
    }
}
