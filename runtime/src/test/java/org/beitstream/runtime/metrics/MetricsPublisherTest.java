package org.beitstream.runtime.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsPublisherTest {
    record Sample(String phase, Instant time, long step, Double loss, Integer codesUsed) {}

    @Test
    void recordsBecomeJsonWithIsoTimesAndWithoutAbsentFields() {
        JsonNode json = MetricsPublisher.toJson(new Sample("training", Instant.parse("2026-11-24T01:02:03.450Z"), 7,
                0.25, null));
        assertEquals("training", json.get("phase").asText());
        assertTrue(json.get("time").isTextual(), json.toString());
        assertEquals("2026-11-24T01:02:03.450Z", json.get("time").asText());
        assertTrue(json.get("step").isIntegralNumber());
        assertEquals(0.25, json.get("loss").asDouble());
        // A JSON Schema that types codesUsed as an integer would reject an explicit null.
        assertFalse(json.has("codesUsed"), json.toString());
    }
}
