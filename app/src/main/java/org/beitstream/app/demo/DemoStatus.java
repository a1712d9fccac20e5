package org.beitstream.app.demo;

import org.beitstream.evaluator.EvalMetrics;
import org.beitstream.evaluator.Evaluator;
import org.beitstream.evaluator.Metric;
import org.beitstream.evaluator.Reference;
import org.beitstream.tokenizer.training.TokenizerTrainer;
import org.beitstream.tokenizer.worker.BatchListener;
import org.beitstream.tokenizer.worker.CodeHistogram;
import org.beitstream.trainer.TrainMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * What the demo's services have done so far, gathered from their callbacks on their own threads: the source of
 * the live progress line and of the final summary.
 */
final class DemoStatus implements BatchListener {
    /** One evaluated checkpoint: its scores and the references', in the order the evaluator published them. */
    record Evaluation(String runId, long step, List<EvalMetrics> metrics) {
        /** The checkpoint's own score. */
        Optional<EvalMetrics> score(Metric metric) {
            return metrics.stream().filter(m -> m.metric() == metric && !m.baseline()).findFirst();
        }

        /** The score of {@code reference} reported next to the checkpoint. */
        Optional<EvalMetrics> score(Metric metric, Reference reference) {
            return metrics.stream().filter(m -> m.metric() == metric && m.reference() == reference).findFirst();
        }
    }

    private final AtomicLong imagesTokenized = new AtomicLong();
    private final CodeHistogram servedCodes = new CodeHistogram();
    private volatile String phase = "starting";
    private volatile TokenizerTrainer.Outcome tokenizer;
    private volatile TrainMetrics firstTraining;
    private volatile TrainMetrics lastTraining;
    private volatile long finalStep;
    private final List<Evaluation> evaluations = new ArrayList<>();

    void phase(String name) {
        phase = name;
    }

    String phase() {
        return phase;
    }

    void tokenizerPublished(TokenizerTrainer.Outcome outcome) {
        tokenizer = outcome;
    }

    Optional<TokenizerTrainer.Outcome> tokenizer() {
        return Optional.ofNullable(tokenizer);
    }

    @Override
    public void batchTokenized(String version, int images, long nanos, long[][] tokens) {
        imagesTokenized.addAndGet(images);
        synchronized (servedCodes) {
            servedCodes.add(tokens);
        }
    }

    long imagesTokenized() {
        return imagesTokenized.get();
    }

    /** Codes used over every image the worker tokenized, and the entropy of their distribution. */
    int servedCodesUsed() {
        synchronized (servedCodes) {
            return servedCodes.codesUsed();
        }
    }

    double servedLargestShare() {
        synchronized (servedCodes) {
            return servedCodes.largestShare();
        }
    }

    double servedEntropyBits() {
        synchronized (servedCodes) {
            return servedCodes.entropyBits();
        }
    }

    void trained(TrainMetrics metrics) {
        if (firstTraining == null) {
            firstTraining = metrics;
        }
        lastTraining = metrics;
    }

    Optional<TrainMetrics> firstTraining() {
        return Optional.ofNullable(firstTraining);
    }

    Optional<TrainMetrics> lastTraining() {
        return Optional.ofNullable(lastTraining);
    }

    long stepsTrained() {
        return Math.max(finalStep, lastTraining().map(TrainMetrics::step).orElse(0L));
    }

    void pretrainingEnded(long step) {
        finalStep = step;
    }

    synchronized void evaluated(Evaluator.Outcome outcome) {
        if (outcome.kind() == Evaluator.Outcome.Kind.EVALUATED && !outcome.published().isEmpty()) {
            EvalMetrics any = outcome.published().get(0);
            evaluations.add(new Evaluation(any.runId(), any.step(), List.copyOf(outcome.published())));
            notifyAll();
        }
    }

    synchronized Optional<Evaluation> lastEvaluation() {
        return evaluations.isEmpty() ? Optional.empty() : Optional.of(evaluations.get(evaluations.size() - 1));
    }

    synchronized List<Evaluation> evaluations() {
        return List.copyOf(evaluations);
    }

    /** Waits until the checkpoint of {@code step} is evaluated, {@code deadlineNanos} passes, or the demo stops. */
    synchronized boolean awaitEvaluation(long step, long deadlineNanos, BooleanSupplier stopped)
            throws InterruptedException {
        while (evaluations.stream().noneMatch(e -> e.step() == step)) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || stopped.getAsBoolean()) {
                return false;
            }
            wait(Math.max(1, Math.min(left / 1_000_000, 500)));
        }
        return true;
    }

    /** The live progress line. */
    String line(long elapsedSeconds, long totalSeconds, long streamed) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "demo %s/%s  %-12s stream %,d  tokenized %,d",
                clock(elapsedSeconds), clock(totalSeconds), phase, streamed, imagesTokenized()));
        lastTraining().ifPresent(t -> line.append(String.format(Locale.ROOT,
                "  step %,d loss %.3f masked acc %.1f%% %.0f img/s", t.step(), t.loss(), 100 * t.maskedAccuracy(),
                t.imagesPerSecond())));
        lastEvaluation().ifPresent(e -> e.score(Metric.LINEAR_PROBE_ACCURACY).or(
                () -> e.score(Metric.SEGMENTATION_MIOU)).ifPresent(m -> line.append(String.format(Locale.ROOT,
                "  eval@%d %s %.3f", e.step(), m.metric().wireName(), m.value()))));
        return line.toString();
    }

    static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
