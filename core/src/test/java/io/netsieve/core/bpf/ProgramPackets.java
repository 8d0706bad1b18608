package io.netsieve.core.bpf;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.PacketView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Packets that exercise a BPF program: real frames from the corpus captures, random bytes, and copies of both
 * patched so that the comparisons the programs make (a load at an offset compared with a constant) come out true,
 * and then truncated at random lengths. Used to check two programs for equivalence.
 */
final class ProgramPackets {
    private final List<byte[]> pool = new ArrayList<>();
    private final Random random;

    ProgramPackets(Path captureDir, long seed, int perFile) throws Exception {
        random = new Random(seed);
        if (captureDir != null && Files.isDirectory(captureDir)) {
            try (Stream<Path> files = Files.list(captureDir)) {
                for (Path f : files.sorted().toList()) {
                    try (CaptureFileReader r = CaptureFiles.open(f)) {
                        PacketView v = new PacketView();
                        int n = 0;
                        while (n++ < perFile && r.next(v)) {
                            pool.add(v.copyBytes());
                        }
                    } catch (Exception e) {
                        // savefiles the reader refuses are not needed here
                    }
                }
            }
        }
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[random.nextInt(129)];
            random.nextBytes(b);
            pool.add(b);
        }
    }

    int poolSize() {
        return pool.size();
    }

    /** A constraint: the bytes at offset should hold value (under mask) for some test of the program to pass. */
    private record Constraint(int offset, int size, int value, int mask) {
    }

    private static List<Constraint> constraints(BpfProgram... programs) {
        List<Constraint> out = new ArrayList<>();
        for (BpfProgram p : programs) {
            for (int i = 0; i + 1 < p.length(); i++) {
                BpfInstruction ld = p.get(i);
                if (Bpf.cls(ld.code()) != Bpf.LD || Bpf.mode(ld.code()) != Bpf.ABS || ld.k() < 0) {
                    continue;
                }
                int size = BpfInterpreter.sizeOf(ld.code());
                int mask = -1;
                int j = i + 1;
                if (p.get(j).code() == (Bpf.ALU | Bpf.AND | Bpf.K) && j + 1 < p.length()) {
                    mask = p.get(j).k();
                    j++;
                }
                BpfInstruction t = p.get(j);
                if (Bpf.isConditionalJump(t.code()) && Bpf.src(t.code()) == Bpf.K) {
                    int v = t.k();
                    if (Bpf.op(t.code()) == Bpf.JSET) {
                        v = t.k();
                        mask = t.k();
                    } else if (Bpf.op(t.code()) == Bpf.JGT) {
                        v = t.k() + 1;
                    }
                    out.add(new Constraint(ld.k(), size, v, mask));
                }
            }
        }
        return out;
    }

    /** {@code count} packets for these programs. */
    List<byte[]> packetsFor(int count, BpfProgram... programs) {
        List<Constraint> cs = constraints(programs);
        List<byte[]> out = new ArrayList<>(count + pool.size());
        for (int n = 0; n < count; n++) {
            byte[] base = pool.get(random.nextInt(pool.size()));
            int maxOff = 0;
            for (Constraint c : cs) {
                maxOff = Math.max(maxOff, c.offset() + c.size());
            }
            byte[] b = java.util.Arrays.copyOf(base, Math.max(base.length, Math.min(maxOff, 256)));
            double p = random.nextDouble();
            for (Constraint c : cs) {
                if (random.nextDouble() < p && c.offset() + c.size() <= b.length) {
                    for (int i = 0; i < c.size(); i++) {
                        int shift = 8 * (c.size() - 1 - i);
                        byte mask = (byte) (c.mask() >>> shift);
                        byte val = (byte) (c.value() >>> shift);
                        b[c.offset() + i] = (byte) ((b[c.offset() + i] & ~mask) | (val & mask));
                    }
                }
            }
            if (random.nextInt(10) == 0 && b.length > 0) {
                b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
            }
            out.add(b);
        }
        out.addAll(pool);
        return out;
    }
}
