package org.beitstream.tokenizer.worker;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerMetricsTest {

    @Test
    void aWindowReportsUsageEntropyAndLatencyPercentiles() {
        WorkerMetrics metrics = new WorkerMetrics("w1");
        assertTrue(metrics.closeWindow(8).isEmpty(), "an idle window publishes nothing");
        for (int batch = 1; batch <= 100; batch++) {
            metrics.batchTokenized("v1", 2, batch * 1_000_000L, new long[][] {{0, 1}, {2, 3}});
        }
        JsonNode window = metrics.closeWindow(8).orElseThrow();
        assertEquals(4, window.get("codesUsed").asInt());
        assertEquals(0.5, window.get("codebookUsage").asDouble(), 1e-12);
        assertEquals(2.0, window.get("codeEntropyBits").asDouble(), 1e-12, "four equally used codes: 2 bits");
        assertEquals(50.0, window.get("batchLatencyP50Ms").asDouble(), 1e-9);
        assertEquals(99.0, window.get("batchLatencyP99Ms").asDouble(), 1e-9);
        assertEquals(200, window.get("images").asLong());
        assertEquals("serving", window.get("phase").asText());
        assertTrue(metrics.closeWindow(8).isEmpty(), "the window starts afresh");
    }
}
