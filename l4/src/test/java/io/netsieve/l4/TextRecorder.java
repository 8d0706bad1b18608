package io.netsieve.l4;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: records as text with their packet rows, trace ids numbered by first appearance (they are random per
 * tracker), so that the records of two trackers fed the same packets can be compared.
 */
final class TextRecorder implements L4LogListener {
    final List<String> records = new ArrayList<>();
    private final Map<String, Integer> traceIds = new HashMap<>();

    @Override
    public void onL4Log(L4Log log) {
        int trace = traceIds.computeIfAbsent(log.innerTraceId(), t -> traceIds.size());
        records.add(log.toString().replace(log.innerTraceId(), "trace-" + trace)
                .replaceAll("packets=[\\w.]+@\\p{XDigit}+", "") + "\n" + L4LendSeriesTest.rows(log.packets()));
    }
}
