package org.beitstream.evaluator;

import java.time.Instant;

/**
 * One metrics.eval record (JSON Schema {@code metrics.eval.schema.json}): a score of a checkpoint, or of the
 * random-initialisation baseline of its architecture reported next to it ({@code baseline = true}).
 */
public record EvalMetrics(String runId, long step, boolean baseline, Metric metric, double value, String dataset,
                          int trainSamples, int testSamples, Instant time) {

    static EvalMetrics of(CheckpointKey checkpoint, boolean baseline, Score score, Instant time) {
        return new EvalMetrics(checkpoint.runId(), checkpoint.step(), baseline, score.metric(), score.value(),
                score.dataset(), score.trainSamples(), score.testSamples(), time);
    }
}
