package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MasksConformanceTest {
    @Test
    void everyRecordedMaskIsReplayedExactly() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<CheckResult> results = new MasksConformance().run(OracleVectors.setA(), manager);
            assertEquals(6, results.size());
            results.forEach(r -> assertTrue(r.passed(), r.toString()));
        }
    }
}
