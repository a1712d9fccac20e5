package org.beitstream.app.demo;

import org.beitstream.runtime.config.SettingException;

import java.time.Duration;

/**
 * How a demo of a given length spends its time. The fixed costs come first: start-up (broker, S3 server, the
 * evaluation sets and the first stream images), the evaluation of the last checkpoint next to the random-init
 * baseline, and shutting down. A fifth of the rest (20 s to 5 min) trains the tokenizer; the remainder pretrains.
 * Pretraining of 5 minutes or more also checkpoints at 40% and 80% of it, so the evaluator scores the model while it
 * learns (a third checkpoint just before the final one would only cost an evaluation).
 *
 * @param total            what the user gave
 * @param tokenizerTraining VQ-KD training time
 * @param pretraining      planned pretraining time; the demo recomputes it from the clock once the tokenizer is
 *                         published, so a slow start shortens pretraining rather than the evaluation
 * @param checkpointEvery  interval of intermediate checkpoints; zero for only the final one
 * @param warmupSteps      learning-rate warm-up: a tenth of the steps this CPU is expected to take
 */
public record DemoPlan(Duration total, Duration tokenizerTraining, Duration pretraining, Duration checkpointEvery,
                       long warmupSteps) {
    public static final double MIN_MINUTES = 2;
    static final Duration START_UP = Duration.ofSeconds(15);
    static final Duration FINAL_EVALUATION = Duration.ofSeconds(50);
    static final Duration SHUT_DOWN = Duration.ofSeconds(10);
    /** Pretraining steps per second of fmnist-tiny at batch 64 on a 2-core CPU (docs/BENCHMARKS.md). */
    private static final double STEPS_PER_SECOND = 1.5;

    public static DemoPlan forMinutes(double minutes) {
        if (!(minutes >= MIN_MINUTES) || Double.isInfinite(minutes)) {
            throw new SettingException("--minutes", "must be a finite number of at least " + MIN_MINUTES
                    + " (start-up, tokenizer, pretraining and one evaluation), got " + minutes);
        }
        Duration total = Duration.ofMillis(Math.round(minutes * 60_000));
        Duration rest = total.minus(START_UP).minus(FINAL_EVALUATION).minus(SHUT_DOWN);
        Duration tokenizer = clamp(rest.dividedBy(5), Duration.ofSeconds(20), Duration.ofMinutes(5));
        Duration pretraining = rest.minus(tokenizer);
        Duration checkpointEvery = pretraining.compareTo(Duration.ofMinutes(5)) >= 0
                ? pretraining.multipliedBy(2).dividedBy(5) : Duration.ZERO;
        return new DemoPlan(total, tokenizer, pretraining, checkpointEvery, warmupSteps(pretraining));
    }

    /** Pretraining time left at {@code elapsed}, keeping the evaluation and shut-down reserves (at least 20 s). */
    Duration pretrainingLeft(Duration elapsed) {
        Duration left = total.minus(elapsed).minus(FINAL_EVALUATION).minus(SHUT_DOWN);
        return left.compareTo(Duration.ofSeconds(20)) < 0 ? Duration.ofSeconds(20) : left;
    }

    /** Pretraining steps this plan expects on a 2-core CPU. */
    long expectedSteps() {
        return expectedSteps(pretraining);
    }

    private static long expectedSteps(Duration pretraining) {
        return Math.round(pretraining.toMillis() / 1000.0 * STEPS_PER_SECOND);
    }

    private static long warmupSteps(Duration pretraining) {
        return Math.max(20, Math.min(500, expectedSteps(pretraining) / 10));
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }
}
