package io.netsieve.core.nic;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The manifest of an offline capture set: a UTF-8 TSV file with a header line naming the columns.
 *
 * <p>Required columns: {@code file host nic_name nic_kind pod_name k8s_namespace k8s_container_name ip}. Optional
 * columns: {@code nic_mac} ({@code aa:bb:cc:dd:ee:ff}), {@code netns} and {@code listening} (the capture point's
 * server sockets, comma-separated {@code tcp/8080}, {@code udp/198.18.2.11:53}, {@code tcp/[fd00::1]:443}: see
 * {@link ListeningSockets#parse}; they decide the direction of connections whose handshake was not seen). Column order is free; unknown columns are
 * an error (a typo must not silently drop metadata). Cells may be empty. {@code file} is relative to the manifest's
 * folder (or absolute); {@code ip} is a comma-separated list of numeric IPv4/IPv6 addresses (names are refused: a
 * manifest never triggers a DNS lookup). Blank lines and lines starting with {@code #} are ignored.
 */
public final class CaptureManifest {
    /** The required columns, in the order {@link #write} uses. */
    public static final List<String> REQUIRED_COLUMNS = List.of(
            "file", "host", "nic_name", "nic_kind", "pod_name", "k8s_namespace", "k8s_container_name", "ip");
    /** Optional columns. */
    public static final List<String> OPTIONAL_COLUMNS = List.of("nic_mac", "netns", "listening");

    private CaptureManifest() {
    }

    /** Reads a manifest; errors name the file and line. */
    public static CaptureSet read(Path manifest) throws IOException {
        List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        Path base = manifest.toAbsolutePath().getParent();
        Map<String, Integer> columns = null;
        List<Path> files = new ArrayList<>();
        List<Nic> nics = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (columns == null) {
                columns = header(manifest, i + 1, cells);
                continue;
            }
            if (cells.length != columns.size()) {
                throw error(manifest, i + 1, "expected " + columns.size() + " tab-separated cells, found " + cells.length);
            }
            try {
                String file = cell(cells, columns, "file");
                if (file.isEmpty()) {
                    throw new IllegalArgumentException("empty 'file' cell");
                }
                Nic.Builder nic = Nic.builder()
                        .host(cell(cells, columns, "host"))
                        .nicName(cell(cells, columns, "nic_name"))
                        .kind(NicKind.parse(cell(cells, columns, "nic_kind")))
                        .podName(cell(cells, columns, "pod_name"))
                        .k8sNamespace(cell(cells, columns, "k8s_namespace"))
                        .k8sContainerName(cell(cells, columns, "k8s_container_name"))
                        .localAddresses(parseAddresses(cell(cells, columns, "ip")))
                        .netns(cell(cells, columns, "netns"));
                String listening = cell(cells, columns, "listening");
                if (!listening.isEmpty()) {
                    nic.listeningSockets(ListeningSockets.parse(Arrays.asList(listening.split("\\s*,\\s*"))));
                }
                String mac = cell(cells, columns, "nic_mac");
                if (!mac.isEmpty()) {
                    nic.mac(Nic.parseMac(mac));
                }
                Path path = Path.of(file);
                files.add(path.isAbsolute() ? path : base.resolve(path).normalize());
                nics.add(nic.build());
            } catch (IllegalArgumentException e) {
                throw error(manifest, i + 1, e.getMessage());
            }
        }
        if (columns == null) {
            throw error(manifest, lines.size(), "no header line");
        }
        return CaptureSet.of(files, nics);
    }

    /** Writes a manifest for {@code set}; file paths are written relative to the manifest's folder when possible. */
    public static void write(Path manifest, CaptureSet set) throws IOException {
        Path base = manifest.toAbsolutePath().getParent();
        try (BufferedWriter w = Files.newBufferedWriter(manifest, StandardCharsets.UTF_8)) {
            List<String> header = new ArrayList<>(REQUIRED_COLUMNS);
            header.addAll(OPTIONAL_COLUMNS);
            w.write(String.join("\t", header));
            w.newLine();
            for (CapturePoint p : set.points()) {
                Nic n = p.nic();
                Path file = p.file().toAbsolutePath();
                String fileCell = file.startsWith(base) ? base.relativize(file).toString() : file.toString();
                List<String> ips = new ArrayList<>();
                for (InetAddress a : n.localAddresses()) ips.add(io.netsieve.core.packet.IpAddressText.of(a));
                List<String> listening = new ArrayList<>();
                if (n.listeningSockets() instanceof ListeningSockets.Snapshot snapshot) {
                    for (ListeningSockets.Endpoint e : snapshot.endpoints()) listening.add(e.toString());
                }
                w.write(String.join("\t", fileCell, n.host(), n.nicName(), n.kind().label(), n.podName(),
                        n.k8sNamespace(), n.k8sContainerName(), String.join(",", ips), n.macString(), n.netns(),
                        String.join(",", listening)));
                w.newLine();
            }
        }
    }

    private static Map<String, Integer> header(Path manifest, int lineNo, String[] cells) throws IOException {
        Map<String, Integer> columns = new HashMap<>();
        for (int c = 0; c < cells.length; c++) {
            String name = cells[c].trim().toLowerCase(Locale.ROOT);
            if (!REQUIRED_COLUMNS.contains(name) && !OPTIONAL_COLUMNS.contains(name)) {
                throw error(manifest, lineNo, "unknown column '" + cells[c] + "' (known: " + REQUIRED_COLUMNS
                        + " and optional " + OPTIONAL_COLUMNS + ")");
            }
            if (columns.put(name, c) != null) {
                throw error(manifest, lineNo, "column '" + name + "' appears twice");
            }
        }
        for (String required : REQUIRED_COLUMNS) {
            if (!columns.containsKey(required)) {
                throw error(manifest, lineNo, "missing column '" + required + "' in header " + Arrays.toString(cells));
            }
        }
        return columns;
    }

    private static String cell(String[] cells, Map<String, Integer> columns, String name) {
        Integer index = columns.get(name);
        return index == null ? "" : cells[index].trim();
    }

    /** Parses comma-separated numeric addresses; refuses names so that no DNS lookup can happen. */
    static List<InetAddress> parseAddresses(String text) {
        List<InetAddress> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String part : text.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                continue;
            }
            boolean literal = s.indexOf(':') >= 0 || s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
            if (!literal) {
                throw new IllegalArgumentException("'" + s + "' is not a numeric IP address");
            }
            try {
                out.add(InetAddress.getByName(s));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + s + "' is not a valid IP address", e);
            }
        }
        return out;
    }

    private static IOException error(Path manifest, int line, String problem) {
        return new IOException(manifest + " line " + line + ": " + problem);
    }
}
