package org.beitstream.tokenizer.training;

import java.time.Instant;

/**
 * One {@code metrics.tokenizer} record of a training run (phase "training"), summarising the steps since the
 * previous record: losses are means over those steps, codebook figures come from the histogram of every
 * token those steps produced (not from the EMA usage statistic, which remembers codes long after their
 * last use). Field names are those of {@code metrics.tokenizer.schema.json}.
 *
 * @param codeEntropyBits    entropy of that histogram in bits (log2 of the codebook size when all codes are
 *                           equally used)
 * @param deadCodesRestarted codes re-seeded during those steps
 */
public record TrainingMetrics(String phase, String tokenizerVersion, Instant time, long step,
                              double loss, double reconstructionLoss, double commitmentLoss, double learningRate,
                              int codebookSize, int codesUsed, double codebookUsage, double codeEntropyBits,
                              long deadCodesRestarted, double imagesPerSecond) {
    public static final String PHASE = "training";
}
