package org.beitstream.evaluator;

import java.time.Instant;

/**
 * One metrics.eval record (JSON Schema {@code metrics.eval.schema.json}): a score of a checkpoint, or a reference
 * reported next to it ({@code baseline = true}, with {@code reference} saying which one; null, so left out of the
 * JSON, for the checkpoint's own scores). {@code baseline} stays for readers that predate {@code reference}.
 */
public record EvalMetrics(String runId, long step, boolean baseline, Reference reference, Metric metric,
                          double value, String dataset, int trainSamples, int testSamples, Instant time) {

    /** The checkpoint's own score. */
    static EvalMetrics of(CheckpointKey checkpoint, Score score, Instant time) {
        return of(checkpoint, null, score, time);
    }

    /** A reference's score reported next to the checkpoint. */
    static EvalMetrics of(CheckpointKey checkpoint, Reference reference, Score score, Instant time) {
        return new EvalMetrics(checkpoint.runId(), checkpoint.step(), reference != null, reference, score.metric(),
                score.value(), score.dataset(), score.trainSamples(), score.testSamples(), time);
    }
}
