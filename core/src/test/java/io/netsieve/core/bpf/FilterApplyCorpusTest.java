package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.PacketView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * libpcap's filter-apply table: each expression compiled for its capture's link type and run on every packet
 * must return exactly the expected value, optimised and unoptimised, through the interpreter and the JIT.
 */
class FilterApplyCorpusTest {

    @Test
    void everySupportedRunReturnsTheExpectedValues() throws Exception {
        HostResolver resolver = LibpcapCorpus.fixtureResolver();
        List<String> lines = Files.readAllLines(LibpcapCorpus.dir().resolve("filter-apply.tsv"));
        int rows = 0;
        int supportedRuns = 0;
        int passedRuns = 0;
        int unsupportedLinkType = 0;
        List<String> failures = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            rows++;
            String name = f[0];
            Path file = LibpcapCorpus.dir().resolve("filter").resolve(f[1]);
            String netmask = f[2];
            String skipIf = f[3];
            String expr = f[4];
            String[] expected = f[5].split(",");
            if (LibpcapCorpus.skip(skipIf.isEmpty() ? null : skipIf)) {
                continue;
            }
            List<byte[]> frames = new ArrayList<>();
            List<Integer> wire = new ArrayList<>();
            int linkType;
            int snaplen;
            try (CaptureFileReader r = CaptureFiles.open(file)) {
                PacketView v = new PacketView();
                while (r.next(v)) {
                    frames.add(v.copyBytes());
                    wire.add(v.wireLength());
                }
                linkType = r.linkType();
                snaplen = r.interfaces().get(0).snapLength();
            }
            if (LibpcapCorpus.linkType(io.netsieve.core.packet.LinkType.name(linkType)) < 0) {
                unsupportedLinkType += 2;
                continue;
            }
            for (boolean optimize : new boolean[] {true, false}) {
                supportedRuns++;
                FilterCompiler.Builder b = FilterCompiler.builder().linkType(linkType).snaplen(snaplen)
                        .optimize(optimize).resolver(resolver).savefile(false);
                if (!netmask.isEmpty()) {
                    b.netmask(LibpcapCorpus.netmask(netmask));
                }
                BpfProgram program;
                try {
                    program = b.build().compile(expr);
                } catch (FilterCompileException e) {
                    failures.add(name + (optimize ? " (opt)" : " (unopt)") + ": " + expr + ": " + e.reason());
                    continue;
                }
                BpfFilter interp = BpfInterpreter.of(program);
                BpfFilter jit = BpfJit.compile(program);
                StringBuilder got = new StringBuilder();
                boolean jitAgrees = true;
                for (int i = 0; i < frames.size(); i++) {
                    int r = interp.apply(java.nio.ByteBuffer.wrap(frames.get(i)), 0, frames.get(i).length,
                            wire.get(i), null);
                    int rj = jit.apply(java.nio.ByteBuffer.wrap(frames.get(i)), 0, frames.get(i).length,
                            wire.get(i), null);
                    jitAgrees &= r == rj;
                    got.append(i == 0 ? "" : ",").append(Integer.toUnsignedString(r));
                }
                if (got.toString().equals(String.join(",", expected)) && jitAgrees) {
                    passedRuns++;
                } else {
                    failures.add(name + (optimize ? " (opt)" : " (unopt)") + ": " + expr + ": expected "
                            + String.join(",", expected) + " got " + got + (jitAgrees ? "" : " (JIT disagrees)"));
                }
            }
        }
        System.out.printf("filter-apply: %d rows; %d runs on supported link types, %d pass; %d runs on link types "
                + "the compiler does not support%n", rows, supportedRuns, passedRuns, unsupportedLinkType);
        failures.forEach(System.out::println);
        assertTrue(supportedRuns > 0, "no filter-apply run on a supported link type");
        assertEquals(List.of(), failures);
    }
}
