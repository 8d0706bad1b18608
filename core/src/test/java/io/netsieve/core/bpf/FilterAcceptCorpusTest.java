package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * libpcap's compiler expectations (filter-accept.txt): for every block on a link type we support, the unoptimised
 * program must be libpcap's, instruction for instruction.
 */
class FilterAcceptCorpusTest {

    @Test
    void unoptimizedProgramsAreLibpcaps() throws Exception {
        HostResolver resolver = LibpcapCorpus.fixtureResolver();
        int blocks = 0;
        int exprs = 0;
        int identical = 0;
        List<String> failures = new ArrayList<>();
        for (LibpcapCorpus.AcceptBlock b : LibpcapCorpus.acceptBlocks()) {
            if (b.dlt() == null || LibpcapCorpus.linkType(b.dlt()) < 0 || LibpcapCorpus.skip(b.skipIf())) {
                continue;
            }
            String expected = b.expected().containsKey("unopt") ? b.expected().get("unopt")
                    : b.expected().get("optunopt");
            if (expected == null || b.expressions().contains("_enumerate_bpf_image")) {
                continue;
            }
            blocks++;
            FilterCompiler c = LibpcapCorpus.compiler(b, false, resolver);
            for (String e : b.expressions()) {
                exprs++;
                String got;
                try {
                    // the corpus has trailing blanks stripped; tcpdump prints "tax      ", so do we
                    got = c.compile(e).dump(BpfDumpFormat.ASSEMBLY).replaceAll("(?m) +$", "");
                } catch (FilterCompileException ex) {
                    got = "ERROR " + ex.reason() + "\n";
                }
                if (got.equals(expected)) {
                    identical++;
                } else {
                    failures.add("=== " + b.name() + " [" + b.dlt() + "] " + e + "\n--- expected\n" + expected
                            + "--- got\n" + got);
                }
            }
        }
        System.out.printf("filter-accept unoptimised: %d blocks, %d expressions, %d identical, %d differ%n", blocks,
                exprs, identical, failures.size());
        failures.stream().limit(Integer.getInteger("bpf.show", 15)).forEach(System.out::println);
        assertTrue(failures.isEmpty(), failures.size() + " expressions differ from libpcap");
    }
}
