package org.beitstream.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.beit.BeitWeights;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.train.MimTrainingStep;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.metrics.MetricsPublisher;
import org.beitstream.runtime.ops.Health;
import org.beitstream.runtime.ops.Heartbeat;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.ObjectStoreException;
import org.beitstream.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The continual pretraining loop: batches from images.tokenized, one {@link MimTrainingStep} each, checkpoints
 * with the stream offsets they correspond to, metrics on metrics.train.
 *
 * <p>Three threads share the work: the prefetch thread reads and assembles batches, this (training) thread only
 * trains and serialises checkpoints to memory, and the upload thread puts them into the object store. A run with
 * an existing id resumes from its newest complete checkpoint: weights, optimizer moments, step (and so the
 * learning-rate schedule and the masks), tokenizer version and the offset of every partition.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    /** How long a finished run waits for its last checkpoint to reach the object store. */
    private static final Duration FINAL_UPLOAD_WAIT = Duration.ofMinutes(2);
    private static final Duration BATCH_POLL = Duration.ofMillis(200);
    /** A training loop that has not turned for this long (one step, or one wait for data) hangs. */
    private static final Duration STALLED_AFTER = Duration.ofMinutes(10);

    private final TrainerConfig config;
    /** Where the model trains, data parallel when there are several; the model itself is on the first. */
    private final List<Device> devices;
    private final KafkaSettings kafka;
    private final ObjectStore store;
    private final Consumer<TrainMetrics> onMetrics;
    private final CheckpointUploader.Backoff uploadBackoff;
    private final MeterRegistry registry;
    private final Heartbeat heartbeat = new Heartbeat("training loop", STALLED_AFTER);
    private final AtomicLong currentStep = new AtomicLong();
    private final AtomicReference<TrainMetrics> lastWindow = new AtomicReference<>();
    private final Counter checkpointsPublished;
    private final Counter checkpointUploadsFailed;
    private volatile boolean stopRequested;

    /**
     * What a run did, for its caller.
     *
     * @param resumedFrom     the checkpoint step this process started from, if it resumed
     * @param lastStep        the step count when it stopped
     * @param lastCheckpoint  the newest checkpoint this process published
     * @param skippedNonFinite steps skipped because the loss or a gradient was not finite
     */
    public record Outcome(OptionalLong resumedFrom, long lastStep, OptionalLong lastCheckpoint, long skippedNonFinite) {
    }

    /** The loss stayed non-finite too long: training is diverging and more steps will not fix it. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String message) {
            super(message);
        }
    }

    /** A trainer without operator meters (an empty composite registry keeps none): for tests and benchmarks. */
    public Trainer(TrainerConfig config, KafkaSettings kafka, ObjectStore store, Consumer<TrainMetrics> onMetrics) {
        this(config, kafka, store, onMetrics, new CompositeMeterRegistry());
    }

    /**
     * @param onMetrics receives every metrics.train record as it is published (for a progress line)
     * @param registry  receives the operator meters: step, loss, images/s, checkpoints, the consumer's metrics
     */
    public Trainer(TrainerConfig config, KafkaSettings kafka, ObjectStore store, Consumer<TrainMetrics> onMetrics,
                   MeterRegistry registry) {
        this(config, kafka, store, onMetrics, registry, CheckpointUploader.Backoff.DEFAULT);
    }

    Trainer(TrainerConfig config, KafkaSettings kafka, ObjectStore store, Consumer<TrainMetrics> onMetrics,
            MeterRegistry registry, CheckpointUploader.Backoff uploadBackoff) {
        this.config = config;
        this.devices = config.trainingDevices(Engine.getInstance().getGpuCount());
        this.kafka = kafka;
        this.store = store;
        this.onMetrics = onMetrics;
        this.uploadBackoff = uploadBackoff;
        this.registry = registry;
        Tags run = Tags.of("run", config.runId());
        Gauge.builder("trainer.step", currentStep, AtomicLong::get).tags(run)
                .description("Training steps of the run so far").register(registry);
        windowGauge("trainer.loss", "Mean loss (MIM + aggregation) of the latest metrics window", TrainMetrics::loss, run);
        windowGauge("trainer.images.per.second", "Images trained per second in the latest metrics window",
                TrainMetrics::imagesPerSecond, run);
        checkpointsPublished = Counter.builder("trainer.checkpoints.published").tags(run)
                .description("Checkpoints uploaded completely and announced").register(registry);
        checkpointUploadsFailed = Counter.builder("trainer.checkpoint.uploads.failed").tags(run)
                .description("Checkpoint upload attempts that failed (each is retried)").register(registry);
    }

    /** A gauge of the latest metrics.train window; NaN before the first window closes. */
    private void windowGauge(String name, String description, ToDoubleFunction<TrainMetrics> value, Tags tags) {
        Gauge.builder(name, lastWindow, w -> w.get() == null ? Double.NaN : value.applyAsDouble(w.get()))
                .tags(tags).description(description).register(registry);
    }

    /** Up while the training loop turns: a step, or a wait for data, at least every ten minutes. */
    public Health health() {
        return heartbeat.check();
    }

    /** Ends the run after the current step, with a final checkpoint (for SIGTERM). */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains until a limit of the configuration is reached or {@link #requestStop()} is called.
     *
     * @throws DivergedException after {@code maxConsecutiveNonFinite} non-finite steps in a row; the last good
     *                           checkpoint stays the newest
     */
    public Outcome run() throws IOException, InterruptedException {
        Checkpoints checkpoints = new Checkpoints(store, config.runId());
        try (NDManager manager = NDManager.newBaseManager(devices.get(0))) {
            Start start = prepare(checkpoints, manager);
            MetricsPublisher metrics = new MetricsPublisher(kafka, Topics.METRICS_TRAIN, "beit-stream-trainer-metrics");
            try (MimTrainingStep training = start.training();
                 CheckpointAnnouncer announcer = new CheckpointAnnouncer(kafka, store.settings())) {
                CheckpointUploader uploader = new CheckpointUploader(checkpoints, config.checkpoints().keep(),
                        uploadBackoff, published -> {
                            announcer.announce(published);
                            checkpointsPublished.increment();
                        }, checkpointUploadsFailed::increment);
                Prefetcher prefetcher = new Prefetcher(kafka, start.assembler(), start.offsets(), registry);
                prefetcher.start();
                End end;
                try {
                    end = loop(start, training, prefetcher, metrics, uploader, manager);
                } finally {
                    heartbeat.end();
                    prefetcher.close();
                    uploader.close(FINAL_UPLOAD_WAIT);
                }
                return new Outcome(start.resumedFrom(), end.step(), uploader.lastPublishedStep(), end.skippedNonFinite());
            } finally {
                closeReportingLoss(metrics);
            }
        }
    }

    /** Metrics lost while the broker was away are worth a warning, not a failed run. */
    private static void closeReportingLoss(MetricsPublisher metrics) {
        try {
            metrics.close();
        } catch (IOException e) {
            LOG.warn("some training metrics were not delivered: {}", e.getMessage());
        }
    }

    /** Where this process starts: the training step, the model in it, and the stream position. */
    private record Start(MimTrainingStep training, BatchAssembler assembler, long step,
                         Optional<Map<Integer, Long>> offsets, OptionalLong resumedFrom, BeitConfig model) {
    }

    private Start prepare(Checkpoints checkpoints, NDManager manager) throws IOException, InterruptedException {
        try (NDManager loading = manager.newSubManager()) {
            Optional<Checkpoints.Loaded> resume = newestCheckpoint(checkpoints, loading);
            BeitConfig modelConfig = config.model();
            Optional<String> tokenizerVersion = config.tokenizerVersion();
            BeitPretrainingModel model;
            if (resume.isPresent()) {
                CheckpointState state = resume.get().state();
                if (!state.model().equals(config.model())) {
                    throw new SettingException("--preset", "run " + config.runId() + " trains " + state.model()
                            + " according to its checkpoints, not the " + config.preset() + " preset");
                }
                if (tokenizerVersion.isPresent() && !tokenizerVersion.get().equals(state.tokenizerVersion())) {
                    throw new SettingException("--tokenizer-version", "run " + config.runId()
                            + " is pinned to tokenizer version " + state.tokenizerVersion() + " by its checkpoints");
                }
                tokenizerVersion = Optional.of(state.tokenizerVersion());
                model = BeitPretrainingModel.forLoading(modelConfig, manager, DataType.FLOAT32);
                BeitWeights.loadAuthors(model, resume.get().model());
            } else {
                model = BeitPretrainingModel.create(modelConfig, manager, config.seed());
                if (config.initWeights().isPresent()) {
                    BeitWeights.loadAuthors(model, initialWeights(config.initWeights().get(), checkpoints, loading));
                    LOG.info("run {} starts from the weights of {}", config.runId(), config.initWeights().get());
                }
            }
            long step = resume.map(r -> r.state().step()).orElse(0L);
            MimTrainingStep training = new MimTrainingStep(model, config.optimization(), manager, step, devices);
            Optional<Map<Integer, Long>> offsets = resume.map(r -> r.state().offsets());
            String on = devices.stream().map(Device::toString).collect(Collectors.joining(", "));
            if (resume.isPresent()) {
                CheckpointState state = resume.get().state();
                training.optimizer().loadStateDict(resume.get().optimizer(), state.optimizerSteps());
                LOG.info("resumed run {} at step {} (tokenizer {}, offsets {}) on {}", config.runId(), step,
                        state.tokenizerVersion(), state.offsets(), on);
            } else {
                LOG.info("started run {} ({} preset, {} parameters) on {}", config.runId(), config.preset(),
                        model.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum(), on);
            }
            BatchAssembler assembler = new BatchAssembler(config, tokenizerVersion, offsets.orElse(Map.of()), step);
            return new Start(training, assembler, step, offsets,
                    resume.map(r -> OptionalLong.of(r.state().step())).orElse(OptionalLong.empty()), modelConfig);
        }
    }

    /**
     * The newest checkpoint of the run. When the object store cannot be reached, the checkpoints topic tells
     * whether the run has any: a new run starts at once (its checkpoints are uploaded once the store is back),
     * an existing one waits for the store, since starting it over would fork its history.
     */
    private Optional<Checkpoints.Loaded> newestCheckpoint(Checkpoints checkpoints, NDManager manager)
            throws IOException, InterruptedException {
        Duration delay = uploadBackoff.initial();
        boolean announced = false;
        while (true) {
            try {
                return checkpoints.loadNewest(manager);
            } catch (ObjectStoreException e) {
                if (!announced && !CheckpointAnnouncer.anyAnnounced(kafka, config.runId())) {
                    LOG.warn("object store unreachable ({}); run {} has no announced checkpoint, so it starts fresh "
                            + "and uploads its checkpoints once the store is back", e.getMessage(), config.runId());
                    return Optional.empty();
                }
                announced = true;
                LOG.warn("run {} has checkpoints but the object store is unreachable ({}); retrying in {}",
                        config.runId(), e.getMessage(), delay);
                Thread.sleep(delay.toMillis());
                delay = delay.multipliedBy(2).compareTo(uploadBackoff.max()) > 0 ? uploadBackoff.max() : delay.multipliedBy(2);
            }
        }
    }

    /** A local safetensors file, or the prefix of a published checkpoint in the object store. */
    private static Map<String, NDArray> initialWeights(String source, Checkpoints checkpoints, NDManager manager)
            throws IOException {
        if (source.startsWith("runs/")) {
            return checkpoints.modelOf(source, manager);
        }
        return Safetensors.read(Path.of(source), manager);
    }

    /** Where the training loop stopped. */
    private record End(long step, long skippedNonFinite) {
    }

    private End loop(Start start, MimTrainingStep training, Prefetcher prefetcher, MetricsPublisher metrics,
                         CheckpointUploader uploader, NDManager manager) throws InterruptedException {
        BeitConfig model = start.model();
        MetricsWindow window = new MetricsWindow(config.runId(),
                MimTrainingStep.flopsPerImage(model, config.maskedPatchesPerImage()).training(),
                () -> PeakFlops.measure(manager));
        long deadline = config.limits().maxDuration().isZero() ? Long.MAX_VALUE
                : System.nanoTime() + config.limits().maxDuration().toNanos();
        long step = start.step();
        long skippedNonFinite = 0;
        int consecutiveNonFinite = 0;
        long lastCheckpointNanos = System.nanoTime();
        long lastSnapshotStep = start.step();
        boolean checkpointDue = false;
        double waited = 0;
        Batch lastBatch = null;
        MimTrainingStep.Result lastResult = null;
        currentStep.set(step);
        while (!stopRequested && System.nanoTime() < deadline
                && (config.limits().maxSteps() == 0 || step < config.limits().maxSteps())) {
            heartbeat.beat();
            long waitStart = System.nanoTime();
            Optional<Batch> next = prefetcher.next(BATCH_POLL);
            waited += (System.nanoTime() - waitStart) / 1e9;
            if (next.isEmpty()) {
                continue;
            }
            Batch batch = next.get();
            MimTrainingStep.Result result = trainOn(batch, training, manager, model);
            currentStep.set(++step);
            window.add(result, batch, waited);
            waited = 0;
            lastBatch = batch;
            lastResult = result;
            if (result.skipped()) {
                skippedNonFinite++;
                if (++consecutiveNonFinite >= config.maxConsecutiveNonFinite()) {
                    // The last good checkpoint may still be on its way up: name it only once it is published.
                    uploader.close(FINAL_UPLOAD_WAIT);
                    throw new DivergedException("the loss was not finite for " + consecutiveNonFinite
                            + " consecutive steps (up to step " + step + "); training diverged. The newest "
                            + "checkpoint is the last good one"
                            + uploader.lastPublishedStep().stream().mapToObj(s -> " (step " + s + ")").findFirst().orElse("")
                            + ": resume from it with a lower --lr");
                }
            } else {
                consecutiveNonFinite = 0;
            }
            checkpointDue |= (config.checkpoints().everySteps() > 0 && step % config.checkpoints().everySteps() == 0)
                    || (!config.checkpoints().every().isZero()
                    && System.nanoTime() - lastCheckpointNanos >= config.checkpoints().every().toNanos());
            if (checkpointDue && snapshotIfHealthy(uploader, training, batch, result, step, model)) {
                checkpointDue = false;
                lastCheckpointNanos = System.nanoTime();
                lastSnapshotStep = step;
            }
            if (step % config.metricsEverySteps() == 0) {
                window.close(step, batch, skippedNonFinite).ifPresent(record -> {
                    lastWindow.set(record);
                    metrics.publish(config.runId(), record);
                    onMetrics.accept(record);
                });
            }
        }
        if (lastBatch != null && step != lastSnapshotStep) {
            snapshotIfHealthy(uploader, training, lastBatch, lastResult, step, model);
        }
        return new End(step, skippedNonFinite);
    }

    private static MimTrainingStep.Result trainOn(Batch batch, MimTrainingStep training, NDManager manager,
                                                  BeitConfig model) {
        // The batch's arrays live on a manager of their own, freed as soon as the step is done.
        try (NDManager batchManager = manager.newSubManager()) {
            NDArray images = batchManager.create(batch.images(),
                    new Shape(batch.size(), model.inChans(), model.imgSize(), model.imgSize()));
            NDArray mask = batchManager.create(batch.mask(), new Shape(batch.size(), model.numPatches()));
            NDArray labels = batchManager.create(batch.labels());
            return training.step(images, mask, labels);
        }
    }

    /**
     * Serialises a checkpoint to memory and hands it to the uploader, unless the last step was skipped or a
     * parameter is not finite: a diverged model must never replace the last good checkpoint.
     */
    private boolean snapshotIfHealthy(CheckpointUploader uploader, MimTrainingStep training, Batch batch,
                                      MimTrainingStep.Result result, long step, BeitConfig model) {
        if (result.skipped()) {
            LOG.warn("checkpoint of step {} postponed: the step was not finite", step);
            return false;
        }
        Map<String, NDArray> weights = BeitWeights.authors(training.model());
        if (!allFinite(training.model().parameters())) {
            LOG.warn("checkpoint of step {} postponed: a parameter is not finite", step);
            return false;
        }
        try {
            CheckpointState state = new CheckpointState(config.runId(), step, training.optimizer().stepCount(),
                    batch.tokenizerVersion(), batch.nextOffsets(), config.seed(), result.loss(), model,
                    config.toJson(), Instant.now());
            uploader.submit(new Checkpoints.Snapshot(state,
                    safetensors(weights, Map.of("format", "pt", "layout", "authors")),
                    safetensors(training.optimizer().stateDict(), Map.of("format", "beit-stream adamw"))));
            return true;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot serialise the checkpoint of step " + step, e);
        }
    }

    private static byte[] safetensors(Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Safetensors.write(out, tensors, metadata);
        return out.toByteArray();
    }

    private static boolean allFinite(Map<String, NDArray> parameters) {
        for (NDArray p : parameters.values()) {
            FloatBuffer values = p.toByteBuffer().asFloatBuffer();
            while (values.hasRemaining()) {
                if (!Float.isFinite(values.get())) {
                    return false;
                }
            }
        }
        return true;
    }
}
