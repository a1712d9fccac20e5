package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizerConformanceTest {
    @Test
    void kmeansAndEmaUpdateMatchTheReference() throws Exception {
        List<CheckResult> results = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            results.addAll(new KMeansConformance().run(OracleVectors.setA(), manager));
            results.addAll(new VqkdEmaConformance().run(OracleVectors.setA(), manager));
        }
        assertTrue(results.size() >= 12);
        results.forEach(r -> assertTrue(r.passed(), r.toString()));
    }
}
