package io.netsieve.examples.cli;

import io.netsieve.core.bpf.BpfDumpFormat;
import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfInterpreter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.BpfProgram;
import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.io.CaptureInterface;
import io.netsieve.core.packet.LinkType;
import io.netsieve.core.packet.PacketView;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code netsieve filter [-d|-dd|-ddd] [--linktype NAME] [--no-optimize] EXPR}: compiles a pcap-filter expression
 * and prints the program exactly as {@code tcpdump -d}, {@code -dd} or {@code -ddd} does.
 *
 * <p>{@code netsieve filter --apply FILE EXPR}: compiles the expression for the link type of FILE, as
 * {@code tcpdump -r FILE} would, runs it over every packet of the file and prints the 1-based numbers of the packets
 * it accepts, one per line.
 *
 * <p>Exit codes: 0 success; 1 the expression does not compile (the message, with a caret under the column, on
 * stderr) or the file cannot be read; 2 bad usage (e.g. an unknown {@code --linktype}).
 */
@Command(name = "filter", mixinStandardHelpOptions = true,
        description = {"Compile a pcap-filter expression to classic BPF and print it as tcpdump -d/-dd/-ddd does, "
                + "or apply it to a capture file and print the numbers of the packets it accepts.",
                "The expression may be given as several words; they are joined with spaces, as tcpdump does."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:success", "1:the expression does not compile, or FILE cannot be read",
                "2:invalid command line"})
final class FilterCommand implements Callable<Integer> {

    /** tcpdump's names ({@code pcap_datalink_name_to_val}) of the link types the compiler supports. */
    static final Map<String, Integer> LINK_TYPES = linkTypes();

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode;

    static final class Mode {
        @Option(names = "-d", description = "print the program as assembly, like tcpdump -d (the default)")
        boolean assembly;

        @Option(names = "-dd", description = "print the program as a C array, like tcpdump -dd")
        boolean cArray;

        @Option(names = "-ddd", description = "print the program as decimal numbers, like tcpdump -ddd")
        boolean decimal;

        @Option(names = "--apply", paramLabel = "FILE",
                description = "compile for FILE's link type (as tcpdump -r FILE does) and print the 1-based "
                        + "numbers of the packets of FILE the filter accepts, one per line")
        Path apply;
    }

    @Option(names = "--linktype", paramLabel = "NAME", converter = LinkTypeConverter.class,
            description = "link type to compile for, a tcpdump DLT name: EN10MB (default), RAW, IPV4, IPV6, "
                    + "LINUX_SLL, LINUX_SLL2, NULL, LOOP, SLIP, C_HDLC, ARCNET_LINUX, MTP2, BACNET_MS_TP, DSA_TAG_BRCM, "
                    + "DSA_TAG_DSA, IEEE802_11, IEEE802_11_RADIO, IEEE802_11_RADIO_AVS, PRISM_HEADER, PPI "
                    + "(case-insensitive); not with --apply")
    Integer linkType;

    @Option(names = "--no-optimize", description = "do not run the optimiser (tcpdump -O)")
    boolean noOptimize;

    @Option(names = "--snaplen", paramLabel = "N",
            description = "value returned by accepting programs (default 262144; with --apply, the "
                    + "file's snapshot length unless given)")
    Integer snaplen;

    @Option(names = "--netmask", paramLabel = "A.B.C.D",
            description = "IPv4 netmask for 'ip broadcast' (default 0.0.0.0, as tcpdump uses when reading a file)")
    String netmask;

    @Parameters(paramLabel = "EXPR", arity = "0..*",
            description = "the filter expression (pcap-filter(7)); empty accepts every packet")
    List<String> expression = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String expr = String.join(" ", expression);
        if (snaplen != null && snaplen <= 0) {
            throw new ParameterException(spec.commandLine(), "--snaplen must be positive (got " + snaplen + ")");
        }
        int mask = netmask == null ? 0 : parseNetmask(netmask);
        Path file = mode == null ? null : mode.apply;
        if (file != null) {
            if (linkType != null) {
                throw new ParameterException(spec.commandLine(),
                        "--linktype cannot be combined with --apply: the file's own link type is used");
            }
            return apply(file, expr, mask, out, err);
        }
        BpfDumpFormat format = mode == null || mode.assembly ? BpfDumpFormat.ASSEMBLY
                : mode.cArray ? BpfDumpFormat.C_ARRAY : BpfDumpFormat.DECIMAL;
        // Without a file the program is compiled as tcpdump -r -d compiles it for a capture of that link type
        // written on this (little-endian) machine: for a savefile, not swapped, without Linux socket-filter
        // extensions. (tcpdump cannot give a NULL or LOOP program any other way on Linux; the savefile flag only
        // changes NULL and LOOP programs, which then match IPv6 by every BSD's AF_INET6 value.)
        FilterCompiler.Builder builder = FilterCompiler.builder()
                .linkType(linkType == null ? LinkType.ETHERNET : linkType)
                .snaplen(snaplen == null ? FilterCompiler.DEFAULT_SNAPLEN : snaplen)
                .netmask(mask)
                .optimize(!noOptimize)
                .savefile(false);
        BpfProgram program;
        try {
            program = builder.build().compile(expr);
        } catch (FilterCompileException e) {
            err.println(e.getMessage());
            err.flush();
            return 1;
        }
        out.print(program.dump(format));
        out.flush();
        return 0;
    }

    private int apply(Path file, String expr, int mask, PrintWriter out, PrintWriter err) {
        try (CaptureFileReader reader = CaptureFiles.open(file)) {
            PacketView view = new PacketView();
            // pcapng: the first interface description block may only be read with the first packet.
            boolean pending = reader.next(view);
            List<CaptureInterface> interfaces = reader.interfaces();
            if (interfaces.isEmpty()) {
                err.println(file + ": no interface description block: the link type is unknown");
                err.flush();
                return 1;
            }
            CaptureInterface first = interfaces.get(0);
            int fileLinkType = first.linkType();
            int fileSnaplen = snaplen != null ? snaplen
                    : first.snapLength() > 0 ? first.snapLength() : FilterCompiler.DEFAULT_SNAPLEN;
            BpfProgram program;
            try {
                program = FilterCompiler.builder()
                        .linkType(fileLinkType)
                        .snaplen(fileSnaplen)
                        .netmask(mask)
                        .optimize(!noOptimize)
                        .savefile(isBigEndianFile(file))
                        .build()
                        .compile(expr);
            } catch (IllegalArgumentException e) {
                // FilterCompileException (bad expression) or a link type the compiler does not support.
                err.println(e.getMessage());
                err.flush();
                return 1;
            }
            BpfFilter filter;
            try {
                filter = BpfJit.compile(program);
            } catch (RuntimeException | LinkageError e) {
                filter = BpfInterpreter.of(program);
            }
            long number = 0;
            while (pending) {
                number++;
                if (view.linkType() != fileLinkType) {
                    out.flush();
                    err.println(file + ": packet " + number + " has link type " + LinkType.name(view.linkType())
                            + ", different from the type of the first interface ("
                            + LinkType.name(fileLinkType) + ")");
                    err.flush();
                    return 1;
                }
                if (filter.apply(view) != 0) {
                    out.println(number);
                }
                pending = reader.next(view);
            }
            out.flush();
            return 0;
        } catch (IOException e) {
            out.flush();
            err.println(describe(file, e));
            err.flush();
            return 1;
        }
    }

    /**
     * Whether the capture was written in big-endian byte order, i.e. by a machine of the other byte order than this
     * (little-endian) one: libpcap's {@code p->swapped}, which {@code tcpdump -r} passes to the compiler. The reader
     * does not expose the byte order, so the header is read here: the pcap magic (bytes 0..3), or the pcapng section
     * header's byte-order magic (bytes 8..11). Anything unrecognised counts as not swapped (the reader then rejects
     * the file anyway).
     */
    static boolean isBigEndianFile(Path file) {
        byte[] head = new byte[12];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException e) {
            return false;
        }
        if (n < 4) {
            return false;
        }
        int magic = be32(head, 0);
        if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) {
            return true;
        }
        if (magic == 0x0A0D0D0A && n >= 12) {
            return be32(head, 8) == 0x1A2B3C4D;
        }
        return false;
    }

    private static int be32(byte[] b, int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    private static String describe(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return file + ": no such file";
        }
        if (e instanceof AccessDeniedException) {
            return file + ": permission denied";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        }
        return message.contains(file.toString()) ? message : file + ": " + message;
    }

    private int parseNetmask(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length == 4) {
            int value = 0;
            boolean ok = true;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                        || Integer.parseInt(p) > 255) {
                    ok = false;
                    break;
                }
                value = (value << 8) | Integer.parseInt(p);
            }
            if (ok) {
                return value;
            }
        }
        throw new ParameterException(spec.commandLine(),
                "Invalid value for option '--netmask': '" + text + "' is not a dotted IPv4 netmask (A.B.C.D)");
    }

    private static Map<String, Integer> linkTypes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("EN10MB", LinkType.ETHERNET);
        m.put("RAW", LinkType.RAW);
        m.put("IPV4", LinkType.IPV4);
        m.put("IPV6", LinkType.IPV6);
        m.put("LINUX_SLL", LinkType.LINUX_SLL);
        m.put("LINUX_SLL2", LinkType.LINUX_SLL2);
        m.put("NULL", LinkType.NULL);
        m.put("LOOP", LinkType.LOOP);
        // compiled for, not decoded by netsieve: see FilterCompiler.Builder#linkType
        for (int lt : new int[] {8, 104, 129, 140, 165, 281, 284, 105, 127, 163, 119, 192}) {
            m.put(LinkType.name(lt), lt);
        }
        return Collections.unmodifiableMap(m);
    }

    /** tcpdump DLT name (case-insensitive) to LINKTYPE_ value. */
    static final class LinkTypeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            Integer type = LINK_TYPES.get(value.toUpperCase(Locale.ROOT));
            if (type == null) {
                throw new TypeConversionException("unknown link type '" + value + "'; valid link types: "
                        + String.join(", ", LINK_TYPES.keySet()));
            }
            return type;
        }
    }
}
