package io.netsieve.core.bpf;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import io.netsieve.core.bpf.internal.LastTestFirst;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Compiles a classic BPF program to JVM bytecode: one hidden class per program, implementing {@link BpfFilter},
 * whose {@code apply} method is the program translated instruction by instruction. HotSpot then compiles that
 * method to machine code like any other, so a filter costs roughly what the equivalent hand-written Java would.
 *
 * <p><b>Semantics.</b> The compiled filter returns exactly what {@link BpfInterpreter} returns for the same
 * program and arguments (libpcap's {@code bpf_filter} semantics): A = X = 0 and scratch memory zeroed at entry; a
 * load past the captured length, a division or modulo by X = 0, or an ancillary load without {@link BpfAuxData}
 * ends the filter with 0; shifts by 32 or more give 0; comparisons are unsigned. A program with a backward
 * {@code ja} (only libpcap mode allows one) runs at most {@link BpfInterpreter#MAX_STEPS} instructions and then
 * returns 0, counted as the interpreter counts (every executed instruction, the one that would exceed the budget
 * included). The counting is done per basic block rather than per instruction; this gives the same return value
 * in every case, because inside a block the only ways out before its last instruction all return 0. (The only
 * observable difference is for a caller that breaks the {@link BpfFilter} contract by passing a
 * {@code captureLength} larger than the buffer: where the interpreter would throw from a load in the very block
 * in which the budget runs out, the compiled filter returns 0 first.)
 *
 * <p><b>Code shape.</b> A, X and every scratch word the program uses are JVM local ints, so a run allocates
 * nothing and touches no shared state; each BPF instruction gets a label, jumps become JVM branches, and all the
 * "return 0" exits share one block. Unreachable instructions are not emitted. A chain of three or more
 * {@code jeq #k} instructions linked by their false branches (a test of A against a set of constants, as in
 * {@code tcp port 1 or tcp port 2 or ...}) becomes one JVM {@code tableswitch}/{@code lookupswitch}, which HotSpot
 * lowers to range tests or a binary search instead of one compare per constant. A heap buffer is read through its
 * array, by the public {@code apply(byte[], …)} that callers holding arrays may also call directly; there a packet
 * read is a call of a tiny static reader ({@code u8}, {@code u16} as two byte loads, {@code u32} through a
 * VarHandle) that HotSpot inlines, which keeps the method small enough to be inlined into a caller's loop and lets
 * C2 merge the array range checks of the byte loads. An indirect load whose X is an IPv4 header length
 * ({@code ldxb 4*([k]&0xf)}) is split into {@code X == 20 ? P[20 + k] : P[X + k]}, so that the processor, predicting
 * the usual header length, need not wait for the header-length byte before it reads the port or flags. A program
 * that is a plain conjunction of tests (every test's failing side is {@code ret #0}, one constant {@code ret #k}
 * after the last) runs its last test first when that is exact ({@link LastTestFirst}): in libpcap's code the
 * prerequisites (EtherType, protocol, fragment offset) come first and almost always pass, the final test decides.
 *
 * <p><b>Size limit.</b> By default HotSpot never JIT-compiles a method of more than 8000 bytes of bytecode
 * ({@code -XX:+DontCompileHugeMethods}, {@code HugeMethodLimit}); such a method would stay in the bytecode
 * interpreter, slower than {@link BpfInterpreter}. A packet load takes about 20..30 bytes of bytecode (bounds
 * check and buffer call), an ALU instruction or a jump 3..10, so the limit falls somewhere between about 270
 * BPF instructions (all loads) and well over 1000 (arithmetic and jumps); tcpdump filters are usually under 100.
 * When the generated method would exceed 8000 bytes, {@link #compile} returns {@link BpfInterpreter#of} instead,
 * which has the same semantics. Programs up to 4096 instructions (and longer libpcap-mode ones) are therefore
 * all accepted; only the speed differs.
 *
 * <p><b>Threading.</b> This class is stateless; {@link #compile} may be called from any number of threads. The
 * filters it returns are stateless and thread-safe. A compiled class is a hidden class that is not strongly
 * referenced by its defining loader, so it is unloaded once the filter is no longer reachable.
 */
public final class BpfJit {
    /** HotSpot's {@code HugeMethodLimit}: methods with more bytecode are never compiled to machine code. */
    static final int MAX_METHOD_BYTES = 8000;

    private static final String FILTER_CLASS = "io/netsieve/core/bpf/BpfJitFilter";
    private static final String APPLY_DESC = "(Ljava/nio/ByteBuffer;IIILio/netsieve/core/bpf/BpfAuxData;)I";
    private static final String BYTE_BUFFER = "java/nio/ByteBuffer";
    private static final String ARRAY_DESC = "([BIIILio/netsieve/core/bpf/BpfAuxData;)I";
    private static final String VAR_HANDLE = "java/lang/invoke/VarHandle";
    private static final String VAR_HANDLE_DESC = "Ljava/lang/invoke/VarHandle;";
    /** The readers u8, u16, u32: (byte[] array, int index) -> the big-endian value, zero-extended. */
    private static final String READER_DESC = "([BI)I";

    // Local variable slots of the generated apply method: the parameters, then A, X, the step counter and the
    // scratch words (only the ones the program uses get a slot).
    /** The shortest {@code jeq} chain emitted as a switch (see {@code findJeqChains}). */
    static final int MIN_SWITCH = 3;

    private static final int L_BUF = 1, L_OFFSET = 2, L_CAPLEN = 3, L_WIRELEN = 4, L_AUX = 5, L_A = 6, L_X = 7,
            L_STEPS = 8, L_MEM0 = 9;

    private BpfJit() {
    }

    /**
     * Compiles {@code program} to a filter with the same results as {@link BpfInterpreter#of}.
     *
     * @return the compiled filter, or a {@link BpfInterpreter} if the compiled method would be too large for
     *         HotSpot to JIT (more than 8000 bytes of bytecode)
     * @throws BpfValidationException if the program is not valid in {@link BpfValidator.Mode#LIBPCAP} mode
     */
    public static BpfFilter compile(BpfProgram program) {
        BpfValidator.validate(program, BpfValidator.Mode.LIBPCAP);
        byte[] bytes = generate(program);
        if (bytes == null) {
            return BpfInterpreter.of(program);
        }
        return define(bytes);
    }

    private static BpfFilter define(byte[] bytes) {
        try {
            // The class is named in this package, so this class's full-privilege lookup may define it; it joins
            // this package and module and can therefore use BpfAuxData and BpfFilter. Not STRONG: the class can
            // be unloaded as soon as the filter object is garbage.
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
            MethodHandle ctor = lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class));
            return (BpfFilter) ctor.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot define the compiled filter class", t);
        }
    }

    /** The class file, or null if the apply method would be larger than {@link #MAX_METHOD_BYTES}. */
    static byte[] generate(BpfProgram program) {
        try {
            return new Generator(LastTestFirst.reorder(program)).generate();
        } catch (MethodTooLargeException e) {
            return null; // over 64 KiB: far over the JIT limit anyway
        }
    }

    /** One compilation: the analysis of the program and the code emission. Not reused. */
    private static final class Generator {
        private final BpfProgram program;
        private final int n;
        private final boolean[] reachable;
        /** Instructions that start a basic block (only needed for step counting). */
        private final boolean[] leader;
        /** Local slot of each scratch word, or -1 if the program does not use it. */
        private final int[] memSlot = new int[Bpf.MEMWORDS];
        private final boolean loops;
        private final Label[] labels;
        private Label returnZero = new Label();
        private boolean returnZeroUsed;
        /** Emitting the byte[] variant: L_BUF holds the array and L_OFFSET the absolute index of the frame. */
        private boolean arrayMode;
        private final int[] knownLenIn;
        private final long[] maxXIn;
        /** 1 if on every path here X was last set by {@code ldxb 4*([k]&0xf)}, 0 if not, -1 not yet known. */
        private final byte[] xMshIn;
        /** At the head of a jeq chain emitted as one switch: the chain's instructions (head first), else null. */
        private final int[][] switchChain;
        /** Chain members after the head: emitted as part of their head's switch, not on their own. */
        private final boolean[] absorbed;
        /** The instruction being emitted (for the bounds facts). */
        private int currentPc;
        private MethodVisitor mv;

        Generator(BpfProgram program) {
            this.program = program;
            this.n = program.length();
            this.reachable = new boolean[n];
            this.leader = new boolean[n];
            this.labels = new Label[n];
            this.knownLenIn = new int[n];
            this.maxXIn = new long[n];
            this.xMshIn = new byte[n];
            this.switchChain = new int[n][];
            this.absorbed = new boolean[n];
            boolean back = false;
            java.util.Arrays.fill(memSlot, -1);
            int nextSlot = L_MEM0;
            for (int pc = 0; pc < n; pc++) {
                BpfInstruction insn = program.get(pc);
                int code = insn.code();
                // Same test as the interpreter's: any backward ja, reachable or not, turns on step counting.
                back |= code == (Bpf.JMP | Bpf.JA) && insn.k() < 0;
                if (code == Bpf.ST || code == Bpf.STX || code == (Bpf.LD | Bpf.MEM)
                        || code == (Bpf.LDX | Bpf.MEM)) {
                    if (memSlot[insn.k()] < 0) {
                        memSlot[insn.k()] = nextSlot++;
                    }
                }
                labels[pc] = new Label();
            }
            this.loops = back;
            markReachable();
            analyseBounds();
            findJeqChains();
        }

        private boolean isJeqK(int pc) {
            return program.get(pc).code() == (Bpf.JMP | Bpf.JEQ | Bpf.K);
        }

        /**
         * Finds the chains of {@code jeq #k} instructions linked by their false branches ({@code jeq #k1, T1, F1}
         * where F1 is {@code jeq #k2, T2, F2} and so on), each link reached from nothing but the previous one's
         * false branch: a test of A against a set of constants, which {@code or} expressions produce ("tcp port 1
         * or tcp port 2 or ...": one chain per port field; the EtherType dispatch). Such a chain is emitted as one
         * JVM switch on A, which HotSpot lowers to a few range tests or a binary search (adjacent keys with the same
         * target become one range) instead of one compare-and-branch per constant. Exact: A does not change along
         * the chain, so it goes to the true target of the first link whose constant equals A, else to the last
         * link's false target — what the switch does with the first link's target for each constant. Only for
         * programs without loops (the step counting is per instruction block). Chains shorter than
         * {@link #MIN_SWITCH} stay compare-and-branch.
         */
        private void findJeqChains() {
            if (loops) {
                return;
            }
            int[] preds = new int[n];
            for (int pc = 0; pc < n; pc++) {
                if (!reachable[pc]) {
                    continue;
                }
                BpfInstruction insn = program.get(pc);
                int code = insn.code();
                if (Bpf.cls(code) == Bpf.RET) {
                    continue;
                } else if (code == (Bpf.JMP | Bpf.JA)) {
                    preds[pc + 1 + insn.k()]++;
                } else if (Bpf.isConditionalJump(code)) {
                    preds[pc + 1 + insn.jt()]++;
                    preds[pc + 1 + insn.jf()]++;
                } else {
                    preds[pc + 1]++;
                }
            }
            int[] members = new int[n];
            for (int pc = 0; pc < n; pc++) {
                if (!reachable[pc] || absorbed[pc] || !isJeqK(pc)) {
                    continue;
                }
                int m = 0;
                members[m++] = pc;
                int cur = pc;
                while (true) {
                    BpfInstruction insn = program.get(cur);
                    int next = cur + 1 + insn.jf();
                    if (insn.jt() == insn.jf() || !isJeqK(next) || preds[next] != 1) {
                        break;
                    }
                    members[m++] = next;
                    cur = next;
                }
                if (m >= MIN_SWITCH) {
                    switchChain[pc] = java.util.Arrays.copyOf(members, m);
                    for (int i = 1; i < m; i++) {
                        absorbed[members[i]] = true;
                    }
                }
            }
        }

        /**
         * Forward facts for dropping redundant bounds checks (only for programs without loops, whose
         * instructions are in topological order): the capture length every path here has already proved
         * ({@code knownLen}: a load of bytes [k, k+size) that did not return 0 proves caplen >= k+size), an
         * upper bound of X ({@code maxX}, -1 if unknown) so that an indexed check can use int arithmetic, and
         * whether X is an IPv4 header length from {@code ldxb 4*([k]&0xf)} on every path ({@code xMsh}, for the
         * speculation in {@code loadIndirect}).
         */
        private void analyseBounds() {
            java.util.Arrays.fill(knownLenIn, Integer.MAX_VALUE);
            java.util.Arrays.fill(maxXIn, Long.MIN_VALUE);
            java.util.Arrays.fill(xMshIn, (byte) -1);
            if (loops) {
                java.util.Arrays.fill(xMshIn, (byte) 0);
                java.util.Arrays.fill(knownLenIn, 0);
                java.util.Arrays.fill(maxXIn, -1);
                return;
            }
            knownLenIn[0] = 0;
            maxXIn[0] = 0;
            xMshIn[0] = 0;
            for (int pc = 0; pc < n; pc++) {
                if (!reachable[pc]) {
                    continue;
                }
                BpfInstruction insn = program.get(pc);
                int code = insn.code();
                int k = insn.k();
                int len = knownLenIn[pc];
                long mx = maxXIn[pc];
                byte msh = xMshIn[pc];
                switch (code) {
                    case Bpf.LD | Bpf.W | Bpf.ABS: case Bpf.LD | Bpf.H | Bpf.ABS: case Bpf.LD | Bpf.B | Bpf.ABS: {
                        long end = Integer.toUnsignedLong(k) + BpfInterpreter.sizeOf(code);
                        if (!Bpf.isKnownAncillary(k) && end <= Integer.MAX_VALUE) {
                            len = Math.max(len, (int) end);
                        }
                        break;
                    }
                    case Bpf.LD | Bpf.W | Bpf.IND: case Bpf.LD | Bpf.H | Bpf.IND: case Bpf.LD | Bpf.B | Bpf.IND:
                        break;
                    case Bpf.LDX | Bpf.MSH | Bpf.B:
                        if (k >= 0 && k < Integer.MAX_VALUE) {
                            len = Math.max(len, k + 1);
                        }
                        mx = 60;
                        msh = 1;
                        break;
                    case Bpf.LDX | Bpf.IMM:
                        mx = Integer.toUnsignedLong(k);
                        msh = 0;
                        break;
                    case Bpf.LDX | Bpf.W | Bpf.LEN: case Bpf.LDX | Bpf.MEM: case Bpf.MISC | Bpf.TAX:
                        mx = -1;
                        msh = 0;
                        break;
                    default:
                        break;
                }
                if (Bpf.cls(code) == Bpf.RET) {
                    continue;
                }
                int[] next;
                if (code == (Bpf.JMP | Bpf.JA)) {
                    next = new int[] {pc + 1 + k};
                } else if (Bpf.isConditionalJump(code)) {
                    next = new int[] {pc + 1 + insn.jt(), pc + 1 + insn.jf()};
                } else {
                    next = new int[] {pc + 1};
                }
                for (int t : next) {
                    knownLenIn[t] = Math.min(knownLenIn[t], len);
                    maxXIn[t] = maxXIn[t] == Long.MIN_VALUE ? mx : (maxXIn[t] < 0 || mx < 0 ? -1
                            : Math.max(maxXIn[t], mx));
                    xMshIn[t] = xMshIn[t] < 0 ? msh : (byte) (xMshIn[t] & msh);
                }
            }
        }

        // Depth-first walk from instruction 0; also marks the block leaders: the entry and every jump target.
        // Each instruction is pushed at most once (queued[]), so n slots are enough.
        private void markReachable() {
            boolean[] queued = new boolean[n];
            int[] stack = new int[n];
            int sp = 0;
            stack[sp++] = 0;
            queued[0] = true;
            leader[0] = true;
            while (sp > 0) {
                int pc = stack[--sp];
                reachable[pc] = true;
                BpfInstruction insn = program.get(pc);
                int code = insn.code();
                int[] next;
                if (Bpf.cls(code) == Bpf.RET) {
                    continue;
                } else if (code == (Bpf.JMP | Bpf.JA)) {
                    next = new int[] {pc + 1 + insn.k()};
                } else if (Bpf.isConditionalJump(code)) {
                    next = new int[] {pc + 1 + insn.jt(), pc + 1 + insn.jf()};
                } else {
                    next = new int[] {pc + 1};
                }
                boolean jump = Bpf.cls(code) == Bpf.JMP;
                for (int t : next) {
                    leader[t] |= jump;
                    if (!queued[t]) {
                        queued[t] = true;
                        stack[sp++] = t;
                    }
                }
            }
        }

        byte[] generate() {
            ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
                // Frames only ever merge ints and the parameters' own types, so no class loading is needed
                // (and the default implementation would try to load classes through the wrong loader).
                @Override
                protected String getCommonSuperClass(String type1, String type2) {
                    return "java/lang/Object";
                }
            };
            cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, FILTER_CLASS, null,
                    "java/lang/Object", new String[] {"io/netsieve/core/bpf/BpfFilter"});

            MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
            init.visitCode();
            init.visitVarInsn(Opcodes.ALOAD, 0);
            init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
            init.visitInsn(Opcodes.RETURN);
            init.visitMaxs(0, 0);
            init.visitEnd();

            // A static VarHandle for big-endian int reads from a byte[]: a constant to HotSpot, so a word load in
            // the array variant is one bounds-checked load and a byte swap, cheaper than ByteBuffer.getInt.
            cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_FINAL, "INT", VAR_HANDLE_DESC,
                    null, null).visitEnd();
            MethodVisitor clinit = cw.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
            clinit.visitCode();
            clinit.visitLdcInsn(org.objectweb.asm.Type.getType("[I"));
            clinit.visitFieldInsn(Opcodes.GETSTATIC, "java/nio/ByteOrder", "BIG_ENDIAN", "Ljava/nio/ByteOrder;");
            clinit.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/invoke/MethodHandles", "byteArrayViewVarHandle",
                    "(Ljava/lang/Class;Ljava/nio/ByteOrder;)" + VAR_HANDLE_DESC, false);
            clinit.visitFieldInsn(Opcodes.PUTSTATIC, FILTER_CLASS, "INT", VAR_HANDLE_DESC);
            clinit.visitInsn(Opcodes.RETURN);
            clinit.visitMaxs(0, 0);
            clinit.visitEnd();
            emitReaders(cw);

            // apply(ByteBuffer…) hands heap buffers to the byte[] variant (the public apply(byte[]…), which
            // overrides BpfFilter's default) and the others to the ByteBuffer one.
            MethodVisitor apply = cw.visitMethod(Opcodes.ACC_PUBLIC, "apply", APPLY_DESC, null, null);
            apply.visitCode();
            Label direct = new Label();
            apply.visitVarInsn(Opcodes.ALOAD, L_BUF);
            apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BYTE_BUFFER, "hasArray", "()Z", false);
            apply.visitJumpInsn(Opcodes.IFEQ, direct);
            apply.visitVarInsn(Opcodes.ALOAD, 0);
            apply.visitVarInsn(Opcodes.ALOAD, L_BUF);
            apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BYTE_BUFFER, "array", "()[B", false);
            apply.visitVarInsn(Opcodes.ALOAD, L_BUF);
            apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BYTE_BUFFER, "arrayOffset", "()I", false);
            apply.visitVarInsn(Opcodes.ILOAD, L_OFFSET);
            apply.visitInsn(Opcodes.IADD);
            apply.visitVarInsn(Opcodes.ILOAD, L_CAPLEN);
            apply.visitVarInsn(Opcodes.ILOAD, L_WIRELEN);
            apply.visitVarInsn(Opcodes.ALOAD, L_AUX);
            apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, FILTER_CLASS, "apply", ARRAY_DESC, false);
            apply.visitInsn(Opcodes.IRETURN);
            apply.visitLabel(direct);
            apply.visitVarInsn(Opcodes.ALOAD, 0);
            apply.visitVarInsn(Opcodes.ALOAD, L_BUF);
            apply.visitVarInsn(Opcodes.ILOAD, L_OFFSET);
            apply.visitVarInsn(Opcodes.ILOAD, L_CAPLEN);
            apply.visitVarInsn(Opcodes.ILOAD, L_WIRELEN);
            apply.visitVarInsn(Opcodes.ALOAD, L_AUX);
            apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, FILTER_CLASS, "applyBuffer", APPLY_DESC, false);
            apply.visitInsn(Opcodes.IRETURN);
            apply.visitMaxs(0, 0);
            apply.visitEnd();

            if (!emitBody(cw, "applyBuffer", APPLY_DESC, false) || !emitBody(cw, "apply", ARRAY_DESC, true)) {
                return null;
            }
            cw.visitEnd();
            return cw.toByteArray();
        }

        /**
         * The byte[] readers, big-endian and zero-extended: {@code u8(b, i) = b[i] & 0xff},
         * {@code u16(b, i) = u8(b, i) << 8 | u8(b, i + 1)} and {@code u32} through the INT VarHandle. Tiny static
         * methods that HotSpot always inlines; a call is 3 bytes of bytecode in the filter body, which keeps
         * common filters under the 325 bytes up to which HotSpot inlines a hot method into its caller. u16 reads
         * two bytes rather than a short through a VarHandle because C2 merges the array range checks of byte
         * loads at constant distances from the same index ("range check smearing": one or two checks instead of
         * one per load), which it cannot do across the VarHandle's checks against {@code length - 1}.
         */
        private void emitReaders(ClassWriter cw) {
            MethodVisitor m = beginReader(cw, "u8", false);
            m.visitInsn(Opcodes.BALOAD);
            m.visitIntInsn(Opcodes.SIPUSH, 0xff);
            m.visitInsn(Opcodes.IAND);
            endReader(m);
            m = beginReader(cw, "u16", false);
            m.visitMethodInsn(Opcodes.INVOKESTATIC, FILTER_CLASS, "u8", READER_DESC, false);
            m.visitIntInsn(Opcodes.BIPUSH, 8);
            m.visitInsn(Opcodes.ISHL);
            m.visitVarInsn(Opcodes.ALOAD, 0);
            m.visitVarInsn(Opcodes.ILOAD, 1);
            m.visitInsn(Opcodes.ICONST_1);
            m.visitInsn(Opcodes.IADD);
            m.visitMethodInsn(Opcodes.INVOKESTATIC, FILTER_CLASS, "u8", READER_DESC, false);
            m.visitInsn(Opcodes.IOR);
            endReader(m);
            m = beginReader(cw, "u32", true);
            m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VAR_HANDLE, "get", READER_DESC, false);
            endReader(m);
        }

        /** A reader's start: the method, then (after the INT VarHandle if {@code viaHandle}) the array and index. */
        private static MethodVisitor beginReader(ClassWriter cw, String name, boolean viaHandle) {
            MethodVisitor m = cw.visitMethod(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC, name, READER_DESC, null, null);
            m.visitCode();
            if (viaHandle) {
                m.visitFieldInsn(Opcodes.GETSTATIC, FILTER_CLASS, "INT", VAR_HANDLE_DESC);
            }
            m.visitVarInsn(Opcodes.ALOAD, 0);
            m.visitVarInsn(Opcodes.ILOAD, 1);
            return m;
        }

        private static void endReader(MethodVisitor m) {
            m.visitInsn(Opcodes.IRETURN);
            m.visitMaxs(0, 0);
            m.visitEnd();
        }

        /** One variant of the filter body; false if it is too large for HotSpot to compile. */
        private boolean emitBody(ClassWriter cw, String name, String desc, boolean array) {
            this.arrayMode = array;
            for (int pc = 0; pc < n; pc++) {
                labels[pc] = new Label();
            }
            returnZero = new Label();
            returnZeroUsed = false;
            mv = cw.visitMethod(array ? Opcodes.ACC_PUBLIC : Opcodes.ACC_PRIVATE, name, desc, null, null);
            mv.visitCode();
            // A = X = 0, scratch zeroed: the interpreter's initial state (and the verifier needs every local
            // defined on every path).
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, L_A);
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, L_X);
            if (loops) {
                mv.visitInsn(Opcodes.ICONST_0);
                mv.visitVarInsn(Opcodes.ISTORE, L_STEPS);
            }
            for (int slot : memSlot) {
                if (slot >= 0) {
                    mv.visitInsn(Opcodes.ICONST_0);
                    mv.visitVarInsn(Opcodes.ISTORE, slot);
                }
            }
            for (int pc = 0; pc < n; pc++) {
                if (!reachable[pc] || absorbed[pc]) {
                    continue;
                }
                mv.visitLabel(labels[pc]);
                if (loops && leader[pc]) {
                    countBlock(pc);
                }
                currentPc = pc;
                if (switchChain[pc] != null) {
                    jeqSwitch(switchChain[pc]);
                } else {
                    emit(pc, program.get(pc));
                }
            }
            if (returnZeroUsed) {
                mv.visitLabel(returnZero);
                mv.visitInsn(Opcodes.ICONST_0);
                mv.visitInsn(Opcodes.IRETURN);
            }
            Label end = new Label();
            mv.visitLabel(end);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
            // The label's offset is the length of the code so far: the whole method.
            return end.getOffset() <= MAX_METHOD_BYTES;
        }

        /**
         * At a block start: add the block's length to the step counter and return 0 if it exceeds the budget.
         * Exact: within a block every early exit returns 0 and the last instruction is the only one that can
         * return anything else (or jump), so "the budget runs out somewhere in this block" and "the interpreter
         * returns 0 from this block" coincide.
         */
        private void countBlock(int pc) {
            int len = 1;
            for (int i = pc; i < n - 1; i++) {
                int code = program.get(i).code();
                if (Bpf.cls(code) == Bpf.RET || Bpf.cls(code) == Bpf.JMP || leader[i + 1]) {
                    break;
                }
                len++;
            }
            mv.visitIincInsn(L_STEPS, len);
            mv.visitVarInsn(Opcodes.ILOAD, L_STEPS);
            pushInt(BpfInterpreter.MAX_STEPS);
            mv.visitJumpInsn(Opcodes.IF_ICMPGT, returnZero());
        }

        private Label returnZero() {
            returnZeroUsed = true;
            return returnZero;
        }

        private void emit(int pc, BpfInstruction insn) {
            int code = insn.code();
            int k = insn.k();
            switch (code) {
                case Bpf.RET | Bpf.K:
                    pushInt(k);
                    mv.visitInsn(Opcodes.IRETURN);
                    break;
                case Bpf.RET | Bpf.A:
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    mv.visitInsn(Opcodes.IRETURN);
                    break;
                case Bpf.RET | Bpf.X:
                    mv.visitVarInsn(Opcodes.ILOAD, L_X);
                    mv.visitInsn(Opcodes.IRETURN);
                    break;
                case Bpf.LD | Bpf.W | Bpf.ABS:
                case Bpf.LD | Bpf.H | Bpf.ABS:
                case Bpf.LD | Bpf.B | Bpf.ABS:
                    if (Bpf.isKnownAncillary(k)) {
                        ancillary(k);
                    } else {
                        loadAbsolute(k, BpfInterpreter.sizeOf(code));
                    }
                    break;
                case Bpf.LD | Bpf.W | Bpf.IND:
                case Bpf.LD | Bpf.H | Bpf.IND:
                case Bpf.LD | Bpf.B | Bpf.IND:
                    loadIndirect(k, BpfInterpreter.sizeOf(code));
                    break;
                case Bpf.LD | Bpf.W | Bpf.LEN:
                    mv.visitVarInsn(Opcodes.ILOAD, L_WIRELEN);
                    mv.visitVarInsn(Opcodes.ISTORE, L_A);
                    break;
                case Bpf.LDX | Bpf.W | Bpf.LEN:
                    mv.visitVarInsn(Opcodes.ILOAD, L_WIRELEN);
                    mv.visitVarInsn(Opcodes.ISTORE, L_X);
                    break;
                case Bpf.LDX | Bpf.MSH | Bpf.B:
                    loadMsh(k);
                    break;
                case Bpf.LD | Bpf.IMM:
                    pushInt(k);
                    mv.visitVarInsn(Opcodes.ISTORE, L_A);
                    break;
                case Bpf.LDX | Bpf.IMM:
                    pushInt(k);
                    mv.visitVarInsn(Opcodes.ISTORE, L_X);
                    break;
                case Bpf.LD | Bpf.MEM:
                    mv.visitVarInsn(Opcodes.ILOAD, memSlot[k]);
                    mv.visitVarInsn(Opcodes.ISTORE, L_A);
                    break;
                case Bpf.LDX | Bpf.MEM:
                    mv.visitVarInsn(Opcodes.ILOAD, memSlot[k]);
                    mv.visitVarInsn(Opcodes.ISTORE, L_X);
                    break;
                case Bpf.ST:
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    mv.visitVarInsn(Opcodes.ISTORE, memSlot[k]);
                    break;
                case Bpf.STX:
                    mv.visitVarInsn(Opcodes.ILOAD, L_X);
                    mv.visitVarInsn(Opcodes.ISTORE, memSlot[k]);
                    break;
                case Bpf.MISC | Bpf.TAX:
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    mv.visitVarInsn(Opcodes.ISTORE, L_X);
                    break;
                case Bpf.MISC | Bpf.TXA:
                    mv.visitVarInsn(Opcodes.ILOAD, L_X);
                    mv.visitVarInsn(Opcodes.ISTORE, L_A);
                    break;
                case Bpf.JMP | Bpf.JA:
                    jumpTo(pc, pc + 1 + k);
                    break;
                default:
                    if (Bpf.cls(code) == Bpf.ALU) {
                        alu(code, k);
                    } else if (Bpf.isConditionalJump(code)) {
                        conditionalJump(pc, insn);
                    } else {
                        // The validator rejects every other opcode.
                        throw new IllegalStateException("unvalidated opcode 0x" + Integer.toHexString(code));
                    }
            }
        }

        /** An unconditional jump; nothing when the target is the next emitted instruction. */
        private void jumpTo(int pc, int target) {
            if (!isNextEmitted(pc, target)) {
                mv.visitJumpInsn(Opcodes.GOTO, labels[target]);
            }
        }

        // Code is emitted in program order, skipping unreachable instructions; a reachable pc + 1 comes next.
        private boolean isNextEmitted(int pc, int target) {
            return target == pc + 1;
        }

        private void ancillary(int k) {
            // Without aux data the filter returns 0, as libpcap does; the size (w/h/b) does not matter.
            mv.visitVarInsn(Opcodes.ALOAD, L_AUX);
            mv.visitJumpInsn(Opcodes.IFNULL, returnZero());
            mv.visitVarInsn(Opcodes.ALOAD, L_AUX);
            pushInt(k - Bpf.SKF_AD_OFF);
            mv.visitVarInsn(Opcodes.ILOAD, L_A);
            mv.visitVarInsn(Opcodes.ILOAD, L_X);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "io/netsieve/core/bpf/BpfAuxData", "loadAncillary",
                    "(Lio/netsieve/core/bpf/BpfAuxData;III)I", false);
            mv.visitVarInsn(Opcodes.ISTORE, L_A);
        }

        private void loadAbsolute(int k, int size) {
            long end = Integer.toUnsignedLong(k) + size;
            if (end > Integer.MAX_VALUE) {
                // captureLength is an int, so the load is always out of bounds (also for "negative" k that is
                // not a known ancillary offset, which the interpreter treats as a huge unsigned offset).
                mv.visitJumpInsn(Opcodes.GOTO, returnZero());
                return;
            }
            checkAbsolute(end);
            read(false, k, size);
        }

        /**
         * {@code if (captureLength < end) return 0;} for an {@code end} of at most Integer.MAX_VALUE, so an int
         * compare is exact (and a negative captureLength fails it too, as the interpreter's long compare does).
         * Left out when every path here already loaded at least that far.
         */
        private void checkAbsolute(long end) {
            if (end > knownLenIn[currentPc]) {
                mv.visitVarInsn(Opcodes.ILOAD, L_CAPLEN);
                pushInt((int) end);
                mv.visitJumpInsn(Opcodes.IF_ICMPLT, returnZero());
            }
        }

        /**
         * {@code ld [x + k]}. When X is an IPv4 header length ({@code ldxb 4*([k']&0xf)} on every path here), the
         * byte[] variant speculates on its usual value: {@code if (X == 20) A = P[20 + k] else A = P[X + k]},
         * each branch with the bounds test for its own offset, so both return what the one load returns. What the
         * split buys is that the first read's address does not depend on the value of X: a processor that
         * predicts the (nearly always taken) {@code X == 20} branch starts that read without waiting for the read
         * of the header length, instead of one memory access after the other. (Measured 2026-11-27:
         * {@code tcp port 80} 6.3 → 4.3 ns per packet on the benchmark capture; see docs/benchmarks.md.)
         */
        private void loadIndirect(int k, int size) {
            long reach = Integer.toUnsignedLong(k) + size;
            Label done = null;
            if (arrayMode && xMshIn[currentPc] == 1 && IPV4_HEADER + reach <= Integer.MAX_VALUE) {
                Label general = new Label();
                done = new Label();
                mv.visitVarInsn(Opcodes.ILOAD, L_X);
                pushInt(IPV4_HEADER);
                mv.visitJumpInsn(Opcodes.IF_ICMPNE, general);
                checkAbsolute(IPV4_HEADER + reach);
                // offset + (20 + k) in int arithmetic: the same index as offset + X + k with X = 20
                read(false, IPV4_HEADER + k, size);
                mv.visitJumpInsn(Opcodes.GOTO, done);
                mv.visitLabel(general);
            }
            // if ((X & 0xffffffffL) + (k & 0xffffffffL) + size > captureLength) return 0;  in long arithmetic,
            // as the interpreter does: X + k can exceed 2^32. When X has a small known bound (a header length from
            // ldxb) the sum fits an int and the check is done in int arithmetic.
            long maxX = maxXIn[currentPc];
            if (maxX >= 0 && maxX + reach <= Integer.MAX_VALUE) {
                if (maxX + reach > knownLenIn[currentPc]) {
                    mv.visitVarInsn(Opcodes.ILOAD, L_X);
                    pushInt((int) reach);
                    mv.visitInsn(Opcodes.IADD);
                    mv.visitVarInsn(Opcodes.ILOAD, L_CAPLEN);
                    mv.visitJumpInsn(Opcodes.IF_ICMPGT, returnZero());
                }
            } else {
                mv.visitVarInsn(Opcodes.ILOAD, L_X);
                mv.visitInsn(Opcodes.I2L);
                mv.visitLdcInsn(0xffffffffL);
                mv.visitInsn(Opcodes.LAND);
                mv.visitLdcInsn(reach);
                mv.visitInsn(Opcodes.LADD);
                mv.visitVarInsn(Opcodes.ILOAD, L_CAPLEN);
                mv.visitInsn(Opcodes.I2L);
                mv.visitInsn(Opcodes.LCMP);
                mv.visitJumpInsn(Opcodes.IFGT, returnZero());
            }
            // index = offset + X + k in int arithmetic: the same value as the interpreter's base + (int) off.
            read(true, k, size);
            if (done != null) {
                mv.visitLabel(done);
            }
        }

        /** The X value {@code loadIndirect} speculates on: an IPv4 header without options. */
        private static final int IPV4_HEADER = 20;

        /**
         * The read of a load whose bounds test has passed: bytes [k, k + size) of the frame, or [X + k, …) when
         * {@code indirect}, big-endian and zero-extended, into A.
         */
        private void read(boolean indirect, int k, int size) {
            mv.visitVarInsn(Opcodes.ALOAD, L_BUF);
            mv.visitVarInsn(Opcodes.ILOAD, L_OFFSET);
            if (indirect) {
                mv.visitVarInsn(Opcodes.ILOAD, L_X);
                mv.visitInsn(Opcodes.IADD);
            }
            if (k != 0) {
                pushInt(k);
                mv.visitInsn(Opcodes.IADD);
            }
            readAndStore(size, L_A);
        }

        private void loadMsh(int k) {
            // X = 4 * (P[k] & 0xf), returning 0 if k >= captureLength (unsigned k).
            if (k < 0) {
                mv.visitJumpInsn(Opcodes.GOTO, returnZero()); // unsigned k >= 2^31 > any captureLength
                return;
            }
            if ((long) k + 1 > knownLenIn[currentPc]) {
                mv.visitVarInsn(Opcodes.ILOAD, L_CAPLEN);
                pushInt(k);
                mv.visitJumpInsn(Opcodes.IF_ICMPLE, returnZero());
            }
            mv.visitVarInsn(Opcodes.ALOAD, L_BUF);
            mv.visitVarInsn(Opcodes.ILOAD, L_OFFSET);
            if (k != 0) {
                pushInt(k);
                mv.visitInsn(Opcodes.IADD);
            }
            readByte();
            pushInt(0xf);
            mv.visitInsn(Opcodes.IAND);
            mv.visitInsn(Opcodes.ICONST_2);
            mv.visitInsn(Opcodes.ISHL);
            mv.visitVarInsn(Opcodes.ISTORE, L_X);
        }

        private void readByte() {
            if (arrayMode) {
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, FILTER_CLASS, "u8", READER_DESC, false);
            } else {
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BYTE_BUFFER, "get", "(I)B", false);
                pushInt(0xff);
                mv.visitInsn(Opcodes.IAND);
            }
        }

        /** With the buffer and the absolute index on the stack: reads big-endian, zero-extends, stores. */
        private void readAndStore(int size, int slot) {
            switch (size) {
                case 4:
                    if (arrayMode) {
                        mv.visitMethodInsn(Opcodes.INVOKESTATIC, FILTER_CLASS, "u32", READER_DESC, false);
                    } else {
                        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BYTE_BUFFER, "getInt", "(I)I", false);
                    }
                    break;
                case 2:
                    if (arrayMode) {
                        mv.visitMethodInsn(Opcodes.INVOKESTATIC, FILTER_CLASS, "u16", READER_DESC, false);
                    } else {
                        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BYTE_BUFFER, "getShort", "(I)S", false);
                        mv.visitInsn(Opcodes.I2C); // & 0xffff
                    }
                    break;
                default:
                    readByte();
                    break;
            }
            mv.visitVarInsn(Opcodes.ISTORE, slot);
        }

        private void alu(int code, int k) {
            boolean useX = Bpf.src(code) == Bpf.X;
            int op = Bpf.op(code);
            switch (op) {
                case Bpf.NEG:
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    mv.visitInsn(Opcodes.INEG);
                    mv.visitVarInsn(Opcodes.ISTORE, L_A);
                    return;
                case Bpf.DIV:
                case Bpf.MOD:
                    divide(op == Bpf.DIV, useX, k);
                    return;
                case Bpf.LSH:
                case Bpf.RSH:
                    shift(op == Bpf.LSH ? Opcodes.ISHL : Opcodes.IUSHR, useX, k);
                    return;
                default:
                    break;
            }
            int jvmOp;
            switch (op) {
                case Bpf.ADD: jvmOp = Opcodes.IADD; break;
                case Bpf.SUB: jvmOp = Opcodes.ISUB; break;
                case Bpf.MUL: jvmOp = Opcodes.IMUL; break;
                case Bpf.AND: jvmOp = Opcodes.IAND; break;
                case Bpf.OR: jvmOp = Opcodes.IOR; break;
                case Bpf.XOR: jvmOp = Opcodes.IXOR; break;
                default: throw new IllegalStateException("unvalidated opcode 0x" + Integer.toHexString(code));
            }
            // 32-bit two's complement int arithmetic is exactly BPF's unsigned 32-bit arithmetic for these.
            mv.visitVarInsn(Opcodes.ILOAD, L_A);
            operand(useX, k);
            mv.visitInsn(jvmOp);
            mv.visitVarInsn(Opcodes.ISTORE, L_A);
        }

        private void divide(boolean quotient, boolean useX, int k) {
            if (useX) {
                // Division by X = 0 ends the filter with 0 (libpcap), it does not throw.
                mv.visitVarInsn(Opcodes.ILOAD, L_X);
                mv.visitJumpInsn(Opcodes.IFEQ, returnZero());
            } else if (Integer.bitCount(k) == 1) {
                // Unsigned division by a power of two is a shift, the remainder a mask (k != 0: validated).
                mv.visitVarInsn(Opcodes.ILOAD, L_A);
                if (quotient) {
                    pushInt(Integer.numberOfTrailingZeros(k));
                    mv.visitInsn(Opcodes.IUSHR);
                } else {
                    pushInt(k - 1);
                    mv.visitInsn(Opcodes.IAND);
                }
                mv.visitVarInsn(Opcodes.ISTORE, L_A);
                return;
            }
            mv.visitVarInsn(Opcodes.ILOAD, L_A);
            operand(useX, k);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer",
                    quotient ? "divideUnsigned" : "remainderUnsigned", "(II)I", false);
            mv.visitVarInsn(Opcodes.ISTORE, L_A);
        }

        private void shift(int jvmOp, boolean useX, int k) {
            if (!useX) {
                // Constant shift: k (unsigned) >= 32 gives 0 (the JVM would use k & 31).
                if (Integer.compareUnsigned(k, 32) >= 0) {
                    mv.visitInsn(Opcodes.ICONST_0);
                } else {
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    pushInt(k);
                    mv.visitInsn(jvmOp);
                }
                mv.visitVarInsn(Opcodes.ISTORE, L_A);
                return;
            }
            // A = (X >>> 5) == 0 ? A op X : 0  -- "X unsigned < 32" without a compareUnsigned call.
            Label zero = new Label();
            Label done = new Label();
            mv.visitVarInsn(Opcodes.ILOAD, L_X);
            mv.visitInsn(Opcodes.ICONST_5);
            mv.visitInsn(Opcodes.IUSHR);
            mv.visitJumpInsn(Opcodes.IFNE, zero);
            mv.visitVarInsn(Opcodes.ILOAD, L_A);
            mv.visitVarInsn(Opcodes.ILOAD, L_X);
            mv.visitInsn(jvmOp);
            mv.visitVarInsn(Opcodes.ISTORE, L_A);
            mv.visitJumpInsn(Opcodes.GOTO, done);
            mv.visitLabel(zero);
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, L_A);
            mv.visitLabel(done);
        }

        private void operand(boolean useX, int k) {
            if (useX) {
                mv.visitVarInsn(Opcodes.ILOAD, L_X);
            } else {
                pushInt(k);
            }
        }

        private void conditionalJump(int pc, BpfInstruction insn) {
            int code = insn.code();
            int k = insn.k();
            boolean useX = Bpf.src(code) == Bpf.X;
            int whenTrue = pc + 1 + insn.jt();
            int whenFalse = pc + 1 + insn.jf();
            if (whenTrue == whenFalse) {
                // Both ways lead to the same place: the comparison has no effect (and no side effect).
                jumpTo(pc, whenTrue);
                return;
            }
            // Push the operands and pick the JVM branch that is taken when the BPF condition is true.
            int branch;
            switch (Bpf.op(code)) {
                case Bpf.JEQ:
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    if (!useX && k == 0) {
                        branch = Opcodes.IFEQ;
                    } else {
                        operand(useX, k);
                        branch = Opcodes.IF_ICMPEQ;
                    }
                    break;
                case Bpf.JSET:
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    operand(useX, k);
                    mv.visitInsn(Opcodes.IAND);
                    branch = Opcodes.IFNE;
                    break;
                case Bpf.JGT:
                case Bpf.JGE:
                    // Unsigned compare: flipping the sign bit of both sides maps unsigned order onto signed
                    // order (what Integer.compareUnsigned does), so a signed JVM compare decides it.
                    mv.visitVarInsn(Opcodes.ILOAD, L_A);
                    pushInt(Integer.MIN_VALUE);
                    mv.visitInsn(Opcodes.IXOR);
                    if (useX) {
                        mv.visitVarInsn(Opcodes.ILOAD, L_X);
                        pushInt(Integer.MIN_VALUE);
                        mv.visitInsn(Opcodes.IXOR);
                    } else {
                        pushInt(k ^ Integer.MIN_VALUE);
                    }
                    branch = Bpf.op(code) == Bpf.JGT ? Opcodes.IF_ICMPGT : Opcodes.IF_ICMPGE;
                    break;
                default:
                    throw new IllegalStateException("unvalidated opcode 0x" + Integer.toHexString(code));
            }
            if (isNextEmitted(pc, whenFalse)) {
                mv.visitJumpInsn(branch, labels[whenTrue]);
            } else if (isNextEmitted(pc, whenTrue)) {
                mv.visitJumpInsn(negate(branch), labels[whenFalse]);
            } else {
                mv.visitJumpInsn(branch, labels[whenTrue]);
                mv.visitJumpInsn(Opcodes.GOTO, labels[whenFalse]);
            }
        }

        /** A jeq chain (see {@code findJeqChains}) as one tableswitch or lookupswitch on A. */
        private void jeqSwitch(int[] chain) {
            java.util.TreeMap<Integer, Integer> targets = new java.util.TreeMap<>(); // key -> pc, signed order
            for (int pc : chain) {
                BpfInstruction insn = program.get(pc);
                targets.putIfAbsent(insn.k(), pc + 1 + insn.jt()); // the first link with the constant decides
            }
            int last = chain[chain.length - 1];
            Label dflt = labels[last + 1 + program.get(last).jf()];
            int[] keys = new int[targets.size()];
            Label[] to = new Label[keys.length];
            int i = 0;
            for (java.util.Map.Entry<Integer, Integer> e : targets.entrySet()) {
                keys[i] = e.getKey();
                to[i] = labels[e.getValue()];
                i++;
            }
            mv.visitVarInsn(Opcodes.ILOAD, L_A);
            long min = keys[0];
            long max = keys[keys.length - 1];
            if (max - min + 1 <= 2L * keys.length + 8) {
                // Dense: a table over [min, max], the holes going to the default.
                Label[] table = new Label[(int) (max - min + 1)];
                java.util.Arrays.fill(table, dflt);
                for (int j = 0; j < keys.length; j++) {
                    table[(int) (keys[j] - min)] = to[j];
                }
                mv.visitTableSwitchInsn((int) min, (int) max, dflt, table);
            } else {
                mv.visitLookupSwitchInsn(dflt, keys, to);
            }
        }

        private static int negate(int branch) {
            switch (branch) {
                case Opcodes.IFEQ: return Opcodes.IFNE;
                case Opcodes.IFNE: return Opcodes.IFEQ;
                case Opcodes.IF_ICMPEQ: return Opcodes.IF_ICMPNE;
                case Opcodes.IF_ICMPGT: return Opcodes.IF_ICMPLE;
                case Opcodes.IF_ICMPGE: return Opcodes.IF_ICMPLT;
                default: throw new IllegalArgumentException("branch " + branch);
            }
        }

        /** The shortest instruction that pushes {@code v}. */
        private void pushInt(int v) {
            if (v >= -1 && v <= 5) {
                mv.visitInsn(Opcodes.ICONST_0 + v);
            } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
                mv.visitIntInsn(Opcodes.BIPUSH, v);
            } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
                mv.visitIntInsn(Opcodes.SIPUSH, v);
            } else {
                mv.visitLdcInsn(v);
            }
        }
    }
}
