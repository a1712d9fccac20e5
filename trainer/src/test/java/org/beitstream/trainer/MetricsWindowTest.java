package org.beitstream.trainer;

import org.beitstream.model.train.MimTrainingStep;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsWindowTest {

    private static Batch batch(int size) {
        return new Batch(0, size, new float[0], new boolean[0], new long[0], 0, Map.of(0, 1L), "v1", 0, 0);
    }

    @Test
    void aPeakProbeTakenUnderLoadIsMeasuredAgainRatherThanReportingMoreThanTheMachineCanDo() {
        // The first probe ran while another job held the cores (1 FLOP/s); the second sees the real peak.
        Deque<Double> probes = new ArrayDeque<>(List.of(1.0, 1e18));
        MetricsWindow window = new MetricsWindow("r", 1e9, probes::pop);
        window.add(new MimTrainingStep.Result(2.0, 1.0, 1.0, 0.5, 1.0, 1e-3, false), batch(64), 0);

        TrainMetrics metrics = window.close(1, batch(64), 0).orElseThrow();

        assertTrue(probes.isEmpty(), "the peak was measured again");
        double achieved = metrics.imagesPerSecond() * 1e9;
        assertEquals(achieved / 1e18, metrics.modelFlopsUtilization(), 1e-12);
        assertTrue(metrics.modelFlopsUtilization() <= 1);
    }
}
