package io.netsieve.core.bpf.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pcap-filter tokenizer. Follows libpcap's scanner: the longest match wins, ties go to the earlier rule
 * (keywords, operators, numbers, dotted IPv4, IPv6, MAC addresses, {@code $XX}, names), numbers are decimal,
 * {@code 0x} hex or {@code 0}-prefixed octal and must fit 32 bits, and a backslash escapes a keyword into a name.
 */
public final class Lexer {
    private static final Set<String> KEYWORDS = Set.of(
            "dst", "src", "host", "net", "mask", "port", "portrange", "proto", "protochain", "gateway", "type",
            "subtype", "direction", "dir", "address1", "addr1", "address2", "addr2", "address3", "addr3",
            "address4", "addr4", "ra", "ta", "less", "greater", "byte", "broadcast", "multicast", "and", "or",
            "not", "len", "length", "inbound", "outbound", "ifindex", "vlan", "mpls", "pppoed", "pppoes", "geneve",
            "vxlan", "lane", "llc", "metac", "bcc", "oam", "oamf4", "oamf4ec", "oamf4sc", "sc", "ilmic", "vpi", "vci",
            "connectmsg", "metaconnect", "on", "ifname", "rnr", "rulenum", "reason", "rset", "ruleset", "srnr",
            "subrulenum", "action", "fisu", "lssu", "lsu", "msu", "hfisu", "hlssu", "hmsu", "sio", "opc", "dpc", "sls",
            "hsio", "hopc", "hdpc", "hsls");

    /** Named constants that the scanner turns into numbers. */
    static final Map<String, Integer> CONSTANTS = Map.ofEntries(
            Map.entry("icmptype", 0), Map.entry("icmpcode", 1), Map.entry("icmp-echoreply", 0),
            Map.entry("icmp-unreach", 3), Map.entry("icmp-sourcequench", 4), Map.entry("icmp-redirect", 5),
            Map.entry("icmp-echo", 8), Map.entry("icmp-routeradvert", 9), Map.entry("icmp-routersolicit", 10),
            Map.entry("icmp-timxceed", 11), Map.entry("icmp-paramprob", 12), Map.entry("icmp-tstamp", 13),
            Map.entry("icmp-tstampreply", 14), Map.entry("icmp-ireq", 15), Map.entry("icmp-ireqreply", 16),
            Map.entry("icmp-maskreq", 17), Map.entry("icmp-maskreply", 18),
            Map.entry("icmp6type", 0), Map.entry("icmp6code", 1), Map.entry("icmp6-destinationunreach", 1),
            Map.entry("icmp6-packettoobig", 2), Map.entry("icmp6-timeexceeded", 3),
            Map.entry("icmp6-parameterproblem", 4), Map.entry("icmp6-echo", 128), Map.entry("icmp6-echoreply", 129),
            Map.entry("icmp6-multicastlistenerquery", 130), Map.entry("icmp6-multicastlistenerreportv1", 131),
            Map.entry("icmp6-multicastlistenerdone", 132), Map.entry("icmp6-routersolicit", 133),
            Map.entry("icmp6-routeradvert", 134), Map.entry("icmp6-neighborsolicit", 135),
            Map.entry("icmp6-neighboradvert", 136), Map.entry("icmp6-redirect", 137),
            Map.entry("icmp6-routerrenum", 138), Map.entry("icmp6-nodeinformationquery", 139),
            Map.entry("icmp6-nodeinformationresponse", 140), Map.entry("icmp6-ineighbordiscoverysolicit", 141),
            Map.entry("icmp6-ineighbordiscoveryadvert", 142), Map.entry("icmp6-multicastlistenerreportv2", 143),
            Map.entry("icmp6-homeagentdiscoveryrequest", 144), Map.entry("icmp6-homeagentdiscoveryreply", 145),
            Map.entry("icmp6-mobileprefixsolicit", 146), Map.entry("icmp6-mobileprefixadvert", 147),
            Map.entry("icmp6-certpathsolicit", 148), Map.entry("icmp6-certpathadvert", 149),
            Map.entry("icmp6-multicastrouteradvert", 151), Map.entry("icmp6-multicastroutersolicit", 152),
            Map.entry("icmp6-multicastrouterterm", 153),
            Map.entry("tcpflags", 13), Map.entry("tcp-fin", 0x01), Map.entry("tcp-syn", 0x02),
            Map.entry("tcp-rst", 0x04), Map.entry("tcp-push", 0x08), Map.entry("tcp-ack", 0x10),
            Map.entry("tcp-urg", 0x20), Map.entry("tcp-ece", 0x40), Map.entry("tcp-cwr", 0x80));

    private final String in;
    private int pos;

    private Lexer(String in) {
        this.in = in;
    }

    public static List<Token> tokenize(String expression) {
        Lexer lx = new Lexer(expression);
        List<Token> out = new ArrayList<>();
        while (true) {
            Token t = lx.next();
            out.add(t);
            if (t.kind() == Token.Kind.EOF) {
                return out;
            }
        }
    }

    private Token next() {
        while (pos < in.length() && (in.charAt(pos) == ' ' || in.charAt(pos) == '\t' || in.charAt(pos) == '\n'
                || in.charAt(pos) == '\r')) {
            pos++;
        }
        int start = pos;
        if (pos >= in.length()) {
            return new Token(Token.Kind.EOF, "", 0, start, start);
        }
        char c = in.charAt(pos);
        // two-character operators first (longest match)
        if (pos + 1 < in.length()) {
            String two = in.substring(pos, pos + 2);
            switch (two) {
                case ">=": case "<=": case "!=": case "<<": case ">>":
                    pos += 2;
                    return new Token(Token.Kind.OP, two, 0, start, pos);
                case "==":
                    pos += 2;
                    return new Token(Token.Kind.OP, "=", 0, start, pos);
                case "&&":
                    pos += 2;
                    return new Token(Token.Kind.KEYWORD, "and", 0, start, pos);
                case "||":
                    pos += 2;
                    return new Token(Token.Kind.KEYWORD, "or", 0, start, pos);
                default:
                    break;
            }
        }
        if (c == '\\') {
            int e = pos + 1;
            while (e < in.length() && " !()\n\t".indexOf(in.charAt(e)) < 0) {
                e++;
            }
            if (e == pos + 1) {
                throw new CompileError("illegal char '\\'").at(start);
            }
            String name = in.substring(pos + 1, e);
            pos = e;
            return new Token(Token.Kind.ID, name, 0, start, pos);
        }
        if (c == '$') {
            int e = pos + 1;
            while (e < in.length() && e < pos + 3 && isHex(in.charAt(e))) {
                e++;
            }
            if (e > pos + 1) {
                String s = in.substring(pos, e);
                pos = e;
                return new Token(Token.Kind.AID, s, 0, start, pos);
            }
        }
        if (c == ':' && v6Length(pos) > 0) {
            return word(start);
        }
        if ("+-*/%:[]!<>()&|^=".indexOf(c) >= 0) {
            // '-' may start nothing else ('-' is not a name start), so it is always an operator here
            pos++;
            return new Token(Token.Kind.OP, String.valueOf(c), 0, start, pos);
        }
        if (isWordChar(c)) {
            return word(start);
        }
        // libpcap: a run of characters that cannot start any token is an "illegal token"
        int e = pos;
        while (e < in.length() && " []\t\n-_.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!<>()&|="
                .indexOf(in.charAt(e)) < 0) {
            e++;
        }
        if (e > pos) {
            String bad = in.substring(pos, e);
            throw new CompileError("illegal token: " + bad).at(start);
        }
        throw new CompileError("illegal char '" + c + "'").at(start);
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isWordChar(char c) {
        return isAlnum(c);
    }

    /** Tokens that start with a letter or digit: the longest of the candidate rules wins. */
    private Token word(int start) {
        if (looksLikeMac(start)) {
            int e = start;
            while (e < in.length() && (isAlnum(in.charAt(e)) || in.charAt(e) == ':')) {
                e++;
            }
            throw new CompileError("invalid Ethernet address '" + in.substring(start, e) + "'").at(start);
        }
        // candidate lengths
        int idLen = idLength(start);
        int macLen = macLength(start);
        int v6Len = v6Length(start);
        int numLen = numberLength(start);
        int hidLen = hidLength(start);
        int best = Math.max(Math.max(idLen, macLen), Math.max(Math.max(v6Len, numLen), hidLen));
        String text = in.substring(start, start + best);
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        // Keywords and constants (listed first in the scanner) win ties.
        if (idLen == best) {
            if (KEYWORDS.contains(lower) || Q.PROTO_NAMES.containsKey(lower)) {
                pos = start + best;
                return new Token(Token.Kind.KEYWORD, canonicalKeyword(lower), 0, start, pos);
            }
            Integer constant = CONSTANTS.get(lower);
            if (constant != null) {
                pos = start + best;
                return new Token(Token.Kind.NUM, text, constant, start, pos);
            }
        }
        pos = start + best;
        if (numLen == best) {
            return new Token(Token.Kind.NUM, text, parseNumber(text, start), start, pos);
        }
        if (hidLen == best) {
            return new Token(Token.Kind.HID, text, 0, start, pos);
        }
        if (macLen == best) {
            return new Token(Token.Kind.EID, text, 0, start, pos);
        }
        if (v6Len == best) {
            if (Addresses.parseIpv6(text) == null) {
                throw new CompileError("invalid IPv6 address " + text).at(start);
            }
            return new Token(Token.Kind.HID6, text, 0, start, pos);
        }
        if (text.indexOf(':') >= 0) {
            if (text.chars().filter(ch -> ch == ':').count() == 5) {
                throw new CompileError("invalid Ethernet address '" + text + "'").at(start);
            }
        }
        return new Token(Token.Kind.ID, text, 0, start, pos);
    }

    private static String canonicalKeyword(String k) {
        switch (k) {
            case "ether": case "ppp": case "slip": case "fddi": case "tr": case "wlan": return "link";
            case "es-is": return "esis";
            case "is-is": return "isis";
            case "length": return "len";
            case "direction": return "dir";
            default: return k;
        }
    }

    /** {@code [A-Za-z0-9]([-_.A-Za-z0-9]*[.A-Za-z0-9])?}, extended with ':' only for error reporting. */
    private int idLength(int start) {
        int e = start;
        int lastGood = start;
        while (e < in.length()) {
            char ch = in.charAt(e);
            if (isAlnum(ch) || ch == '.') {
                e++;
                lastGood = e;
            } else if (ch == '-' || ch == '_') {
                e++;
            } else {
                break;
            }
        }
        return lastGood - start;
    }

    private int numberLength(int start) {
        int e = start;
        if (e + 1 < in.length() && in.charAt(e) == '0' && (in.charAt(e + 1) == 'x' || in.charAt(e + 1) == 'X')
                && e + 2 < in.length() && isHex(in.charAt(e + 2))) {
            e += 2;
            while (e < in.length() && isHex(in.charAt(e))) {
                e++;
            }
            return e - start;
        }
        while (e < in.length() && Character.isDigit(in.charAt(e))) {
            e++;
        }
        return e - start;
    }

    /** N.N, N.N.N or N.N.N.N. */
    private int hidLength(int start) {
        int e = start;
        int parts = 0;
        int lastEnd = -1;
        while (true) {
            int n = numberLength(e);
            if (n == 0) {
                break;
            }
            e += n;
            parts++;
            if (parts >= 2) {
                lastEnd = e;
            }
            if (parts == 4 || e >= in.length() || in.charAt(e) != '.') {
                break;
            }
            e++;
        }
        return lastEnd < 0 ? 0 : lastEnd - start;
    }

    /** Six 1-2 digit hex bytes separated by ':', '-' or '.', or three 4-digit groups dotted, or 12 hex digits. */
    private int macLength(int start) {
        for (char sep : new char[] {':', '-', '.'}) {
            int e = start;
            int groups = 0;
            while (groups < 6) {
                int g = 0;
                while (e + g < in.length() && g < 2 && isHex(in.charAt(e + g))) {
                    g++;
                }
                if (g == 0) {
                    break;
                }
                e += g;
                groups++;
                if (groups < 6) {
                    if (e < in.length() && in.charAt(e) == sep) {
                        e++;
                    } else {
                        break;
                    }
                }
            }
            if (groups == 6) {
                return e - start;
            }
        }
        // xxxx.xxxx.xxxx
        int e = start;
        int groups = 0;
        while (groups < 3 && e + 4 <= in.length() && isHex(in.charAt(e)) && isHex(in.charAt(e + 1))
                && isHex(in.charAt(e + 2)) && isHex(in.charAt(e + 3))) {
            e += 4;
            groups++;
            if (groups < 3) {
                if (e < in.length() && in.charAt(e) == '.') {
                    e++;
                } else {
                    break;
                }
            }
        }
        if (groups == 3) {
            return e - start;
        }
        // twelve hex digits in a row
        int h = 0;
        while (start + h < in.length() && isHex(in.charAt(start + h))) {
            h++;
        }
        return h == 12 ? 12 : 0;
    }

    /**
     * The longest prefix of the run of hex digits, ':' and '.' here that has IPv6 shape (at least two ':', at
     * most 8 groups), as flex's longest match on libpcap's V6 pattern would take it.
     */
    private int v6Length(int start) {
        int e = start;
        while (e < in.length() && (isHex(in.charAt(e)) || in.charAt(e) == '.' || in.charAt(e) == ':')) {
            e++;
        }
        while (e > start) {
            String s = in.substring(start, e);
            long colons = s.chars().filter(ch -> ch == ':').count();
            if (colons < 2) {
                return 0;
            }
            if (colons <= (s.contains("::") ? 8 : 7) && !s.endsWith(":") || s.endsWith("::")) {
                return e - start;
            }
            e = start + s.lastIndexOf(':');
        }
        return 0;
    }

    /** Five ':' between alphanumeric parts: a would-be MAC address (flagged as invalid if it is not one). */
    private boolean looksLikeMac(int start) {
        int e = start;
        while (e < in.length() && (isAlnum(in.charAt(e)) || in.charAt(e) == ':')) {
            e++;
        }
        String s = in.substring(start, e);
        return !s.contains("::") && s.chars().filter(ch -> ch == ':').count() == 5 && Addresses.parseMac(s) == null
                && (e >= in.length() || in.charAt(e) == ' ' || in.charAt(e) == ')');
    }

    /** libpcap's stoulen: decimal, 0x hex, 0-prefixed octal; 32-bit unsigned. */
    static long parseNumber(String s, int column) {
        int base = 10;
        String digits = s;
        String kind = "decimal";
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            base = 16;
            digits = s.substring(2);
            kind = "hexadecimal";
        } else if (s.length() > 1 && s.charAt(0) == '0') {
            base = 8;
            digits = s.substring(1);
            kind = "octal";
        }
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), base);
            if (d < 0) {
                throw new CompileError("number " + s + " contains non-" + (base == 8 ? "octal" : base == 16
                        ? "hexadecimal" : "decimal") + " digit").at(column);
            }
            v = v * base + d;
            if (v > 0xffffffffL) {
                throw new CompileError(kind + " number " + s + " overflows 32 bits").at(column);
            }
        }
        return v;
    }
}
