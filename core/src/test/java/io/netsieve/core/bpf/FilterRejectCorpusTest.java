package io.netsieve.core.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** libpcap's filter-reject table: every expression on a supported link type must fail to compile. */
class FilterRejectCorpusTest {

    @Test
    void everySupportedRejectIsRejected() throws Exception {
        HostResolver resolver = LibpcapCorpus.fixtureResolver();
        int rows = 0;
        int supported = 0;
        int sameText = 0;
        List<String> accepted = new ArrayList<>();
        List<String> otherText = new ArrayList<>();
        for (String line : Files.readAllLines(LibpcapCorpus.dir().resolve("filter-reject.tsv"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            rows++;
            String dlt = f[1];
            String skipIf = f[4];
            String expr = f[5];
            String message = f[6];
            if (!LibpcapCorpus.supported(dlt, skipIf)) {
                continue;
            }
            supported++;
            FilterCompiler.Builder b = FilterCompiler.builder().linkType(LibpcapCorpus.linkType(dlt)).resolver(resolver);
            if (!f[2].isEmpty()) {
                b.netmask(LibpcapCorpus.netmask(f[2]));
            }
            try {
                BpfProgram p = b.build().compile(expr);
                accepted.add(expr + " [" + dlt + "] compiled to " + p.length() + " instructions; libpcap: " + message);
            } catch (FilterCompileException e) {
                if (e.reason().contains(message) || ("can't parse filter expression: " + e.reason()).contains(message)) {
                    sameText++;
                } else {
                    otherText.add(expr + " [" + dlt + "]: ours '" + e.reason() + "', libpcap '" + message + "'");
                }
            }
        }
        System.out.printf("filter-reject: %d rows, %d on supported link types, all must fail: %d accepted; "
                + "%d with libpcap's message, %d with another message%n", rows, supported, accepted.size(), sameText,
                otherText.size());
        otherText.forEach(s -> System.out.println("other message: " + s));
        assertEquals(List.of(), accepted);
    }
}
