package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * {@link BpfJit}'s {@code jeq} chains emitted as switches, and the {@code byte[]} entry point: random chains (duplicate
 * constants, sparse and extreme constants, links that are also jumped to from elsewhere, links spread out in the
 * program, links whose two branches agree) against {@link BpfInterpreter}, through the {@code ByteBuffer} entry point
 * (heap and direct) and {@link BpfFilter#apply(byte[], int, int, int, BpfAuxData)}.
 */
class BpfJitSwitchTest {

    private static int randomKey(Random r) {
        switch (r.nextInt(10)) {
            case 0: return r.nextInt();
            case 1: return r.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            case 2: return -1 - r.nextInt(3);
            default: return r.nextInt(8);
        }
    }

    /**
     * {@code ldb [i]} (or {@code ldh}), then {@code m} links {@code jeq #k}, each link's false branch going to the
     * next link, possibly over a filler {@code ret} that only other links jump to; true branches go to one of the
     * returns at the end or (sometimes) to a later link, which then has two predecessors.
     */
    private static BpfProgram randomChain(Random r) {
        int m = 1 + r.nextInt(40);
        int rets = 1 + r.nextInt(5);
        // Layout: 0 = load, then per link an optional filler ret before it, then the returns.
        List<Integer> linkPc = new ArrayList<>();
        List<Integer> fillerPc = new ArrayList<>();
        int pc = 1;
        for (int i = 0; i < m; i++) {
            if (i > 0 && r.nextInt(6) == 0) {
                fillerPc.add(pc++);
            }
            linkPc.add(pc++);
        }
        int firstRet = pc;
        int n = firstRet + rets;
        BpfInstruction[] insns = new BpfInstruction[n];
        insns[0] = r.nextInt(4) == 0 ? BpfInstruction.stmt(Bpf.LD | Bpf.H | Bpf.ABS, r.nextInt(3))
                : BpfInstruction.stmt(Bpf.LD | Bpf.B | Bpf.ABS, r.nextInt(4));
        for (int f : fillerPc) {
            insns[f] = BpfInstruction.stmt(Bpf.RET | Bpf.K, 1000 + f);
        }
        for (int i = 0; i < m; i++) {
            int at = linkPc.get(i);
            int falseTo = i + 1 < m ? linkPc.get(i + 1) : firstRet + r.nextInt(rets);
            int trueTo;
            int pick = r.nextInt(10);
            if (pick == 0 && i + 2 < m) {
                trueTo = linkPc.get(i + 2 + r.nextInt(m - i - 2)); // a later link: two predecessors
            } else if (pick == 1 && !fillerPc.isEmpty() && fillerPc.get(fillerPc.size() - 1) > at) {
                int f;
                do {
                    f = fillerPc.get(r.nextInt(fillerPc.size()));
                } while (f <= at);
                trueTo = f;
            } else if (pick == 2) {
                trueTo = falseTo; // both ways the same
            } else {
                trueTo = firstRet + r.nextInt(rets);
            }
            insns[at] = BpfInstruction.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, randomKey(r), trueTo - at - 1,
                    falseTo - at - 1);
        }
        for (int i = 0; i < rets; i++) {
            insns[firstRet + i] = i == 0 && r.nextBoolean() ? BpfInstruction.stmt(Bpf.RET | Bpf.A, 0)
                    : BpfInstruction.stmt(Bpf.RET | Bpf.K, 10 + i);
        }
        return BpfProgram.of(insns);
    }

    /** True if the generated class has a tableswitch or lookupswitch. */
    private static boolean hasSwitch(BpfProgram p) {
        boolean[] found = new boolean[1];
        new ClassReader(BpfJit.generate(p)).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
                        found[0] = true;
                    }

                    @Override
                    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
                        found[0] = true;
                    }
                };
            }
        }, 0);
        return found[0];
    }

    @Test
    void randomJeqChainsMatchTheInterpreter() {
        int[] withSwitch = {0};
        int programs = 3000;
        BpfJitTest.Differential d = BpfJitTest.differential(new Random(0x5717_c4a1L), programs, 40, r -> {
            BpfProgram p = randomChain(r);
            withSwitch[0] += hasSwitch(p) ? 1 : 0;
            return p;
        }, r -> {
            int caplen = r.nextInt(6);
            int offset = r.nextInt(5);
            byte[] a = new byte[offset + caplen + r.nextInt(3)];
            for (int b = 0; b < a.length; b++) {
                a[b] = (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : r.nextInt(9));
            }
            return new BpfJitTest.Frame(a, offset, caplen, caplen + r.nextInt(100), null);
        });
        assertEquals(programs, d.compiled());
        // The generator must produce chains long enough to become switches (and others that do not).
        assertTrue(withSwitch[0] > programs / 3 && withSwitch[0] < programs, "switches in " + withSwitch[0]);
    }

    @Test
    void arrayEntryPointOfTheInterpreterAndTheJit() {
        BpfProgram p = BpfProgram.of(BpfInstruction.stmt(Bpf.LD | Bpf.H | Bpf.ABS, 12),
                BpfInstruction.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x800, 0, 1), BpfInstruction.stmt(Bpf.RET | Bpf.K, 7),
                BpfInstruction.stmt(Bpf.RET | Bpf.K, 0));
        byte[] frame = new byte[20];
        frame[12 + 3] = 0x08; // the frame starts at offset 3
        for (BpfFilter f : new BpfFilter[] {BpfInterpreter.of(p), BpfJit.compile(p)}) {
            assertEquals(7, f.apply(frame, 3, 14, 60, null));
            assertEquals(0, f.apply(frame, 3, 13, 60, null)); // truncated before the EtherType's end
            assertEquals(0, f.apply(frame, 0, 20, 60, null));
        }
    }
}
