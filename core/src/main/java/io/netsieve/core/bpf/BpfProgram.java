package io.netsieve.core.bpf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable classic BPF program ({@code struct bpf_program}). Build one with {@link #of}, parse one from a
 * {@code tcpdump -d} listing with {@link BpfAssembler}, or compile one with {@link FilterCompiler}. Thread-safe.
 */
public final class BpfProgram {
    private final BpfInstruction[] instructions;

    private BpfProgram(BpfInstruction[] instructions) {
        this.instructions = instructions;
    }

    /** A program of these instructions (not validated: see {@link BpfValidator}). */
    public static BpfProgram of(List<BpfInstruction> instructions) {
        return new BpfProgram(instructions.toArray(new BpfInstruction[0]));
    }

    /** A program of these instructions (not validated: see {@link BpfValidator}). */
    public static BpfProgram of(BpfInstruction... instructions) {
        return new BpfProgram(instructions.clone());
    }

    public int length() {
        return instructions.length;
    }

    public BpfInstruction get(int index) {
        return instructions[index];
    }

    public List<BpfInstruction> instructions() {
        return List.of(instructions);
    }

    /** The listing in one of tcpdump's formats, each line ending with a newline, exactly as tcpdump prints it. */
    public String dump(BpfDumpFormat format) {
        StringBuilder sb = new StringBuilder(instructions.length * 48);
        switch (format) {
            case DECIMAL:
                sb.append(instructions.length).append('\n');
                for (BpfInstruction i : instructions) {
                    sb.append(i.code()).append(' ').append(i.jt()).append(' ').append(i.jf()).append(' ')
                            .append(Integer.toUnsignedString(i.k())).append('\n');
                }
                break;
            case C_ARRAY:
                for (BpfInstruction i : instructions) {
                    sb.append(String.format("{ 0x%x, %d, %d, 0x%08x },%n", i.code(), i.jt(), i.jf(), i.k()));
                }
                break;
            default:
                for (int n = 0; n < instructions.length; n++) {
                    sb.append(image(instructions[n], n)).append('\n');
                }
        }
        return sb.toString();
    }

    /** One instruction as libpcap's {@code bpf_image()} prints it ({@code tcpdump -d}). */
    public static String image(BpfInstruction insn, int n) {
        String op;
        String operand;
        int k = insn.k();
        switch (insn.code()) {
            case Bpf.RET | Bpf.K: op = "ret"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.RET | Bpf.A: op = "ret"; operand = ""; break;
            case Bpf.RET | Bpf.X: op = "ret"; operand = "x"; break;
            case Bpf.LD | Bpf.W | Bpf.ABS: op = "ld"; operand = absolute(k); break;
            case Bpf.LD | Bpf.H | Bpf.ABS: op = "ldh"; operand = absolute(k); break;
            case Bpf.LD | Bpf.B | Bpf.ABS: op = "ldb"; operand = absolute(k); break;
            case Bpf.LD | Bpf.W | Bpf.LEN: op = "ld"; operand = "#pktlen"; break;
            case Bpf.LD | Bpf.W | Bpf.IND: op = "ld"; operand = "[x + " + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.LD | Bpf.H | Bpf.IND: op = "ldh"; operand = "[x + " + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.LD | Bpf.B | Bpf.IND: op = "ldb"; operand = "[x + " + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.LD | Bpf.IMM: op = "ld"; operand = hex(k); break;
            case Bpf.LDX | Bpf.IMM: op = "ldx"; operand = hex(k); break;
            case Bpf.LDX | Bpf.MSH | Bpf.B: op = "ldxb"; operand = "4*([" + Integer.toUnsignedString(k) + "]&0xf)"; break;
            case Bpf.LD | Bpf.MEM: op = "ld"; operand = "M[" + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.LDX | Bpf.MEM: op = "ldx"; operand = "M[" + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.ST: op = "st"; operand = "M[" + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.STX: op = "stx"; operand = "M[" + Integer.toUnsignedString(k) + "]"; break;
            case Bpf.JMP | Bpf.JA: op = "ja"; operand = Integer.toUnsignedString(n + 1 + k); break;
            case Bpf.JMP | Bpf.JGT | Bpf.K: op = "jgt"; operand = hex(k); break;
            case Bpf.JMP | Bpf.JGE | Bpf.K: op = "jge"; operand = hex(k); break;
            case Bpf.JMP | Bpf.JEQ | Bpf.K: op = "jeq"; operand = hex(k); break;
            case Bpf.JMP | Bpf.JSET | Bpf.K: op = "jset"; operand = hex(k); break;
            case Bpf.JMP | Bpf.JGT | Bpf.X: op = "jgt"; operand = "x"; break;
            case Bpf.JMP | Bpf.JGE | Bpf.X: op = "jge"; operand = "x"; break;
            case Bpf.JMP | Bpf.JEQ | Bpf.X: op = "jeq"; operand = "x"; break;
            case Bpf.JMP | Bpf.JSET | Bpf.X: op = "jset"; operand = "x"; break;
            case Bpf.ALU | Bpf.ADD | Bpf.X: op = "add"; operand = "x"; break;
            case Bpf.ALU | Bpf.SUB | Bpf.X: op = "sub"; operand = "x"; break;
            case Bpf.ALU | Bpf.MUL | Bpf.X: op = "mul"; operand = "x"; break;
            case Bpf.ALU | Bpf.DIV | Bpf.X: op = "div"; operand = "x"; break;
            case Bpf.ALU | Bpf.MOD | Bpf.X: op = "mod"; operand = "x"; break;
            case Bpf.ALU | Bpf.AND | Bpf.X: op = "and"; operand = "x"; break;
            case Bpf.ALU | Bpf.OR | Bpf.X: op = "or"; operand = "x"; break;
            case Bpf.ALU | Bpf.XOR | Bpf.X: op = "xor"; operand = "x"; break;
            case Bpf.ALU | Bpf.LSH | Bpf.X: op = "lsh"; operand = "x"; break;
            case Bpf.ALU | Bpf.RSH | Bpf.X: op = "rsh"; operand = "x"; break;
            case Bpf.ALU | Bpf.ADD | Bpf.K: op = "add"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.SUB | Bpf.K: op = "sub"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.MUL | Bpf.K: op = "mul"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.DIV | Bpf.K: op = "div"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.MOD | Bpf.K: op = "mod"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.AND | Bpf.K: op = "and"; operand = hex(k); break;
            case Bpf.ALU | Bpf.OR | Bpf.K: op = "or"; operand = hex(k); break;
            case Bpf.ALU | Bpf.XOR | Bpf.K: op = "xor"; operand = hex(k); break;
            case Bpf.ALU | Bpf.LSH | Bpf.K: op = "lsh"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.RSH | Bpf.K: op = "rsh"; operand = "#" + Integer.toUnsignedString(k); break;
            case Bpf.ALU | Bpf.NEG: op = "neg"; operand = ""; break;
            case Bpf.MISC | Bpf.TAX: op = "tax"; operand = ""; break;
            case Bpf.MISC | Bpf.TXA: op = "txa"; operand = ""; break;
            case Bpf.LDX | Bpf.W | Bpf.LEN: op = "ldx"; operand = "#pktlen"; break;
            default: op = "unimp"; operand = "0x" + Integer.toHexString(insn.code()); break;
        }
        StringBuilder sb = new StringBuilder(48);
        sb.append(String.format("(%03d) %-8s ", n, op));
        if (Bpf.isConditionalJump(insn.code())) {
            sb.append(String.format("%-16s jt %d\tjf %d", operand, n + 1 + insn.jt(), n + 1 + insn.jf()));
        } else {
            sb.append(operand);
        }
        return sb.toString();
    }

    private static String hex(int k) {
        return "#0x" + Integer.toHexString(k);
    }

    private static String absolute(int k) {
        if (k < 0 && Bpf.isKnownAncillary(k)) {
            String name = ancillaryName(k - Bpf.SKF_AD_OFF);
            if (name != null) {
                return "[" + name + "]";
            }
        }
        return "[" + Integer.toUnsignedString(k) + "]";
    }

    /** libpcap's names for the Linux ancillary loads, as {@code bpf_image} prints them. */
    static String ancillaryName(int ad) {
        switch (ad) {
            case Bpf.SKF_AD_PROTOCOL: return "proto";
            case Bpf.SKF_AD_PKTTYPE: return "type";
            case Bpf.SKF_AD_IFINDEX: return "ifidx";
            case Bpf.SKF_AD_NLATTR: return "nla";
            case Bpf.SKF_AD_NLATTR_NEST: return "nlan";
            case Bpf.SKF_AD_MARK: return "mark";
            case Bpf.SKF_AD_QUEUE: return "queue";
            case Bpf.SKF_AD_HATYPE: return "hatype";
            case Bpf.SKF_AD_RXHASH: return "rxhash";
            case Bpf.SKF_AD_CPU: return "cpu";
            case Bpf.SKF_AD_VLAN_TAG: return "vlan_tci";
            case Bpf.SKF_AD_VLAN_TAG_PRESENT: return "vlanp";
            case Bpf.SKF_AD_PAY_OFFSET: return "poff";
            case Bpf.SKF_AD_RANDOM: return "random";
            case Bpf.SKF_AD_VLAN_TPID: return "vlan_tpid";
            default: return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BpfProgram p && Arrays.equals(instructions, p.instructions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(instructions);
    }

    @Override
    public String toString() {
        return dump(BpfDumpFormat.ASSEMBLY);
    }

    static List<BpfInstruction> mutableCopy(BpfProgram p) {
        return new ArrayList<>(Arrays.asList(p.instructions));
    }
}
