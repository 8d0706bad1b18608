package io.netsieve.core.bpf.internal;

import io.netsieve.core.bpf.Bpf;
import io.netsieve.core.bpf.HostResolver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A recursive-descent parser for the pcap-filter language that reduces in the same order as libpcap's yacc
 * grammar, so that blocks and scratch registers are generated in the same order: {@code and} and {@code or} have
 * equal precedence and associate left to right; a bare value after {@code and}/{@code or} inherits the qualifiers
 * of what came before ({@code host a or b}); arithmetic has C-like precedence.
 */
public final class Parser {
    private static final Set<String> RELOPS = Set.of(">", ">=", "=", "<=", "<", "!=");
    private static final Set<String> ARITH_OPS = Set.of("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>");

    /** A parsed sub-expression: its block and the qualifiers a following bare value inherits. */
    record Node(Block b, Q.Qual q) {
    }

    private final List<Token> toks;
    private final CodeGen cg;
    private final HostResolver resolver;
    private int p;

    public Parser(List<Token> toks, CodeGen cg, HostResolver resolver) {
        this.toks = toks;
        this.cg = cg;
        this.resolver = resolver;
    }

    /** Parses the whole expression; returns the root block of the program, or null for an empty expression. */
    public Block parse() {
        if (peek().kind() == Token.Kind.EOF) {
            return null;
        }
        Node n = parseExpr(Q.Qual.ERR);
        if (peek().kind() != Token.Kind.EOF) {
            throw syntax();
        }
        return cg.finish(n.b());
    }

    // ---------------------------------------------------------------- token helpers

    private Token peek() {
        return toks.get(p);
    }

    private Token peek(int ahead) {
        return toks.get(Math.min(p + ahead, toks.size() - 1));
    }

    private Token advance() {
        Token t = toks.get(p);
        if (p < toks.size() - 1) {
            p++;
        }
        return t;
    }

    private CompileError syntax() {
        return new CompileError("syntax error in filter expression").at(peek().start());
    }

    private void expectOp(String op) {
        if (!peek().isOp(op)) {
            throw syntax();
        }
        advance();
    }

    private boolean isAndOr(Token t) {
        return t.isKeyword("and") || t.isKeyword("or");
    }

    private boolean isNot(Token t) {
        return t.isKeyword("not") || t.isOp("!");
    }

    private static boolean isPname(Token t) {
        return t.kind() == Token.Kind.KEYWORD && Q.PROTO_NAMES.containsKey(t.text());
    }

    private <T> T at(int start, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (CompileError e) {
            throw e.at(start);
        }
    }

    // ---------------------------------------------------------------- expressions

    private Node parseExpr(Q.Qual inherited) {
        Node left = parseTerm(inherited);
        while (isAndOr(peek())) {
            boolean isAnd = advance().isKeyword("and");
            Node right = idStartsAt(p) ? parseId(left.q()) : parseTerm(left.q());
            Block b = isAnd ? CodeGen.and(left.b(), right.b()) : CodeGen.or(left.b(), right.b());
            left = new Node(b, right.q());
        }
        return left;
    }

    /** Whether the tokens at {@code i} form an {@code id} (a bare value) rather than a {@code term}. */
    private boolean idStartsAt(int i) {
        Token t = toks.get(i);
        switch (t.kind()) {
            case ID: case HID: case HID6: case EID: case AID:
                return true;
            case NUM: {
                Token n = toks.get(Math.min(i + 1, toks.size() - 1));
                return n.kind() == Token.Kind.EOF || isAndOr(n) || n.isOp(")");
            }
            case OP:
                if (t.text().equals("(")) {
                    return idStartsAt(i + 1);
                }
                if (t.text().equals("!")) {
                    return idStartsAt(i + 1);
                }
                return false;
            case KEYWORD:
                return t.text().equals("not") && idStartsAt(i + 1);
            default:
                return false;
        }
    }

    private Node parseTerm(Q.Qual inherited) {
        if (isNot(peek())) {
            advance();
            Node t = parseTerm(inherited);
            CodeGen.not(t.b());
            return t;
        }
        return parseRterm(inherited);
    }

    private Node parseRterm(Q.Qual inherited) {
        Token t = peek();
        int start = t.start();
        if (t.isOp("(")) {
            if (parenIsArith()) {
                return new Node(parseRelation(), Q.Qual.ERR);
            }
            advance();
            Node e = parseExpr(inherited);
            expectOp(")");
            return new Node(e.b(), inherited);
        }
        if (isPname(t)) {
            Token n = peek(1);
            if (n.isOp("[")) {
                return new Node(parseRelation(), Q.Qual.ERR);
            }
            if (n.isKeyword("broadcast") || n.isKeyword("multicast") || n.isKeyword("type") || n.isKeyword("subtype")
                    || n.isKeyword("dir")) {
                return new Node(parseOther(), Q.Qual.ERR);
            }
            if (isQualifierStart(n)) {
                return parseHeadId();
            }
            advance();
            int proto = Q.PROTO_NAMES.get(t.text());
            return new Node(at(start, () -> cg.protoAbbrev(proto)), Q.Qual.ERR);
        }
        if (isQualifierStart(t)) {
            return parseHeadId();
        }
        if (t.kind() == Token.Kind.NUM || t.isKeyword("len") || t.isOp("-")) {
            return new Node(parseRelation(), Q.Qual.ERR);
        }
        if (t.kind() == Token.Kind.KEYWORD) {
            return new Node(parseOther(), Q.Qual.ERR);
        }
        throw syntax();
    }

    private static boolean isQualifierStart(Token t) {
        if (t.kind() != Token.Kind.KEYWORD) {
            return false;
        }
        switch (t.text()) {
            case "src": case "dst": case "host": case "net": case "port": case "portrange": case "gateway":
            case "proto": case "protochain":
                return true;
            default:
                return wlanDir(t) != Q.DEFAULT;
        }
    }

    /** The 802.11 address qualifiers ({@code addr1}…{@code addr4}, {@code ra}, {@code ta}), else DEFAULT. */
    private static int wlanDir(Token t) {
        if (t.kind() != Token.Kind.KEYWORD) {
            return Q.DEFAULT;
        }
        switch (t.text()) {
            case "addr1": case "address1": return Q.ADDR1;
            case "addr2": case "address2": return Q.ADDR2;
            case "addr3": case "address3": return Q.ADDR3;
            case "addr4": case "address4": return Q.ADDR4;
            case "ra": return Q.RA;
            case "ta": return Q.TA;
            default:
                return Q.DEFAULT;
        }
    }

    /** For '(' at the start of a term: true if the parenthesised group is arithmetic (followed by an operator). */
    private boolean parenIsArith() {
        int depth = 0;
        for (int i = p; i < toks.size(); i++) {
            Token t = toks.get(i);
            if (t.isOp("(")) {
                depth++;
            } else if (t.isOp(")")) {
                depth--;
                if (depth == 0) {
                    Token n = toks.get(Math.min(i + 1, toks.size() - 1));
                    return n.kind() == Token.Kind.OP && (RELOPS.contains(n.text()) || ARITH_OPS.contains(n.text()));
                }
            } else if (t.kind() == Token.Kind.EOF) {
                return false;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- head id

    private Node parseHeadId() {
        int proto = Q.DEFAULT;
        if (isPname(peek())) {
            proto = Q.PROTO_NAMES.get(advance().text());
        }
        int dir = Q.DEFAULT;
        int addr = Q.DEFAULT;
        Token t = peek();
        if (t.isKeyword("src") || t.isKeyword("dst")) {
            boolean src = advance().isKeyword("src");
            dir = src ? Q.SRC : Q.DST;
            if (isAndOr(peek())) {
                boolean isAnd = peek().isKeyword("and");
                Token other = peek(1);
                if (other.isKeyword(src ? "dst" : "src")) {
                    advance();
                    advance();
                    dir = isAnd ? Q.AND : Q.OR;
                } else {
                    advance();
                    throw syntax();
                }
            }
            t = peek();
            if (t.isKeyword("host") || t.isKeyword("net") || t.isKeyword("port") || t.isKeyword("portrange")) {
                addr = aqual(advance());
            } else if (t.isKeyword("gateway") || t.isKeyword("proto") || t.isKeyword("protochain")) {
                throw syntax();
            }
        } else if (wlanDir(t) != Q.DEFAULT) {
            dir = wlanDir(advance());
            t = peek();
            if (t.isKeyword("host") || t.isKeyword("net") || t.isKeyword("port") || t.isKeyword("portrange")) {
                addr = aqual(advance());
            } else if (t.isKeyword("gateway") || t.isKeyword("proto") || t.isKeyword("protochain")) {
                throw syntax();
            }
        } else if (t.isKeyword("host") || t.isKeyword("net") || t.isKeyword("port") || t.isKeyword("portrange")
                || t.isKeyword("gateway")) {
            addr = aqual(advance());
        } else if (t.isKeyword("proto")) {
            advance();
            addr = Q.PROTO;
        } else if (t.isKeyword("protochain")) {
            advance();
            addr = Q.PROTOCHAIN;
        } else {
            throw syntax();
        }
        Q.Qual q = new Q.Qual(proto, dir, addr);
        Node id = parseId(q);
        return new Node(id.b(), q);
    }

    private static int aqual(Token t) {
        switch (t.text()) {
            case "host": return Q.HOST;
            case "net": return Q.NET;
            case "port": return Q.PORT;
            case "portrange": return Q.PORTRANGE;
            default: return Q.GATEWAY;
        }
    }

    /** {@code id}: a value, a negated value, or a parenthesised and/or list of values; all share {@code q}. */
    private Node parseId(Q.Qual q) {
        Token t = peek();
        if (t.isOp("(")) {
            advance();
            Node left = parseId(q);
            while (isAndOr(peek())) {
                boolean isAnd = advance().isKeyword("and");
                Node right = parseId(q);
                left = new Node(isAnd ? CodeGen.and(left.b(), right.b()) : CodeGen.or(left.b(), right.b()), q);
            }
            expectOp(")");
            return left;
        }
        if (isNot(t)) {
            advance();
            Node n = parseId(q);
            CodeGen.not(n.b());
            return n;
        }
        int start = t.start();
        switch (t.kind()) {
            case NUM:
                advance();
                return new Node(at(start, () -> ncode(null, (int) t.value(), q)), q);
            case ID:
                advance();
                return new Node(at(start, () -> scode(t.text(), q)), q);
            case HID: {
                advance();
                if (peek().isOp("/")) {
                    advance();
                    long len = numStrict();
                    return new Node(at(start, () -> mcode(t.text(), null, len, q)), q);
                }
                if (peek().isKeyword("mask")) {
                    advance();
                    Token m = peek();
                    if (m.kind() != Token.Kind.HID) {
                        throw syntax();
                    }
                    advance();
                    return new Node(at(start, () -> mcode(t.text(), m.text(), 0, q)), q);
                }
                return new Node(at(start, () -> ncode(t.text(), 0, q)), q);
            }
            case HID6: {
                advance();
                if (peek().isOp("/")) {
                    advance();
                    long len = numStrict();
                    return new Node(at(start, () -> mcode6(t.text(), len, q)), q);
                }
                return new Node(at(start, () -> mcode6(t.text(), 128, q)), q);
            }
            case EID:
                advance();
                return new Node(at(start, () -> ecode(t.text(), q)), q);
            case AID:
                advance();
                return new Node(at(start, () -> acode(t.text(), q)), q);
            default:
                throw syntax();
        }
    }

    // ---------------------------------------------------------------- "other" primitives

    private int pnum() {
        if (peek().isOp("(")) {
            advance();
            int v = pnum();
            expectOp(")");
            return v;
        }
        return pnumStrict();
    }

    private boolean pnumFollows() {
        int i = p;
        while (toks.get(i).isOp("(")) {
            i++;
        }
        return toks.get(i).kind() == Token.Kind.NUM;
    }

    /** Generates a primitive whose number is optional ({@code vlan [n]}): {@code given} says whether it was. */
    private interface OptionalNumGen {
        Block gen(int n, boolean given);
    }

    /** Past the keyword at {@code start}, an optional number, then {@code gen} for it. */
    private Block optionalNum(int start, OptionalNumGen gen) {
        advance();
        if (pnumFollows()) {
            int n = pnum();
            return at(start, () -> gen.gen(n, true));
        }
        return at(start, () -> gen.gen(0, false));
    }

    private Block parseOther() {
        Token t = peek();
        int start = t.start();
        int proto = Q.DEFAULT;
        if (isPname(t)) {
            proto = Q.PROTO_NAMES.get(advance().text());
            t = peek();
        }
        final int pq = proto;
        switch (t.text()) {
            case "broadcast":
                advance();
                return at(start, () -> cg.broadcast(pq));
            case "multicast":
                advance();
                return at(start, () -> cg.multicast(pq));
            case "less": {
                advance();
                int n = pnumStrict();
                return cg.less(n);
            }
            case "greater": {
                advance();
                int n = pnumStrict();
                return cg.greater(n);
            }
            case "byte": {
                advance();
                int idx = pnumStrict();
                Token op = peek();
                if (!(op.isOp("&") || op.isOp("|") || op.isOp("<") || op.isOp(">") || op.isOp("="))) {
                    throw syntax();
                }
                advance();
                int val = pnumStrict();
                return at(start, () -> cg.byteop(op.text().charAt(0), idx, val));
            }
            case "inbound":
                advance();
                return at(start, () -> cg.inboundOutbound(false));
            case "outbound":
                advance();
                return at(start, () -> cg.inboundOutbound(true));
            case "ifindex": {
                advance();
                int n = pnumStrict();
                return at(start, () -> cg.ifindex(n));
            }
            case "vlan":
                return optionalNum(start, cg::vlan);
            case "mpls":
                return optionalNum(start, cg::mpls);
            case "pppoed":
                advance();
                return at(start, cg::pppoed);
            case "pppoes":
                return optionalNum(start, cg::pppoes);
            case "geneve":
                return optionalNum(start, cg::geneve);
            case "vxlan":
                return optionalNum(start, cg::vxlan);
            case "llc":
                advance();
                if (peek().kind() == Token.Kind.ID || peek().isKeyword("rnr")) {
                    String sub = advance().text();
                    return at(start, () -> cg.llcSubtype(sub));
                }
                return at(start, cg::llc);
            case "type": {
                advance();
                int type = wlanTypeValue();
                if (peek().isKeyword("subtype")) {
                    advance();
                    int sub = wlanSubtypeValue(type);
                    return at(start, () -> cg.p80211Type(type | sub, 0x0c | 0xf0));
                }
                return at(start, () -> cg.p80211Type(type, 0x0c));
            }
            case "subtype": {
                advance();
                Token n = peek();
                if (n.kind() != Token.Kind.ID) {
                    throw syntax();
                }
                advance();
                int typeSubtype = Wlan.typeSubtype(n.text());
                return at(start, () -> cg.p80211Type(typeSubtype, 0x0c | 0xf0));
            }
            case "dir": {
                advance();
                Token n = peek();
                int dir;
                if (n.kind() == Token.Kind.NUM) {
                    dir = (int) n.value();
                    if (Integer.compareUnsigned(dir, 3) > 0) {
                        throw new CompileError("invalid 802.11 direction value " + Integer.toUnsignedString(dir))
                                .at(n.start());
                    }
                } else if (n.kind() == Token.Kind.ID) {
                    dir = Wlan.direction(n.text());
                    if (dir < 0) {
                        throw new CompileError("unknown 802.11 direction").at(n.start());
                    }
                } else {
                    throw syntax();
                }
                advance();
                int d = dir;
                return at(start, () -> cg.p80211Fcdir(d));
            }
            case "fisu": case "lssu": case "lsu": case "msu": case "hfisu": case "hlssu": case "hmsu": {
                advance();
                String type = t.text().equals("lsu") ? "lssu" : t.text();
                return at(start, () -> cg.mtp2type(type));
            }
            case "sio": case "opc": case "dpc": case "sls": case "hsio": case "hopc": case "hdpc": case "hsls":
                advance();
                return mtp3FieldValue(t.text(), start);
            default:
                if (t.kind() == Token.Kind.KEYWORD) {
                    throw new CompileError("'" + t.text() + "' is not supported by netsieve's filter compiler on "
                            + CodeGen.dltString(cg.linktype)).at(start);
                }
                throw syntax();
        }
    }

    /**
     * After an MTP3 field keyword: {@code NUM}, {@code relop NUM}, or {@code ( NUM [or|and NUM]... )}
     * (each list value compared for equality, combined left to right).
     */
    private Block mtp3FieldValue(String field, int start) {
        Token op = peek();
        if (op.isOp("(")) {
            advance();
            Block b = mtp3Eq(field, start);
            while (isAndOr(peek())) {
                boolean isAnd = advance().isKeyword("and");
                Block n = mtp3Eq(field, start);
                b = isAnd ? CodeGen.and(b, n) : CodeGen.or(b, n);
            }
            expectOp(")");
            return b;
        }
        if (op.kind() == Token.Kind.OP && RELOPS.contains(op.text())) {
            advance();
            int code = relopJump(op.text());
            boolean reversed = relopReversed(op.text());
            int v = pnumStrict();
            return at(start, () -> cg.mtp3field(field, code, reversed, v));
        }
        return mtp3Eq(field, start);
    }

    /** {@code type} NUM (type bits only) or a type name. */
    private int wlanTypeValue() {
        Token n = peek();
        if (n.kind() == Token.Kind.NUM) {
            return wlanBitsValue(n, 0x0c, "type");
        }
        if (n.kind() == Token.Kind.ID) {
            advance();
            int v = Wlan.type(n.text());
            if (v < 0) {
                throw new CompileError("unknown 802.11 type name \"" + n.text() + "\"").at(n.start());
            }
            return v;
        }
        throw syntax();
    }

    /** {@code subtype} NUM (subtype bits only) or a subtype name of the given type. */
    private int wlanSubtypeValue(int type) {
        Token n = peek();
        if (n.kind() == Token.Kind.NUM) {
            return wlanBitsValue(n, 0xf0, "subtype");
        }
        if (n.kind() == Token.Kind.ID) {
            advance();
            return Wlan.subtype(type, n.text(), n.start());
        }
        throw syntax();
    }

    /** The number {@code n} (consumed), which may have no bits outside {@code mask}, the {@code what} field's. */
    private int wlanBitsValue(Token n, int mask, String what) {
        advance();
        int v = (int) n.value();
        if ((v & ~mask) != 0) {
            throw new CompileError(String.format("invalid 802.11 %s value 0x%02x", what, v)).at(n.start());
        }
        return v;
    }

    private Block mtp3Eq(String field, int start) {
        int v = pnumStrict();
        return at(start, () -> cg.mtp3field(field, Bpf.JEQ, false, v));
    }

    /** A number (no parentheses around it), as the lexer read it. */
    private long numStrict() {
        Token t = peek();
        if (t.kind() != Token.Kind.NUM) {
            throw syntax();
        }
        advance();
        return t.value();
    }

    private int pnumStrict() {
        return (int) numStrict();
    }

    // ---------------------------------------------------------------- arithmetic

    private Block parseRelation() {
        int start = peek().start();
        Arth a0 = parseArith(0);
        Token op = peek();
        if (op.kind() != Token.Kind.OP || !RELOPS.contains(op.text())) {
            throw syntax();
        }
        advance();
        Arth a1 = parseArith(0);
        int code = relopJump(op.text());
        boolean reversed = relopReversed(op.text());
        return at(start, () -> cg.relation(code, a0, a1, reversed));
    }

    /**
     * The jump a relational operator (one of {@link #RELOPS}; the lexer turns {@code ==} into {@code =}) compiles
     * to; BPF has no {@code <}, {@code <=} or {@code !=}, so those take the jump of their negation and are
     * {@linkplain #relopReversed reversed}.
     */
    private static int relopJump(String op) {
        switch (op) {
            case ">": case "<=": return Bpf.JGT;
            case ">=": case "<": return Bpf.JGE;
            default: return Bpf.JEQ;
        }
    }

    /** Whether {@link #relopJump}'s jump is the negation of {@code op}. */
    private static boolean relopReversed(String op) {
        return op.equals("<=") || op.equals("<") || op.equals("!=");
    }

    private static int precedence(Token t) {
        if (t.kind() != Token.Kind.OP) {
            return -1;
        }
        switch (t.text()) {
            case "|": case "^": return 1;
            case "&": return 2;
            case "<<": case ">>": return 3;
            case "+": case "-": return 4;
            case "*": case "/": case "%": return 5;
            default: return -1;
        }
    }

    private Arth parseArith(int minPrec) {
        Arth left = parseUnary();
        while (true) {
            Token op = peek();
            int prec = precedence(op);
            if (prec < 0 || prec < minPrec) {
                return left;
            }
            advance();
            Arth right = parseArith(prec + 1);
            int code;
            switch (op.text()) {
                case "+": code = Bpf.ADD; break;
                case "-": code = Bpf.SUB; break;
                case "*": code = Bpf.MUL; break;
                case "/": code = Bpf.DIV; break;
                case "%": code = Bpf.MOD; break;
                case "&": code = Bpf.AND; break;
                case "|": code = Bpf.OR; break;
                case "^": code = Bpf.XOR; break;
                case "<<": code = Bpf.LSH; break;
                default: code = Bpf.RSH; break;
            }
            Arth l = left;
            left = at(op.start(), () -> cg.arth(code, l, right));
        }
    }

    private Arth parseUnary() {
        Token t = peek();
        if (t.isOp("-")) {
            advance();
            Arth a = parseUnary();
            return cg.neg(a);
        }
        if (t.isOp("(")) {
            advance();
            Arth a = parseArith(0);
            expectOp(")");
            return a;
        }
        if (t.kind() == Token.Kind.NUM) {
            advance();
            return cg.loadi((int) t.value());
        }
        if (t.isKeyword("len")) {
            advance();
            return cg.loadlen();
        }
        if (isPname(t) && peek(1).isOp("[")) {
            advance();
            advance();
            int proto = Q.PROTO_NAMES.get(t.text());
            Arth index = parseArith(0);
            int size = 1;
            if (peek().isOp(":")) {
                advance();
                size = pnumStrict();
            }
            expectOp("]");
            int sz = size;
            return at(t.start(), () -> cg.load(proto, index, sz));
        }
        throw syntax();
    }

    // ---------------------------------------------------------------- values with qualifiers

    private Block ncode(String s, int v, Q.Qual q) {
        if (q.proto() == Q.DECNET) {
            if (q.addr() != Q.DEFAULT && q.addr() != Q.HOST) {
                throw CodeGen.invalidQual("decnet", Q.addrKeyword(q.addr()));
            }
            if (s == null) {
                throw CodeGen.error("invalid DECnet address '" + Integer.toUnsignedString(v) + "'");
            }
            return cg.dnhost(s, q.dir());
        }
        int vlen;
        String idstr;
        if (s == null) {
            vlen = 32;
            idstr = Integer.toUnsignedString(v);
        } else {
            long[] r = Addresses.parseIpv4Parts(s);
            if (r == null) {
                throw CodeGen.error("invalid IPv4 address '" + s + "'");
            }
            v = (int) r[0];
            vlen = (int) r[1];
            idstr = s;
        }
        switch (q.addr()) {
            case Q.DEFAULT:
            case Q.HOST:
            case Q.NET: {
                if (q.proto() == Q.LINK) {
                    throw CodeGen.error("illegal link-layer address '" + idstr + "'");
                }
                int mask = 0xffffffff;
                if (s == null && q.addr() == Q.NET) {
                    while (v != 0 && (v & 0xff000000) == 0) {
                        v <<= 8;
                        mask <<= 8;
                    }
                } else {
                    v = vlen == 0 ? 0 : (int) ((long) v << (32 - vlen));
                    mask = (int) (0xffffffffL << (32 - vlen));
                }
                return cg.host(new int[] {v}, new int[] {mask}, q.proto(), q.dir(), false,
                        q.addr() == Q.NET ? "net <IPv4 address>" : "host <IPv4 address>");
            }
            case Q.PORTRANGE:
            case Q.PORT: {
                if (s != null) {
                    throw CodeGen.error("'" + Q.addrKeyword(q.addr()) + "' qualifier applied to IPv4 address");
                }
                int proto = portProto(q.proto(), Q.addrKeyword(q.addr()));
                CodeGen.assertMaxval("port number", v, 0xffff);
                Block b = cg.port(v, proto, q.dir(), q.addr());
                Block b6 = cg.port6(v, proto, q.dir(), q.addr());
                return CodeGen.or(b6, b);
            }
            case Q.PROTO:
                if (s != null) {
                    throw CodeGen.error("'proto' qualifier applied to IPv4 address");
                }
                return cg.proto(v, q.proto());
            case Q.PROTOCHAIN:
                if (s != null) {
                    throw CodeGen.error("'protochain' qualifier applied to IPv4 address");
                }
                return cg.protochain(v, q.proto());
            case Q.UNDEF:
                throw new CompileError("syntax error in filter expression");
            default:
                throw CodeGen.invalidQual(Q.addrKeyword(q.addr()), idstr);
        }
    }

    private static int portProto(int proto, String kw) {
        switch (proto) {
            case Q.UDP: return CodeGen.IPPROTO_UDP;
            case Q.TCP: return CodeGen.IPPROTO_TCP;
            case Q.SCTP: return CodeGen.IPPROTO_SCTP;
            case Q.DEFAULT: return CodeGen.PROTO_UNDEF;
            default: throw CodeGen.invalidQual(Q.protoKeyword(proto), kw);
        }
    }

    private Block mcode(String s1, String s2, long masklen, Q.Qual q) {
        if (q.proto() == Q.DECNET) {
            throw CodeGen.invalidQual("decnet", Q.addrKeyword(q.addr() == Q.DEFAULT ? Q.HOST : q.addr()));
        }
        long[] n = Addresses.parseIpv4Parts(s1);
        if (n == null) {
            throw CodeGen.error("invalid IPv4 address '" + s1 + "'");
        }
        int addr = (int) (n[0] << (32 - n[1]));
        int m;
        String idstr;
        if (s2 != null) {
            long[] mm = Addresses.parseIpv4Parts(s2);
            if (mm == null) {
                throw CodeGen.error("invalid IPv4 address '" + s2 + "'");
            }
            m = (int) (mm[0] << (32 - mm[1]));
            idstr = s1 + " mask " + s2;
        } else {
            CodeGen.assertMaxval("netmask length", (int) masklen, 32);
            m = (int) (0xffffffffL << (32 - masklen));
            idstr = s1 + "/" + masklen;
        }
        if ((addr & ~m) != 0) {
            throw CodeGen.error("non-network bits set in \"" + idstr + "\"");
        }
        if (q.addr() == Q.NET) {
            return cg.host(new int[] {addr}, new int[] {m}, q.proto(), q.dir(), false, "net <IPv4 prefix>");
        }
        throw CodeGen.invalidQual(Q.addrKeyword(q.addr() == Q.DEFAULT ? Q.HOST : q.addr()), idstr);
    }

    private Block mcode6(String s, long masklen, Q.Qual q) {
        int[] a = Addresses.parseIpv6(s);
        if (a == null) {
            throw CodeGen.error("invalid IPv6 address " + s);
        }
        if (masklen > 128) {
            throw CodeGen.error("mask length must be <= 128");
        }
        int[] m = new int[4];
        for (int i = 0; i < 4; i++) {
            long bits = Math.max(0, Math.min(32, masklen - 32L * i));
            m[i] = bits == 0 ? 0 : (int) (0xffffffffL << (32 - bits));
        }
        for (int i = 0; i < 4; i++) {
            if ((a[i] & ~m[i]) != 0) {
                throw CodeGen.error("non-network bits set in \"" + s + "/" + masklen + "\"");
            }
        }
        switch (q.addr()) {
            case Q.DEFAULT:
            case Q.HOST:
                if (masklen != 128) {
                    throw CodeGen.invalidQual("host", s + "/" + masklen);
                }
                return cg.host6(new int[][] {a}, new int[][] {m}, q.proto(), q.dir(), false,
                        "host <IPv6 address>");
            case Q.NET:
                return cg.host6(new int[][] {a}, new int[][] {m}, q.proto(), q.dir(), false, "net <IPv6 prefix>");
            default:
                throw CodeGen.invalidQual(Q.addrKeyword(q.addr()), masklen == 128 ? s : s + "/" + masklen);
        }
    }

    /** {@code $XX}: a one-byte link-layer station address (ARCnet, BACnet MS/TP). */
    private Block acode(String s, Q.Qual q) {
        if (!((q.addr() == Q.HOST || q.addr() == Q.DEFAULT) && q.proto() == Q.LINK)) {
            throw CodeGen.error("ARCnet address used in non-arc expression");
        }
        int v = Integer.parseInt(s.substring(1), 16);
        return cg.mac8host(v, q.dir(), "link host $XX");
    }

    private Block ecode(String s, Q.Qual q) {
        if (!((q.addr() == Q.HOST || q.addr() == Q.DEFAULT) && q.proto() == Q.LINK)) {
            throw CodeGen.error("Ethernet address used in non-ether expression");
        }
        byte[] mac = Addresses.parseMac(s);
        if (mac == null) {
            throw CodeGen.error("invalid MAC-48 address '" + s + "'");
        }
        return cg.mac48host(mac, q.dir(), "link host XX:XX:XX:XX:XX:XX");
    }

    private Block scode(String name, Q.Qual q) {
        if (q.proto() == Q.DECNET) {
            throw CodeGen.invalidQual("decnet", Q.addrKeyword(q.addr() == Q.DEFAULT ? Q.HOST : q.addr()));
        }
        switch (q.addr()) {
            case Q.NET: {
                long net = resolver.network(name);
                if (net <= 0) {
                    throw CodeGen.error("unknown network '" + name + "'");
                }
                int addr = (int) net;
                int mask = 0xffffffff;
                while (addr != 0 && (addr & 0xff000000) == 0) {
                    addr <<= 8;
                    mask <<= 8;
                }
                return cg.host(new int[] {addr}, new int[] {mask}, q.proto(), q.dir(), false,
                        "net <IPv4 network name>");
            }
            case Q.DEFAULT:
            case Q.HOST:
                if (q.proto() == Q.LINK) {
                    byte[] mac = resolver.ethernet(name);
                    if (mac == null) {
                        throw CodeGen.error("unknown Ethernet-like host '" + name + "'");
                    }
                    return cg.mac48host(mac, q.dir(), "link host NAME");
                }
                return host46ByName(name, q.proto(), q.proto(), q.dir(), false);
            case Q.PORT: {
                portProto(q.proto(), "port");
                Names.Service svc = Names.SERVICES.get(name.toLowerCase(java.util.Locale.ROOT));
                if (svc == null) {
                    throw CodeGen.error("unknown port '" + name + "'");
                }
                int realProto = serviceProto(svc);
                realProto = checkPortProto(q.proto(), realProto, "port '" + name + "'");
                Block b = cg.port(svc.port(), realProto, q.dir(), q.addr());
                Block b6 = cg.port6(svc.port(), realProto, q.dir(), q.addr());
                return CodeGen.or(b6, b);
            }
            case Q.PORTRANGE: {
                portProto(q.proto(), "portrange");
                int[] range = portRange(name);
                int realProto = checkPortProto(q.proto(), range[2], "port in range '" + name + "'");
                CodeGen.assertMaxval("port number", range[0], 0xffff);
                CodeGen.assertMaxval("port number", range[1], 0xffff);
                Block b = cg.portrange(range[0], range[1], realProto, q.dir());
                Block b6 = cg.portrange6(range[0], range[1], realProto, q.dir());
                return CodeGen.or(b6, b);
            }
            case Q.GATEWAY:
                return gateway(name, q.proto());
            case Q.PROTO:
                return cg.proto(lookupProto(name, q), q.proto());
            case Q.PROTOCHAIN:
                return cg.protochain(lookupProto(name, q), q.proto());
            case Q.UNDEF:
                throw new CompileError("syntax error in filter expression");
            default:
                throw CodeGen.invalidQual(Q.addrKeyword(q.addr()), name);
        }
    }

    private static int serviceProto(Names.Service svc) {
        if (svc.tcp() && svc.udp()) {
            return CodeGen.PROTO_UNDEF;
        }
        return svc.tcp() ? CodeGen.IPPROTO_TCP : CodeGen.IPPROTO_UDP;
    }

    private static int checkPortProto(int qproto, int real, String what) {
        switch (qproto) {
            case Q.UDP:
                if (real == CodeGen.IPPROTO_TCP) {
                    throw CodeGen.error(what + " is tcp");
                }
                return CodeGen.IPPROTO_UDP;
            case Q.TCP:
                if (real == CodeGen.IPPROTO_UDP) {
                    throw CodeGen.error(what + " is udp");
                }
                return CodeGen.IPPROTO_TCP;
            case Q.SCTP:
                if (real == CodeGen.IPPROTO_UDP) {
                    throw CodeGen.error(what + " is udp");
                }
                if (real == CodeGen.IPPROTO_TCP) {
                    throw CodeGen.error(what + " is tcp");
                }
                return CodeGen.IPPROTO_SCTP;
            default:
                return real;
        }
    }

    /** "a-b" with numbers or service names: {port1, port2, proto}. */
    private static int[] portRange(String s) {
        int hyphen = s.indexOf('-');
        if (hyphen < 0) {
            throw CodeGen.error("port range '" + s + "' contains no hyphen");
        }
        if (s.indexOf('-', hyphen + 1) >= 0) {
            throw CodeGen.error("port range '" + s + "' contains more than one hyphen");
        }
        if (hyphen == 0) {
            throw CodeGen.error("port range '" + s + "' has no starting port");
        }
        if (hyphen == s.length() - 1) {
            throw CodeGen.error("port range '" + s + "' has no ending port");
        }
        int[] a = stringToPort(s.substring(0, hyphen));
        int[] b = stringToPort(s.substring(hyphen + 1));
        int proto = a[1] == b[1] ? a[1] : CodeGen.PROTO_UNDEF;
        return new int[] {a[0], b[0], proto};
    }

    private static int[] stringToPort(String s) {
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            try {
                return new int[] {(int) Lexer.parseNumber(s, -1), CodeGen.PROTO_UNDEF};
            } catch (CompileError e) {
                if (!e.getMessage().contains("contains non-")) {
                    throw e;
                }
            }
        }
        Names.Service svc = Names.SERVICES.get(s.toLowerCase(java.util.Locale.ROOT));
        if (svc == null) {
            throw CodeGen.error("'" + s + "' is not a valid port");
        }
        return new int[] {svc.port(), serviceProto(svc)};
    }

    private int lookupProto(String name, Q.Qual q) {
        Integer v = null;
        switch (q.proto()) {
            case Q.DEFAULT:
            case Q.IP:
            case Q.IPV6:
                v = Names.IP_PROTOCOLS.get(name.toLowerCase(java.util.Locale.ROOT));
                break;
            case Q.LINK:
                v = Names.ETHER_PROTOCOLS.get(name);
                if (v == null) {
                    v = Names.LLC_SAPS.get(name);
                }
                break;
            case Q.ISO:
                v = name.equals("esis") ? Integer.valueOf(0x82) : name.equals("isis") ? Integer.valueOf(0x83)
                        : name.equals("clnp") ? Integer.valueOf(0x81) : null;
                break;
            default:
                break;
        }
        if (v != null) {
            return v;
        }
        if (q.proto() == Q.DEFAULT) {
            throw CodeGen.error("unknown '" + Q.addrKeyword(q.addr()) + "' value '" + name + "'");
        }
        throw CodeGen.error("unknown '" + Q.protoKeyword(q.proto()) + " " + Q.addrKeyword(q.addr()) + "' value '"
                + name + "'");
    }

    private Block host46ByName(String name, int proto4, int proto6, int dir, boolean negate) {
        List<byte[]> addrs = resolver.addresses(name);
        if (addrs.isEmpty()) {
            throw CodeGen.error("unknown host '" + name + "'");
        }
        Block ret = null;
        if (proto4 != Q.IPV6) {
            List<Long> v4 = new ArrayList<>();
            for (byte[] a : addrs) {
                if (a.length == 4) {
                    long v = ((a[0] & 0xffL) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
                    v4.add(v);
                }
            }
            if (v4.size() > 100) {
                throw CodeGen.error("More than 100 IPv4 addresses per name");
            }
            v4.sort(Comparator.naturalOrder());
            if (!v4.isEmpty()) {
                int[] a = new int[v4.size()];
                int[] m = new int[v4.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (int) (long) v4.get(i);
                    m[i] = 0xffffffff;
                }
                ret = cg.host(a, m, proto4, dir, negate, "host <Internet hostname>");
            }
        }
        if (proto6 != Q.ARP && proto6 != Q.IP && proto6 != Q.RARP) {
            List<byte[]> v6 = new ArrayList<>();
            for (byte[] a : addrs) {
                if (a.length == 16) {
                    v6.add(a);
                }
            }
            if (v6.size() > 100) {
                throw CodeGen.error("More than 100 IPv6 addresses per name");
            }
            v6.sort(Arrays::compareUnsigned);
            if (!v6.isEmpty()) {
                int[][] a = new int[v6.size()][];
                int[][] m = new int[v6.size()][];
                for (int i = 0; i < a.length; i++) {
                    byte[] b = v6.get(i);
                    a[i] = new int[4];
                    for (int w = 0; w < 4; w++) {
                        a[i][w] = ((b[4 * w] & 0xff) << 24) | ((b[4 * w + 1] & 0xff) << 16)
                                | ((b[4 * w + 2] & 0xff) << 8) | (b[4 * w + 3] & 0xff);
                    }
                    m[i] = new int[] {-1, -1, -1, -1};
                }
                Block hosts6 = cg.host6(a, m, proto6, dir, negate, "host <Internet hostname>");
                ret = ret != null ? CodeGen.or(ret, hosts6) : hosts6;
            }
        }
        if (ret == null) {
            throw CodeGen.error("unknown host '" + name + "'" + (proto4 == Q.DEFAULT ? ""
                    : " for specified address family"));
        }
        return ret;
    }

    private Block gateway(String name, int proto) {
        switch (proto) {
            case Q.DEFAULT: case Q.IP: case Q.ARP: case Q.RARP:
                break;
            default:
                throw CodeGen.invalidQual(Q.protoKeyword(proto), "gateway");
        }
        if (cg.labelStackDepth() > 0) {
            throw CodeGen.error("'gateway' cannot be used within MPLS");
        }
        if (cg.isEncap()) {
            throw CodeGen.error("'gateway' cannot be used within VXLAN or Geneve");
        }
        if (cg.linktype != io.netsieve.core.packet.LinkType.ETHERNET && cg.linktype != CodeGen.DLT_DSA_TAG_BRCM
                && cg.linktype != CodeGen.DLT_DSA_TAG_DSA && !CodeGen.is80211(cg.linktype)) {
            throw cg.failKeywordOnDlt("gateway");
        }
        byte[] mac = resolver.ethernet(name);
        if (mac == null) {
            throw CodeGen.error("unknown Ethernet-like host '" + name + "'");
        }
        Block b0 = cg.mac48host(mac, Q.OR, "gateway");
        Block b1 = host46ByName(name, proto, Q.IP, Q.OR, true);
        return CodeGen.and(b0, b1);
    }
}
