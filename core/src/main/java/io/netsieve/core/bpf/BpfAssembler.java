package io.netsieve.core.bpf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a {@code tcpdump -d} listing (libpcap's {@code bpf_image} format, jump targets absolute) back into a
 * {@link BpfProgram}. Lines may carry a trailing {@code ; comment}; blank lines are ignored. The line numbers must
 * count 0, 1, 2…
 */
public final class BpfAssembler {
    private static final Pattern LINE = Pattern.compile(
            "\\((\\d+)\\)\\s+(\\w+)\\s*(.*?)(?:\\s+jt\\s+(\\d+)\\s+jf\\s+(\\d+))?\\s*");

    private BpfAssembler() {
    }

    /** Parses a whole listing. @throws IllegalArgumentException naming the line that does not parse */
    public static BpfProgram parse(String listing) {
        List<BpfInstruction> out = new ArrayList<>();
        String[] lines = listing.split("\n");
        for (int li = 0; li < lines.length; li++) {
            String line = lines[li];
            int semi = line.indexOf(';');
            if (semi >= 0) {
                line = line.substring(0, semi);
            }
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(parseLine(line.strip(), out.size()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (li + 1) + ": " + e.getMessage() + ": " + lines[li], e);
            }
        }
        return BpfProgram.of(out);
    }

    private static BpfInstruction parseLine(String line, int n) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a bpf_image line");
        }
        if (Integer.parseInt(m.group(1)) != n) {
            throw new IllegalArgumentException("instruction number " + m.group(1) + ", expected " + n);
        }
        String op = m.group(2).toLowerCase(Locale.ROOT);
        String arg = m.group(3).strip();
        if (m.group(4) != null) {
            int jt = Integer.parseInt(m.group(4)) - n - 1;
            int jf = Integer.parseInt(m.group(5)) - n - 1;
            int jop = switch (op) {
                case "jeq" -> Bpf.JEQ;
                case "jgt" -> Bpf.JGT;
                case "jge" -> Bpf.JGE;
                case "jset" -> Bpf.JSET;
                default -> throw new IllegalArgumentException("'" + op + "' takes no jt/jf");
            };
            if (arg.equals("x")) {
                return BpfInstruction.jump(Bpf.JMP | jop | Bpf.X, 0, jt, jf);
            }
            return BpfInstruction.jump(Bpf.JMP | jop | Bpf.K, immediate(arg), jt, jf);
        }
        switch (op) {
            case "ret":
                if (arg.isEmpty() || arg.equals("a")) {
                    return BpfInstruction.stmt(Bpf.RET | Bpf.A, 0);
                }
                if (arg.equals("x")) {
                    return BpfInstruction.stmt(Bpf.RET | Bpf.X, 0);
                }
                return BpfInstruction.stmt(Bpf.RET | Bpf.K, immediate(arg));
            case "ld": case "ldh": case "ldb": {
                int size = op.equals("ld") ? Bpf.W : op.equals("ldh") ? Bpf.H : Bpf.B;
                if (arg.equals("#pktlen") || arg.equals("#len")) {
                    return BpfInstruction.stmt(Bpf.LD | Bpf.W | Bpf.LEN, 0);
                }
                if (arg.startsWith("#")) {
                    return BpfInstruction.stmt(Bpf.LD | Bpf.IMM, immediate(arg));
                }
                if (arg.startsWith("M[")) {
                    return BpfInstruction.stmt(Bpf.LD | Bpf.MEM, bracket(arg.substring(1)));
                }
                String inner = arg.substring(1, arg.length() - 1).replace(" ", "");
                if (!arg.startsWith("[") || !arg.endsWith("]")) {
                    throw new IllegalArgumentException("bad operand '" + arg + "'");
                }
                if (inner.startsWith("x+")) {
                    return BpfInstruction.stmt(Bpf.LD | size | Bpf.IND, number(inner.substring(2)));
                }
                return BpfInstruction.stmt(Bpf.LD | size | Bpf.ABS, absoluteOffset(inner));
            }
            case "ldx":
                if (arg.equals("#pktlen") || arg.equals("#len")) {
                    return BpfInstruction.stmt(Bpf.LDX | Bpf.W | Bpf.LEN, 0);
                }
                if (arg.startsWith("M[")) {
                    return BpfInstruction.stmt(Bpf.LDX | Bpf.MEM, bracket(arg.substring(1)));
                }
                return BpfInstruction.stmt(Bpf.LDX | Bpf.IMM, immediate(arg));
            case "ldxb": {
                String s = arg.replace(" ", "");
                if (!s.startsWith("4*([") || !s.endsWith("]&0xf)")) {
                    throw new IllegalArgumentException("bad ldxb operand '" + arg + "'");
                }
                return BpfInstruction.stmt(Bpf.LDX | Bpf.MSH | Bpf.B, number(s.substring(4, s.length() - 6)));
            }
            case "st": return BpfInstruction.stmt(Bpf.ST, bracket(arg.substring(1)));
            case "stx": return BpfInstruction.stmt(Bpf.STX, bracket(arg.substring(1)));
            case "ja": return BpfInstruction.stmt(Bpf.JMP | Bpf.JA, number(arg) - n - 1);
            case "neg": return BpfInstruction.stmt(Bpf.ALU | Bpf.NEG, 0);
            case "tax": return BpfInstruction.stmt(Bpf.MISC | Bpf.TAX, 0);
            case "txa": return BpfInstruction.stmt(Bpf.MISC | Bpf.TXA, 0);
            default:
                break;
        }
        int aluOp = switch (op) {
            case "add" -> Bpf.ADD;
            case "sub" -> Bpf.SUB;
            case "mul" -> Bpf.MUL;
            case "div" -> Bpf.DIV;
            case "mod" -> Bpf.MOD;
            case "and" -> Bpf.AND;
            case "or" -> Bpf.OR;
            case "xor" -> Bpf.XOR;
            case "lsh" -> Bpf.LSH;
            case "rsh" -> Bpf.RSH;
            default -> throw new IllegalArgumentException("unknown instruction '" + op + "'");
        };
        if (arg.equals("x")) {
            return BpfInstruction.stmt(Bpf.ALU | aluOp | Bpf.X, 0);
        }
        return BpfInstruction.stmt(Bpf.ALU | aluOp | Bpf.K, immediate(arg));
    }

    private static int absoluteOffset(String inner) {
        for (int ad = 0; ad < Bpf.SKF_AD_MAX; ad += 4) {
            if (inner.equals(BpfProgram.ancillaryName(ad))) {
                return Bpf.SKF_AD_OFF + ad;
            }
        }
        return number(inner);
    }

    private static int bracket(String s) {
        if (!s.startsWith("[") || !s.endsWith("]")) {
            throw new IllegalArgumentException("bad operand '" + s + "'");
        }
        return number(s.substring(1, s.length() - 1));
    }

    private static int immediate(String arg) {
        if (!arg.startsWith("#")) {
            throw new IllegalArgumentException("expected #constant, got '" + arg + "'");
        }
        return number(arg.substring(1));
    }

    private static int number(String s) {
        s = s.strip();
        long v;
        if (s.startsWith("0x") || s.startsWith("0X")) {
            v = Long.parseLong(s.substring(2), 16);
        } else {
            v = Long.parseLong(s);
        }
        if (v < Integer.MIN_VALUE || v > 0xffffffffL) {
            throw new IllegalArgumentException("constant " + s + " does not fit 32 bits");
        }
        return (int) v;
    }
}
