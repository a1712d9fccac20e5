package org.beitstream.app.demo;

import org.beitstream.evaluator.EvalMetrics;
import org.beitstream.evaluator.Evaluator;
import org.beitstream.evaluator.Metric;
import org.beitstream.evaluator.Reference;
import org.beitstream.schemas.CheckpointLayout;
import org.beitstream.tokenizer.training.TokenizerTrainer;
import org.beitstream.tokenizer.training.TrainingMetrics;
import org.beitstream.trainer.TrainMetrics;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a demo did and what its features are worth: the table printed at the end.
 *
 * @param evaluations the evaluated checkpoints in order, each with the scores of the random-init and raw-pixel
 *                    references
 */
public record DemoSummary(boolean fashionMnist, Duration elapsed, Duration planned, boolean stopped, long imagesStreamed,
                          long imagesTokenized, Optional<TokenizerTrainer.Outcome> tokenizer, int servedCodesUsed,
                          double servedEntropyBits, double servedLargestShare, long steps,
                          Optional<TrainMetrics> firstTraining,
                          Optional<TrainMetrics> lastTraining, List<DemoStatus.Evaluation> evaluations,
                          String runId, String checkpointsUri, Path dataDir) {
    /**
     * Logistic regression on raw pixels, Fashion-MNIST's own benchmark table (Xiao et al., 2017): trained on all
     * 60,000 images, so only a footnote next to the raw-pixel reference measured on the probes' own images.
     */
    public static final double PUBLISHED_RAW_PIXEL_ACCURACY = 0.842;

    static DemoSummary of(DemoStatus status, DemoData data, DemoPlan plan, Duration elapsed, String runId,
                          String checkpointsUri, Path dataDir, long imagesStreamed, boolean stopped) {
        return new DemoSummary(data.isFashionMnist(), elapsed, plan.total(), stopped, imagesStreamed,
                status.imagesTokenized(), status.tokenizer(), status.servedCodesUsed(), status.servedEntropyBits(),
                status.servedLargestShare(), status.stepsTrained(), status.firstTraining(), status.lastTraining(),
                status.evaluations(), runId, checkpointsUri, dataDir);
    }

    /** The newest evaluated checkpoint. */
    public Optional<DemoStatus.Evaluation> lastEvaluation() {
        return evaluations.isEmpty() ? Optional.empty() : Optional.of(evaluations.get(evaluations.size() - 1));
    }

    /** The score of the newest evaluated checkpoint. */
    public Optional<Double> score(Metric metric) {
        return lastEvaluation().flatMap(e -> e.score(metric)).map(EvalMetrics::value);
    }

    /** The score of a reference reported next to the newest evaluated checkpoint. */
    public Optional<Double> score(Metric metric, Reference reference) {
        return lastEvaluation().flatMap(e -> e.score(metric, reference)).map(EvalMetrics::value);
    }

    /** One line of an evaluation's scores, for the progress log. */
    static String scoresLine(Evaluator.Outcome outcome) {
        if (outcome.published().isEmpty()) {
            return outcome.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
        return outcome.published().stream().filter(m -> !m.baseline())
                .map(m -> String.format(Locale.ROOT, "%s %.3f (random init %s)", m.metric().wireName(), m.value(),
                        outcome.published().stream().filter(b -> b.reference() == Reference.RANDOM_INIT
                                        && b.metric() == m.metric()
                                        && b.dataset().equals(m.dataset())).findFirst()
                                .map(b -> String.format(Locale.ROOT, "%.3f", b.value())).orElse("-")))
                .collect(Collectors.joining(", "));
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nbeit-stream demo: %s after %s of %s planned%n%n",
                stopped ? "stopped" : "finished", DemoStatus.clock(elapsed.toSeconds()),
                DemoStatus.clock(planned.toSeconds())));
        row(out, "images streamed", String.format(Locale.ROOT, "%,d%s", imagesStreamed,
                fashionMnist ? " (Fashion-MNIST training images, replayed in passes)" : " (synthetic scenes)"));
        row(out, "images tokenized", String.format(Locale.ROOT, "%,d (exactly once, by the Kafka Streams worker)",
                imagesTokenized));
        tokenizer.ifPresent(t -> {
            TrainingMetrics last = t.last();
            row(out, "tokenizer", String.format(Locale.ROOT, "%s: %d steps on %,d images, loss %.4f -> %.4f",
                    t.announcement().getVersion(), last.step(), t.images(), t.first().loss(), last.loss()));
            row(out, "codebook usage", String.format(Locale.ROOT,
                    "%d/%d codes (%.1f%%) over all tokenized images, entropy %.2f of %.0f bits",
                    servedCodesUsed, last.codebookSize(), 100.0 * servedCodesUsed / last.codebookSize(),
                    servedEntropyBits, Math.log(last.codebookSize()) / Math.log(2)));
        });
        lastTraining.ifPresent(last -> {
            TrainMetrics first = firstTraining.orElseThrow();
            row(out, "pretraining steps", String.format(Locale.ROOT, "%,d (run %s, batch 64), %.0f images/s at the end",
                    steps, runId, last.imagesPerSecond()));
            row(out, "loss (MIM + aggregation)", String.format(Locale.ROOT, "%.3f at step %d -> %.3f", first.loss(),
                    first.step(), last.loss()));
            row(out, "masked-token accuracy", String.format(Locale.ROOT,
                    "%.2f%% -> %.2f%% (always guessing the most frequent code: %.2f%%)", 100 * first.maskedAccuracy(),
                    100 * last.maskedAccuracy(), 100 * servedLargestShare));
        });
        out.append('\n');
        if (lastEvaluation().isEmpty()) {
            out.append("  no checkpoint was evaluated\n");
        } else {
            DemoStatus.Evaluation e = lastEvaluation().get();
            out.append(String.format(Locale.ROOT, "  %-50s %12s %12s %12s%n", "frozen features of checkpoint",
                    "step " + e.step(), "random init", "raw pixels"));
            evaluationRow(out, e, Metric.LINEAR_PROBE_ACCURACY, "linear probe accuracy");
            evaluationRow(out, e, Metric.KNN_ACCURACY, "k-NN accuracy (k=20)");
            evaluationRow(out, e, Metric.SEGMENTATION_MIOU, "segmentation mIoU");
            evaluationRow(out, e, Metric.SEGMENTATION_PIXEL_ACCURACY, "segmentation pixel accuracy");
            out.append("  random init and raw pixels: the same probes on the same images, on a randomly initialised "
                    + "backbone and on the input pixels\n");
            if (fashionMnist) {
                out.append(String.format(Locale.ROOT, "  published: logistic regression on all 60,000 training "
                        + "images: %.3f%n", PUBLISHED_RAW_PIXEL_ACCURACY));
            }
            if (evaluations.size() > 1) {
                out.append("  linear probe by step: ").append(evaluations.stream()
                        .map(x -> x.score(Metric.LINEAR_PROBE_ACCURACY).or(
                                        () -> x.score(Metric.SEGMENTATION_MIOU))
                                .map(m -> String.format(Locale.ROOT, "%d: %.3f", x.step(), m.value())).orElse(""))
                        .collect(Collectors.joining(", "))).append('\n');
            }
        }
        out.append('\n');
        row(out, "checkpoints", checkpointsUri + (steps > 0 ? " (newest: " + CheckpointLayout.prefix(runId, steps) + ")" : ""));
        row(out, "stored in", dataDir + " (serve it again: ./beit-stream infra --data-dir " + dataDir + ")");
        return out.toString();
    }

    private static void row(StringBuilder out, String name, String value) {
        out.append(String.format(Locale.ROOT, "  %-26s %s%n", name, value));
    }

    private static void evaluationRow(StringBuilder out, DemoStatus.Evaluation e, Metric metric, String name) {
        Optional<EvalMetrics> score = e.score(metric);
        if (score.isEmpty()) {
            return;
        }
        EvalMetrics s = score.get();
        String label = String.format(Locale.ROOT, "%s, %s (%d/%d)", name, s.dataset(), s.trainSamples(), s.testSamples());
        out.append(String.format(Locale.ROOT, "  %-50s %12.3f %12s %12s%n", label, s.value(),
                reference(e, metric, Reference.RANDOM_INIT), reference(e, metric, Reference.RAW_PIXELS)));
    }

    private static String reference(DemoStatus.Evaluation e, Metric metric, Reference reference) {
        return e.score(metric, reference).map(r -> String.format(Locale.ROOT, "%.3f", r.value())).orElse("-");
    }
}
