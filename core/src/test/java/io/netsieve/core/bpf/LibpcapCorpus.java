package io.netsieve.core.bpf;

import io.netsieve.core.packet.LinkType;
import io.netsieve.core.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads libpcap's compiler test tables from ../shared/corpus/libpcap-tests (see its README). */
final class LibpcapCorpus {
    /** One block of filter-accept.txt. */
    record AcceptBlock(String name, String dlt, int snaplen, String netmask, boolean linuxExt, String offline,
                       String skipIf, List<String> expressions, Map<String, String> expected) {
        /** Whether the block is for a link type we compile for and runs in this environment. */
        boolean supported() {
            return LibpcapCorpus.supported(dlt, skipIf);
        }

        /** libpcap's unoptimised program; a block whose two programs are the same has one "optunopt" section. */
        String expectedUnopt() {
            return expected.containsKey("unopt") ? expected.get("unopt") : expected.get("optunopt");
        }

        /** libpcap's optimised program (see {@link #expectedUnopt}). */
        String expectedOpt() {
            return expected.containsKey("opt") ? expected.get("opt") : expected.get("optunopt");
        }
    }

    private LibpcapCorpus() {
    }

    static Path dir() {
        return Prerequisites.libpcapCorpus();
    }

    static List<AcceptBlock> acceptBlocks() throws IOException {
        List<String> lines = Files.readAllLines(dir().resolve("filter-accept.txt"));
        List<AcceptBlock> out = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (!line.startsWith("=== ")) {
                i++;
                continue;
            }
            String name = line.substring(4).strip();
            String dlt = null;
            int snaplen = 262144;
            String netmask = null;
            boolean linuxExt = false;
            String offline = null;
            String skipIf = null;
            List<String> exprs = new ArrayList<>();
            Map<String, String> expected = new LinkedHashMap<>();
            i++;
            String section = null;
            StringBuilder body = new StringBuilder();
            while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
                String l = lines.get(i);
                if (l.startsWith("--- ")) {
                    if (section != null) {
                        expected.put(section, body.toString());
                    }
                    section = l.substring(4).strip();
                    body = new StringBuilder();
                } else if (section != null) {
                    if (!l.isBlank()) {
                        body.append(l).append('\n');
                    }
                } else if (l.startsWith("DLT: ")) {
                    dlt = l.substring(5).strip();
                } else if (l.startsWith("snaplen: ")) {
                    snaplen = Integer.parseInt(l.substring(9).strip());
                } else if (l.startsWith("netmask: ")) {
                    netmask = l.substring(9).strip();
                } else if (l.startsWith("linuxext: ")) {
                    linuxExt = true;
                } else if (l.startsWith("generate_offline_filter: ")) {
                    offline = l.substring(25).strip();
                } else if (l.startsWith("skip-if: ")) {
                    skipIf = l.substring(9).strip();
                } else if (l.startsWith("expr:")) {
                    StringBuilder e = new StringBuilder(l.substring(5).strip());
                    // an expression may continue on following indented lines
                    while (i + 1 < lines.size() && (lines.get(i + 1).startsWith("\t")
                            || lines.get(i + 1).startsWith(" "))) {
                        i++;
                        e.append('\n').append(lines.get(i));
                    }
                    exprs.add(e.toString().strip());
                }
                i++;
            }
            if (section != null) {
                expected.put(section, body.toString());
            }
            out.add(new AcceptBlock(name, dlt, snaplen, netmask, linuxExt, offline, skipIf, exprs, expected));
        }
        return out;
    }

    /**
     * Whether a table row for {@code dlt} (null or empty: none) with TESTrun condition {@code skipIf} (null or
     * empty: none) is for a link type we compile for and runs in this environment.
     */
    static boolean supported(String dlt, String skipIf) {
        return dlt != null && linkType(dlt) >= 0 && !skip(skipIf == null || skipIf.isEmpty() ? null : skipIf);
    }

    /** A dotted-quad netmask as the int the compiler takes. */
    static int netmask(String dotted) {
        int m = 0;
        for (String s : dotted.split("\\.")) {
            m = (m << 8) | Integer.parseInt(s);
        }
        return m;
    }

    /** A program as the tables print it: tcpdump's dump ("tax      ") with the trailing blanks they strip. */
    static String assembly(BpfProgram p) {
        return p.dump(BpfDumpFormat.ASSEMBLY).replaceAll("(?m) +$", "");
    }

    /** The LINKTYPE value of a DLT name, or -1 if netsieve's compiler does not support it. */
    static int linkType(String dlt) {
        switch (dlt) {
            case "EN10MB": return LinkType.ETHERNET;
            case "RAW": return LinkType.RAW;
            case "IPV4": return LinkType.IPV4;
            case "IPV6": return LinkType.IPV6;
            case "LINUX_SLL": return LinkType.LINUX_SLL;
            case "LINUX_SLL2": return LinkType.LINUX_SLL2;
            case "NULL": return LinkType.NULL;
            case "LOOP": return LinkType.LOOP;
            case "SLIP": return 8;
            case "C_HDLC": return 104;
            case "ARCNET_LINUX": return 129;
            case "MTP2": return 140;
            case "BACNET_MS_TP": return 165;
            case "DSA_TAG_BRCM": return 281;
            case "DSA_TAG_DSA": return 284;
            case "IEEE802_11": return 105;
            case "PRISM_HEADER": return 119;
            case "IEEE802_11_RADIO": return 127;
            case "IEEE802_11_RADIO_AVS": return 163;
            case "PPI": return 192;
            default: return -1;
        }
    }

    private static final Pattern CALL = Pattern.compile("(skip_\\w+)(?:\\s*\\(\\s*(?:'([^']*)')?\\s*\\))?");

    /**
     * Evaluates a TESTrun skip-if condition for this environment: Linux, little-endian, libpcap built with
     * protochain and SKF_AD_VLAN_TAG_PRESENT, name fixtures available (our resolver is given them).
     */
    static boolean skip(String cond) {
        if (cond == null) {
            return false;
        }
        Matcher m = CALL.matcher(cond);
        StringBuilder expr = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(expr, value(m.group(1), m.group(2)) ? "T" : "F");
        }
        m.appendTail(expr);
        String e = expr.toString().replace(" ", "");
        return eval(e);
    }

    private static boolean value(String fn, String arg) {
        switch (fn) {
            case "skip_os": return "linux".equals(arg);
            case "skip_os_not": return !"linux".equals(arg);
            case "skip_big_endian": return false;
            case "skip_little_endian": return true;
            // our compiler has protochain (NO_PROTOCHAIN undefined) and the SKF_AD_VLAN_TAG_PRESENT code
            case "skip_config_def1": return !"NO_PROTOCHAIN".equals(arg);
            case "skip_config_not_def1": return "NO_PROTOCHAIN".equals(arg);
            case "skip_igrp88": return false; // skip where IPPROTO_IGRP is 88; here it is 9
            case "skip_igrp9": return true;
            default: return false; // name resolution fixtures are provided
        }
    }

    // tiny recursive evaluator for T/F with && || and parentheses
    private static boolean eval(String e) {
        int[] pos = {0};
        return or(e, pos);
    }

    private static boolean or(String e, int[] pos) {
        boolean v = and(e, pos);
        while (e.startsWith("||", pos[0])) {
            pos[0] += 2;
            boolean r = and(e, pos);
            v = v || r;
        }
        return v;
    }

    private static boolean and(String e, int[] pos) {
        boolean v = atom(e, pos);
        while (e.startsWith("&&", pos[0])) {
            pos[0] += 2;
            boolean r = atom(e, pos);
            v = v && r;
        }
        return v;
    }

    private static boolean atom(String e, int[] pos) {
        char c = e.charAt(pos[0]);
        if (c == '(') {
            pos[0]++;
            boolean v = or(e, pos);
            pos[0]++; // ')'
            return v;
        }
        pos[0]++;
        return c == 'T';
    }

    /** The resolver the skip_no_hosts/ethers/networks tests expect, from resolver-fixtures.txt. */
    static HostResolver fixtureResolver() throws IOException {
        List<String> hosts = new ArrayList<>();
        List<String> ethers = new ArrayList<>();
        List<String> networks = new ArrayList<>();
        List<String> current = null;
        for (String l : Files.readAllLines(dir().resolve("resolver-fixtures.txt"))) {
            if (l.startsWith("#") || l.isBlank()) {
                continue;
            }
            switch (l.strip()) {
                case "[hosts]": current = hosts; continue;
                case "[ethers]": current = ethers; continue;
                case "[networks]": current = networks; continue;
                default: break;
            }
            if (current != null) {
                current.add(l);
            }
        }
        return HostResolver.lines(hosts, ethers, networks);
    }

    static FilterCompiler compiler(AcceptBlock b, boolean optimize, HostResolver resolver) {
        return builder(b, optimize, resolver).build();
    }

    /** The compiler settings of block {@code b}, for a test to add its own. */
    static FilterCompiler.Builder builder(AcceptBlock b, boolean optimize, HostResolver resolver) {
        FilterCompiler.Builder fb = FilterCompiler.builder().linkType(linkType(b.dlt())).snaplen(b.snaplen())
                .optimize(optimize).resolver(resolver).linuxExtensions(b.linuxExt());
        if (b.netmask() != null) {
            fb.netmask(netmask(b.netmask()));
        }
        if (b.offline() != null) {
            fb.savefile(b.offline().equals("swapped"));
        }
        return fb;
    }
}
