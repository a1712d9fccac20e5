package org.beitstream.app;

import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.ops.Operations;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.trainer.Trainer;
import org.beitstream.trainer.TrainerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs continual BEiT v2 pretraining on images.tokenized. */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = {"Continual BEiT v2 pretraining (MIM + patch aggregation) on images.tokenized.",
                "Checkpoints go to runs/<run-id>/ in the object store with the stream offsets; an existing run id",
                "resumes from its newest complete checkpoint. SIGTERM stops after a final checkpoint."})
final class TrainerCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Option(names = "--run-id", required = true, description = "Names the run; an existing id resumes it.")
    String runId;

    @Option(names = "--preset", defaultValue = "fmnist-tiny",
            description = "Model: base, large, fmnist-tiny, fmnist-small (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--init-weights", description = "Start a new run from weights: a safetensors file with the "
            + "authors' keys, or a checkpoint prefix runs/<id>/checkpoints/step-<n>/ in the object store.")
    String initWeights;

    @Option(names = "--tokenizer-version", description = "Train on this version only (default: the first one seen).")
    String tokenizerVersion;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1.5e-3", description = "Base learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--warmup-steps", defaultValue = "1000", description = "Linear warm-up (default: ${DEFAULT-VALUE}).")
    long warmupSteps;

    @Option(names = "--schedule", defaultValue = "constant",
            description = "constant (after warm-up) or wsd (warmup-stable-decay; decays over the last --decay-steps "
                    + "of --max-steps) (default: ${DEFAULT-VALUE}).")
    TrainerConfig.ScheduleKind schedule;

    @Option(names = "--decay-steps", defaultValue = "1000", description = "Length of the wsd decay (default: ${DEFAULT-VALUE}).")
    long decaySteps;

    @Option(names = "--checkpoint-every-steps", defaultValue = "1000", description = "0 = off (default: ${DEFAULT-VALUE}).")
    long checkpointEverySteps;

    @Option(names = "--checkpoint-every-minutes", defaultValue = "30", description = "0 = off (default: ${DEFAULT-VALUE}).")
    double checkpointEveryMinutes;

    @Option(names = "--keep-checkpoints", defaultValue = "3", description = "Newest checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--max-steps", defaultValue = "0", description = "Stop at this step of the run; 0 = never.")
    long maxSteps;

    @Option(names = "--minutes", defaultValue = "0", description = "Stop after this long; 0 = never.")
    double minutes;

    @Option(names = "--replay-buffer", defaultValue = "0", description = "Past samples kept for replay; 0 = off.")
    int replayCapacity;

    @Option(names = "--replay-fraction", defaultValue = "0.25", description = "Share of a batch replayed (default: ${DEFAULT-VALUE}).")
    double replayFraction;

    @Option(names = "--masked-patches", description = "Patches masked per image (default: 40%% of the grid).")
    Integer maskedPatches;

    @Option(names = "--seed", defaultValue = "0", description = "Initialisation, masks and replay (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--metrics-every-steps", defaultValue = "10", description = "Steps per metrics.train record.")
    int metricsEverySteps;

    @Option(names = "--max-nonfinite-steps", defaultValue = "100",
            description = "Stop after this many non-finite steps in a row (default: ${DEFAULT-VALUE}).")
    int maxNonFinite;

    @Option(names = "--devices", defaultValue = "auto", description = "auto (every GPU, else the CPU), cpu, or a "
            + "number of GPUs to train on data parallel (default: ${DEFAULT-VALUE}).")
    String devices;

    TrainerConfig config() {
        BeitConfig model = BeitConfig.preset(preset);
        return new TrainerConfig(runId, preset, model, Optional.ofNullable(tokenizerVersion), batchSize,
                new TrainerConfig.Schedule(schedule, learningRate, warmupSteps, decaySteps),
                new TrainerConfig.Checkpointing(checkpointEverySteps, minutes("--checkpoint-every-minutes", checkpointEveryMinutes),
                        keepCheckpoints),
                new TrainerConfig.Limits(maxSteps, minutes("--minutes", minutes)),
                new TrainerConfig.Replay(replayCapacity, replayFraction), seed,
                maskedPatches != null ? maskedPatches : TrainerConfig.defaultMaskedPatches(model), metricsEverySteps,
                maxNonFinite, Optional.ofNullable(initWeights), TrainerConfig.Devices.parse(devices));
    }

    private static Duration minutes(String flag, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new org.beitstream.runtime.config.SettingException(flag, "must be a finite number >= 0, got " + value);
        }
        return Duration.ofMillis(Math.round(value * 60_000));
    }

    @Override
    public Integer call() throws Exception {
        TrainerConfig config = config();
        try (Operations operations = ops.start("trainer");
             ObjectStore store = new ObjectStore(connection.s3())) {
            Trainer trainer = new Trainer(config, connection.kafka(), store, m -> System.err.printf(
                    "trainer: step %d  loss %.4f  accuracy %.3f  %.1f images/s  lr %.2e  MFU %.3f%n", m.step(), m.loss(),
                    m.maskedAccuracy(), m.imagesPerSecond(), m.learningRate(), m.modelFlopsUtilization()),
                    operations.registry());
            operations.check("training-loop", trainer::health);
            CountDownLatch finished = new CountDownLatch(1);
            Thread stopOnSignal = new Thread(() -> {
                trainer.requestStop();
                try {
                    finished.await(); // let the final checkpoint be written before the JVM exits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            try {
                Trainer.Outcome outcome = trainer.run();
                System.err.println("trainer: stopped at step " + outcome.lastStep() + ", newest checkpoint "
                        + (outcome.lastCheckpoint().isPresent() ? "step " + outcome.lastCheckpoint().getAsLong() : "none"));
                return 0;
            } catch (Trainer.DivergedException e) {
                System.err.println("error: " + e.getMessage());
                return 1;
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnSignal);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: nothing to remove
                }
            }
        }
    }
}
