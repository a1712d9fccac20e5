package org.beitstream.trainer;

import org.beitstream.model.train.MimTrainingStep;

import java.time.Instant;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Accumulates the steps of one logging window. Losses, accuracy and gradient norm are averaged over the finite
 * steps only: a skipped step has no meaningful loss, and JSON has no NaN.
 */
final class MetricsWindow {
    private final String runId;
    private final double trainingFlopsPerImage;
    private final DoubleSupplier peakProbe;
    private double peakFlopsPerSecond;
    private long startNanos = System.nanoTime();
    private int finiteSteps;
    private double loss;
    private double lossMim;
    private double lossAggregation;
    private double accuracy;
    private double gradNorm;
    private double learningRate;
    private long images;
    private long replayed;
    private double waitSeconds;

    /** @param peakProbe measures the device's peak FLOP/s; run at start and whenever the estimate proves low */
    MetricsWindow(String runId, double trainingFlopsPerImage, DoubleSupplier peakProbe) {
        this.runId = runId;
        this.trainingFlopsPerImage = trainingFlopsPerImage;
        this.peakProbe = peakProbe;
        this.peakFlopsPerSecond = peakProbe.getAsDouble();
    }

    void add(MimTrainingStep.Result result, Batch batch, double waitSeconds) {
        this.waitSeconds += waitSeconds;
        this.learningRate = result.learningRate();
        if (result.skipped()) {
            return;
        }
        finiteSteps++;
        images += batch.size();
        replayed += batch.replayed();
        loss += result.loss();
        lossMim += result.lossMim();
        lossAggregation += result.lossAggregation();
        accuracy += result.mimAccuracy();
        gradNorm += result.gradNorm();
    }

    /** The window's record and a fresh window; empty when no step of the window was finite. */
    Optional<TrainMetrics> close(long step, Batch last, long skippedNonFinite) {
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        Optional<TrainMetrics> record = Optional.empty();
        if (finiteSteps > 0) {
            double imagesPerSecond = images / seconds;
            double achieved = imagesPerSecond * trainingFlopsPerImage;
            if (achieved > peakFlopsPerSecond) {
                // A probe taken while other work held the cores: nothing runs faster than the peak, so measure again.
                peakFlopsPerSecond = Math.max(achieved, Math.max(peakFlopsPerSecond, peakProbe.getAsDouble()));
            }
            record = Optional.of(new TrainMetrics(runId, step, Instant.now(), last.tokenizerVersion(),
                    loss / finiteSteps, lossMim / finiteSteps, lossAggregation / finiteSteps, accuracy / finiteSteps,
                    learningRate, gradNorm / finiteSteps, imagesPerSecond,
                    achieved / peakFlopsPerSecond, waitSeconds, skippedNonFinite,
                    last.otherVersionRecords(), last.incompatibleRecords(), replayed));
        }
        startNanos = now;
        finiteSteps = 0;
        loss = lossMim = lossAggregation = accuracy = gradNorm = waitSeconds = 0;
        images = replayed = 0;
        return record;
    }
}
