package org.beitstream.app.demo;

import org.beitstream.dashboard.Dashboard;
import org.beitstream.dashboard.DashboardConfig;
import org.beitstream.evaluator.Evaluator;
import org.beitstream.evaluator.EvaluatorConfig;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.tokenizer.training.TeacherSpec;
import org.beitstream.tokenizer.training.TokenizerTrainer;
import org.beitstream.tokenizer.training.TrainingSettings;
import org.beitstream.tokenizer.worker.BatchListener;
import org.beitstream.tokenizer.worker.TokenizerWorker;
import org.beitstream.tokenizer.worker.WorkerConfig;
import org.beitstream.tokenizer.worker.WorkerMetrics;
import org.beitstream.tokenizer.worker.WorkerMetricsReporter;
import org.beitstream.schemas.CheckpointLayout;
import org.beitstream.trainer.Trainer;
import org.beitstream.trainer.TrainerConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The whole system in one process, within a time budget: the embedded broker and S3 server, ingest of the stream
 * and the evaluation sets, VQ-KD tokenizer training, the exactly-once tokenizer worker, continual pretraining with
 * checkpoints, and the evaluator scoring them next to the random-init baseline. The same services the commands
 * run, wired together; nothing here is demo-only maths.
 */
public final class Demo {
    /**
     * @param plan            how the time is spent
     * @param dataDir         broker logs, objects and worker state; kept after the demo
     * @param fashionMnistDir where the Fashion-MNIST IDX files are looked for
     * @param preset          the model and tokenizer preset
     * @param dashboardPort   where the live dashboard listens on 127.0.0.1 (0: any free port); empty for none
     */
    public record Options(DemoPlan plan, Path dataDir, Path fashionMnistDir, String preset,
                          OptionalInt dashboardPort) {}

    private static final String BUCKET = "beit-stream";
    private static final int BATCH_SIZE = 64;
    /**
     * Images the stream keeps ahead of the trainer: about a minute of pretraining here, while the worker tokenizes
     * eight times as fast; a longer lead would only spend the CPU on images never trained on.
     */
    private static final long STREAM_LEAD = 5_000;
    /** How much longer than planned the demo waits for the evaluation of its last checkpoint. */
    private static final Duration EVALUATION_GRACE = Duration.ofMinutes(5);

    private final Options options;
    private final PrintStream log;
    private final DemoStatus status = new DemoStatus();
    private final long startNanos = System.nanoTime();
    private volatile boolean stopRequested;
    private volatile TokenizerTrainer tokenizerTrainer;
    private volatile Trainer trainer;
    private volatile Evaluator evaluator;

    /** @param log where phase lines and the progress line go (the summary is returned, not printed) */
    public Demo(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    /** Ctrl-C: ends the current phase early (a running evaluation finishes first) and skips the rest. */
    public void requestStop() {
        stopRequested = true;
        TokenizerTrainer tokenizing = tokenizerTrainer;
        if (tokenizing != null) {
            tokenizing.requestStop();
        }
        Trainer training = trainer;
        if (training != null) {
            training.requestStop();
        }
        Evaluator evaluating = evaluator;
        if (evaluating != null) {
            evaluating.requestStop();
        }
    }

    public DemoSummary run() throws Exception {
        DemoPlan plan = options.plan();
        DemoData data = DemoData.detect(options.fashionMnistDir());
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                .format(Clock.systemUTC().instant());
        String runId = "demo-" + stamp;
        String tokenizerVersion = "demo-tok-" + stamp;
        log.printf("demo: %s in all: start-up, tokenizer training %s, pretraining ~%s%s, evaluation of the last "
                        + "checkpoint next to the random-init and raw-pixel references%n", DemoStatus.clock(plan.total().toSeconds()),
                DemoStatus.clock(plan.tokenizerTraining().toSeconds()), DemoStatus.clock(plan.pretraining().toSeconds()),
                plan.checkpointEvery().isZero() ? "" : " (checkpoint every " + DemoStatus.clock(
                        plan.checkpointEvery().toSeconds()) + ")");
        log.println("demo: data: " + data.description());
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "demo-progress");
            thread.setDaemon(true);
            return thread;
        });
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(options.dataDir(), BUCKET));
             ObjectStore store = new ObjectStore(infra.s3());
             Ingest stream = new Ingest(infra.kafka(), new ImageDecoder(ImageDecoder.Limits.defaults()), false);
             StreamFeeder feeder = new StreamFeeder(stream, data, STREAM_LEAD,
                     () -> status.stepsTrained() * BATCH_SIZE);
             Dashboard dashboard = startDashboard(infra.kafka())) {
            log.printf("demo: Kafka at %s, S3 at %s (data in %s)%n", infra.kafka().bootstrapServers(),
                    infra.s3().endpoint(), options.dataDir());
            if (dashboard != null) {
                log.println("demo: live dashboard at " + dashboard.url());
            }
            ticker.scheduleAtFixedRate(() -> log.println(status.line(elapsed().toSeconds(), plan.total().toSeconds(),
                    feeder.produced())), 10, 10, TimeUnit.SECONDS);
            status.phase("ingest");
            ingestEvaluationSets(infra.kafka(), data);
            feeder.fillTo(tokenizerImages(plan));
            feeder.start();
            if (!stopRequested) {
                trainTokenizer(infra.kafka(), store, tokenizerVersion, data);
            }
            if (!stopRequested) {
                pretrainAndEvaluate(infra.kafka(), store, runId, tokenizerVersion);
            }
            if (feeder.failure() != null) {
                log.println("demo: the stream stopped early: " + feeder.failure().getMessage());
            }
            status.phase(stopRequested ? "stopped" : "done");
            return DemoSummary.of(status, data, plan, elapsed(), runId, infra.s3().uriOf(CheckpointLayout.runPrefix(runId)),
                    options.dataDir(), feeder.produced(), stopRequested);
        } finally {
            ticker.shutdownNow();
        }
    }

    /**
     * Images on the stream before the tokenizer trains, what it learns its codebook from: those the trainer is
     * expected to use, at least 5,000 and at most 20,000.
     */
    private static long tokenizerImages(DemoPlan plan) {
        return Math.max(5_000, Math.min(20_000, plan.expectedSteps() * BATCH_SIZE));
    }

    /** The dashboard of the demo's topics, or null when not wanted (try-with-resources skips a null). */
    private Dashboard startDashboard(KafkaSettings kafka) throws IOException {
        if (options.dashboardPort().isEmpty()) {
            return null;
        }
        int port = options.dashboardPort().getAsInt();
        try {
            return Dashboard.start(DashboardConfig.of("127.0.0.1", port), kafka);
        } catch (SettingException e) {
            throw new SettingException("--dashboard-port", "cannot serve the dashboard on 127.0.0.1:" + port
                    + " (" + e.getMessage() + "); choose another port, 0 for any free one, or --no-dashboard");
        }
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private void ingestEvaluationSets(KafkaSettings kafka, DemoData data) throws IOException {
        try (Ingest evaluation = new Ingest(kafka, new ImageDecoder(ImageDecoder.Limits.defaults()), true)) {
            for (DemoData.EvaluationSource source : data.evaluationSources()) {
                try (ImageSource images = data.openEvaluation(source)) {
                    evaluation.ingestAll(images, source.limit());
                }
            }
        }
    }

    private void trainTokenizer(KafkaSettings kafka, ObjectStore store, String version, DemoData data)
            throws Exception {
        status.phase("tokenizer");
        log.printf("demo: training the VQ-KD tokenizer %s (HOG teacher, dead-code restart) for %s%n", version,
                DemoStatus.clock(options.plan().tokenizerTraining().toSeconds()));
        TrainingSettings settings = new TrainingSettings(TrainingSettings.STREAM, options.fashionMnistDir(),
                options.preset(), TeacherSpec.parse("hog", 0), 0, options.plan().tokenizerTraining(),
                tokenizerImages(options.plan()),
                BATCH_SIZE, 2e-3, 0, 20, version, 25);
        tokenizerTrainer = new TokenizerTrainer(kafka, store, Clock.systemUTC());
        if (stopRequested) {
            return;
        }
        TokenizerTrainer.Outcome outcome;
        try {
            outcome = tokenizerTrainer.train(settings);
        } catch (IOException e) {
            if (stopRequested) { // stopped before its first step: there is nothing to publish
                return;
            }
            throw e;
        }
        status.tokenizerPublished(outcome);
        log.printf("demo: tokenizer %s published after %d steps: loss %.4f, %d/%d codes used in its last window%n",
                version, outcome.last().step(), outcome.last().loss(), outcome.last().codesUsed(),
                outcome.last().codebookSize());
    }

    private void pretrainAndEvaluate(KafkaSettings kafka, ObjectStore store, String runId, String tokenizerVersion)
            throws Exception {
        status.phase("pretraining");
        Duration pretraining = options.plan().pretrainingLeft(elapsed());
        log.printf("demo: tokenizer worker and evaluator started; pretraining run %s for %s%n", runId,
                DemoStatus.clock(pretraining.toSeconds()));
        WorkerMetrics workerMetrics = new WorkerMetrics("demo-worker");
        BatchListener listeners = (version, images, nanos, tokens) -> {
            workerMetrics.batchTokenized(version, images, nanos, tokens);
            status.batchTokenized(version, images, nanos, tokens);
        };
        WorkerConfig workerConfig = new WorkerConfig("beit-stream-demo-tokenizer", 128, Duration.ofMillis(200),
                Optional.of(tokenizerVersion), options.dataDir().resolve("tokenizer-worker"),
                ImageDecoder.Limits.defaults());
        try (TokenizerWorker worker = TokenizerWorker.start(workerConfig, kafka, store, listeners, Duration.ofMinutes(1));
             WorkerMetricsReporter reporter = new WorkerMetricsReporter(kafka, "demo-worker", workerMetrics, worker,
                     Duration.ofSeconds(5), window -> { });
             BackgroundEvaluator evaluation = new BackgroundEvaluator(kafka, store)) {
            trainer = new Trainer(trainerConfig(runId, tokenizerVersion, pretraining), kafka, store, status::trained);
            if (stopRequested) {
                return;
            }
            Trainer.Outcome outcome = trainer.run();
            status.pretrainingEnded(outcome.lastStep());
            if (outcome.lastCheckpoint().isEmpty()) {
                log.println("demo: pretraining ended without a checkpoint (no step was taken): nothing to evaluate");
                return;
            }
            long step = outcome.lastCheckpoint().getAsLong();
            status.phase("evaluating");
            log.printf("demo: pretraining stopped at step %d; waiting for the evaluation of its checkpoint%n", step);
            long planEnd = startNanos + options.plan().total().minus(DemoPlan.SHUT_DOWN).toNanos();
            if (!status.awaitEvaluation(step, planEnd + EVALUATION_GRACE.toNanos(), () -> stopRequested)
                    && !stopRequested) {
                log.printf("demo: the checkpoint of step %d was not evaluated within the plan and %s more%n", step,
                        DemoStatus.clock(EVALUATION_GRACE.toSeconds()));
            }
        }
    }

    private TrainerConfig trainerConfig(String runId, String tokenizerVersion, Duration pretraining) {
        BeitConfig model = BeitConfig.preset(options.preset());
        return new TrainerConfig(runId, options.preset(), model, Optional.of(tokenizerVersion), BATCH_SIZE,
                new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.CONSTANT, 1.5e-3, options.plan().warmupSteps(), 1),
                new TrainerConfig.Checkpointing(0, options.plan().checkpointEvery(), 3),
                new TrainerConfig.Limits(0, pretraining), TrainerConfig.Replay.off(), 0,
                TrainerConfig.defaultMaskedPatches(model), 10, 100, Optional.empty(), TrainerConfig.Devices.AUTO);
    }

    /** The evaluator on a thread of its own, scoring checkpoints as the trainer announces them. */
    private final class BackgroundEvaluator implements AutoCloseable {
        private final Thread thread;
        private volatile Exception failure;

        BackgroundEvaluator(KafkaSettings kafka, ObjectStore store) {
            EvaluatorConfig config = EvaluatorConfig.defaults().withLimits(3_000, 1_000);
            evaluator = new Evaluator(config, kafka, store, outcome -> {
                status.evaluated(outcome);
                log.println("demo: evaluated " + outcome.checkpoint() + ": " + DemoSummary.scoresLine(outcome));
            });
            thread = new Thread(() -> {
                try {
                    evaluator.run(false);
                } catch (Exception e) {
                    failure = e;
                    log.println("demo: the evaluator stopped: " + e.getMessage());
                }
            }, "demo-evaluator");
            thread.start();
        }

        @Override
        public void close() throws Exception {
            evaluator.requestStop();
            thread.join();
            if (failure != null && !stopRequested) {
                throw failure;
            }
        }
    }
}
