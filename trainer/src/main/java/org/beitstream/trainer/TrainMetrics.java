package org.beitstream.trainer;

import java.time.Instant;

/**
 * One {@code metrics.train} record (its JSON Schema is {@code metrics.train.schema.json}): means over the finite
 * steps of a logging window, throughput over the window's wall time.
 *
 * @param step                      the step count at the end of the window
 * @param maskedAccuracy            fraction of masked patches whose MIM prediction is the label
 * @param imagesPerSecond           images trained per second of wall time, data waits included
 * @param modelFlopsUtilization     achieved model FLOP/s over the peak measured at start
 * @param dataWaitSeconds           time the training thread waited for batches during the window
 * @param skippedNonFiniteSteps     steps skipped because the loss or a gradient was not finite (this process)
 * @param skippedOtherVersionRecords records of other tokenizer versions skipped (this process)
 * @param skippedIncompatibleRecords records that did not fit the model (this process)
 * @param replayedImages            images of the window drawn from the replay buffer
 */
public record TrainMetrics(String runId, long step, Instant time, String tokenizerVersion, double loss,
                           double lossMim, double lossAggregation, double maskedAccuracy, double learningRate,
                           double gradNorm, double imagesPerSecond, double modelFlopsUtilization,
                           double dataWaitSeconds, long skippedNonFiniteSteps, long skippedOtherVersionRecords,
                           long skippedIncompatibleRecords, long replayedImages) {
}
