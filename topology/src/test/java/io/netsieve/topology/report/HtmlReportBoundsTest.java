package io.netsieve.topology.report;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report's bounds hold while records are added: beyond {@code maxConnections} connections and
 * {@code maxExchanges} exchanges and paths, records are counted and dropped, and the page's summary gives the totals
 * next to what it shows. On the bundled demo set (its own totals from an unbounded report).
 */
class HtmlReportBoundsTest {

    private static long summary(HtmlReport report, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(report.html());
        assertTrue(m.find(), key + " in the page's data");
        return Long.parseLong(m.group(1));
    }

    private static int count(HtmlReport report, String array) {
        // the embedded data: "array":[{...},{...}] — its elements are objects; count their opening braces at depth 1
        String html = report.html();
        int i = html.indexOf("\"" + array + "\":[");
        assertTrue(i >= 0, array);
        i += array.length() + 4;
        int depth = 0;
        int n = 0;
        boolean inString = false;
        for (; i < html.length(); i++) {
            char c = html.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                if (depth == 0 && c == '{') {
                    n++;
                }
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return n;
                }
                depth--;
            }
        }
        throw new AssertionError(array + " not closed");
    }

    @Test
    void beyondTheBoundsRecordsAreCountedNotKept() throws Exception {
        HtmlReport all = HtmlReportChromiumTest.demoReport();
        long connections = summary(all, "connections");
        long exchanges = summary(all, "exchanges");
        long paths = summary(all, "paths");
        assertEquals(connections, count(all, "connections"));
        assertEquals(exchanges, count(all, "exchanges"));
        assertEquals(paths, count(all, "paths"));
        assertTrue(connections > 2 && exchanges > 3 && paths > 3, connections + " " + exchanges + " " + paths);
        assertEquals(0, summary(all, "l4_records_omitted"));

        HtmlReport bounded = HtmlReportChromiumTest.demoReport(b -> b.maxConnections(2).maxExchanges(3));
        assertEquals(2, count(bounded, "connections"));
        assertEquals(2, summary(bounded, "connections_drawn"));
        assertEquals(3, count(bounded, "exchanges"));
        assertEquals(3, count(bounded, "paths"));
        assertEquals(3, summary(bounded, "exchanges_shown"));
        assertEquals(3, summary(bounded, "paths_shown"));
        // the totals are still the whole set's
        assertEquals(connections, summary(bounded, "connections"));
        assertEquals(exchanges, summary(bounded, "exchanges"));
        assertEquals(paths, summary(bounded, "paths"));
        assertTrue(summary(bounded, "l4_records_omitted") >= connections - 2);
    }

    @Test
    void boundsAreSetBeforeRecords() throws Exception {
        HtmlReport.Builder b = HtmlReport.builder();
        HtmlReport.Builder[] holder = {b};
        HtmlReportChromiumTest.demoReport(r -> holder[0] = r); // a builder that has seen records: not this one
        b.maxExchanges(10);
        assertThrows(IllegalStateException.class, () -> b.maxExchanges(20), "a second call");
        assertThrows(IllegalArgumentException.class, () -> HtmlReport.builder().maxExchanges(0));
        HtmlReport.Builder used = holder[0];
        assertThrows(IllegalStateException.class, () -> used.maxConnections(1), "after records were added");
    }
}
