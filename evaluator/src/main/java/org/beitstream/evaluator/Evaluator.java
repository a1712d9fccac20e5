package org.beitstream.evaluator;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.metrics.MetricsPublisher;
import org.beitstream.runtime.ops.Health;
import org.beitstream.runtime.ops.Heartbeat;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.ObjectStoreException;
import org.beitstream.schemas.CheckpointAnnouncement;
import org.beitstream.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The evaluator service: follows the checkpoints topic and evaluates every announced checkpoint once.
 *
 * <p>For each announcement: bring the evaluation set up to date from images.eval, load the backbone frozen, score
 * it (linear probe and k-NN on classification sets, the patch-token probe on segmentation sets), take the two
 * references scored by the same probes on the same images (each cached, see {@link Baselines}): the
 * random-initialisation baseline of the same architecture and the raw pixels of its input, and publish all of
 * them to metrics.eval. The metrics and the consumer's offset past the announcement are committed in one Kafka
 * transaction: after a crash the checkpoint is either evaluated and passed, or neither, never reported twice. A
 * checkpoint announced again (its metrics already on metrics.eval) is passed without evaluation.
 *
 * <p>One evaluator per group: a second one with the same transactional id fences the first.
 */
public final class Evaluator {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    private static final Duration POLL = Duration.ofMillis(500);
    /** An evaluation may take long (a base model on a CPU); the consumer must not be thought dead meanwhile. */
    private static final Duration MAX_EVALUATION = Duration.ofHours(2);

    /** What one announcement led to, for the command's progress lines and for tests. */
    public record Outcome(String checkpoint, Kind kind, List<EvalMetrics> published) {
        public enum Kind { EVALUATED, ALREADY_EVALUATED, CHECKPOINT_GONE, DAMAGED }
    }

    private final EvaluatorConfig config;
    private final KafkaSettings kafka;
    private final CheckpointReader checkpoints;
    private final Baselines baselines;
    private final BackboneEvaluation evaluation;
    private final Consumer<Outcome> onOutcome;
    private final MeterRegistry registry;
    private final Map<Outcome.Kind, Counter> handled = new EnumMap<>(Outcome.Kind.class);
    /** The loop turns between evaluations; one evaluation may take as long as the consumer is allowed to. */
    private final Heartbeat heartbeat = new Heartbeat("evaluation loop", MAX_EVALUATION);
    private volatile boolean stopRequested;

    /** An evaluator without operator meters (an empty composite registry keeps none): for tests. */
    public Evaluator(EvaluatorConfig config, KafkaSettings kafka, ObjectStore store, Consumer<Outcome> onOutcome) {
        this(config, kafka, store, onOutcome, new CompositeMeterRegistry());
    }

    /** @param registry receives the operator meters: checkpoints handled by outcome, the Kafka clients' metrics */
    public Evaluator(EvaluatorConfig config, KafkaSettings kafka, ObjectStore store, Consumer<Outcome> onOutcome,
                     MeterRegistry registry) {
        this.config = config;
        this.kafka = kafka;
        this.checkpoints = new CheckpointReader(store);
        this.baselines = new Baselines(store);
        this.evaluation = new BackboneEvaluation(config);
        this.onOutcome = onOutcome;
        this.registry = registry;
        for (Outcome.Kind kind : Outcome.Kind.values()) {
            handled.put(kind, Counter.builder("evaluator.checkpoints").tag("outcome", kind.name().toLowerCase(Locale.ROOT))
                    .description("Announced checkpoints handled, by outcome").register(registry));
        }
    }

    /** Up while the evaluation loop turns (between evaluations, or waiting for announcements). */
    public Health health() {
        return heartbeat.check();
    }

    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Evaluates announced checkpoints until stopped, or, with {@code once}, until the announcements that were on
     * the topic when it started are all handled.
     *
     * @return how many checkpoints were evaluated
     */
    public int run(boolean once) throws IOException {
        Set<CheckpointKey> evaluated = EvaluatedCheckpoints.read(kafka);
        int count = 0;
        try (EvalImages images = new EvalImages(kafka);
             KafkaConsumer<String, CheckpointAnnouncement> consumer = announcements();
             KafkaProducer<String, JsonNode> producer = transactionalProducer();
             KafkaClientMetrics consumerMeters = new KafkaClientMetrics(consumer);
             KafkaClientMetrics producerMeters = new KafkaClientMetrics(producer)) {
            consumerMeters.bindTo(registry);
            producerMeters.bindTo(registry);
            producer.initTransactions();
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHECKPOINTS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            resumeFromCommitted(consumer, partitions);
            Map<TopicPartition, Long> endAtStart = consumer.endOffsets(partitions);
            images.refresh();
            LOG.info("evaluation set: {} images; {} checkpoints evaluated before", images.size(), evaluated.size());
            while (!stopRequested && !(once && partitions.stream()
                    .allMatch(p -> consumer.position(p) >= endAtStart.get(p)))) {
                heartbeat.beat();
                for (ConsumerRecord<String, CheckpointAnnouncement> record : consumer.poll(POLL)) {
                    Outcome outcome = handle(record.value(), evaluated, images);
                    commit(producer, consumer, record, outcome.published());
                    handled.get(outcome.kind()).increment();
                    if (outcome.kind() == Outcome.Kind.EVALUATED) {
                        evaluated.add(new CheckpointKey(record.value().getRunId(), record.value().getStep()));
                        count++;
                    }
                    onOutcome.accept(outcome);
                }
            }
        } finally {
            heartbeat.end();
        }
        return count;
    }

    private Outcome handle(CheckpointAnnouncement announcement, Set<CheckpointKey> evaluated, EvalImages images)
            throws IOException {
        CheckpointKey key = new CheckpointKey(announcement.getRunId(), announcement.getStep());
        if (evaluated.contains(key)) {
            return new Outcome(key.toString(), Outcome.Kind.ALREADY_EVALUATED, List.of());
        }
        images.refresh();
        try (NDManager manager = NDManager.newBaseManager()) {
            Optional<BeitPretrainingModel> backbone = checkpoints.load(announcement, manager);
            if (backbone.isEmpty()) {
                LOG.warn("checkpoint {} is no longer in the object store (retention?): not evaluated", key);
                return new Outcome(key.toString(), Outcome.Kind.CHECKPOINT_GONE, List.of());
            }
            return new Outcome(key.toString(), Outcome.Kind.EVALUATED,
                    evaluate(key, backbone.get(), images, manager));
        } catch (ObjectStoreException e) {
            throw e; // the store is unreachable: stop, and evaluate it after the restart
        } catch (IOException e) {
            LOG.warn("checkpoint {} cannot be read, not evaluated: {}", key, e.getMessage());
            return new Outcome(key.toString(), Outcome.Kind.DAMAGED, List.of());
        }
    }

    private List<EvalMetrics> evaluate(CheckpointKey key, BeitPretrainingModel backbone, EvalImages images,
                                       NDManager manager) throws IOException {
        BeitConfig architecture = backbone.config();
        List<EvalDataset> datasets = images.datasets(config.maxTrain(), config.maxTest());
        if (datasets.isEmpty()) {
            LOG.warn("images.eval holds no data set with both TRAIN and TEST images: {} is scored on nothing", key);
        }
        ModelInputs inputs = new ModelInputs(architecture);
        List<PreparedDataset> prepared = datasets.stream().map(d -> PreparedDataset.of(d, inputs)).toList();
        List<Score> scores = evaluation.score(new FeatureExtractor(backbone, config.batchSize()), prepared, manager);
        List<Score> randomInit = baselines.randomInit(architecture, config, datasets, () -> {
            try (NDManager baselineManager = manager.newSubManager()) {
                BeitPretrainingModel random = BeitPretrainingModel.create(architecture, baselineManager,
                        config.baselineSeed());
                return evaluation.score(new FeatureExtractor(random, config.batchSize()), prepared, baselineManager);
            }
        });
        List<Score> rawPixels = List.of();
        if (RawPixels.fitsAProbe(architecture)) {
            rawPixels = baselines.rawPixels(architecture, config, datasets, () -> {
                try (NDManager rawManager = manager.newSubManager()) {
                    return evaluation.score(new RawPixels(architecture, config.batchSize()), prepared, rawManager);
                }
            });
        } else {
            LOG.info("no raw-pixel reference for {}: {} values per image are too many for a probe on pixels (at most {})",
                    key, RawPixels.valuesPerImage(architecture), RawPixels.MAX_VALUES_PER_IMAGE);
        }
        Instant now = Instant.now();
        List<EvalMetrics> metrics = new ArrayList<>();
        scores.forEach(s -> metrics.add(EvalMetrics.of(key, s, now)));
        randomInit.forEach(s -> metrics.add(EvalMetrics.of(key, Reference.RANDOM_INIT, s, now)));
        rawPixels.forEach(s -> metrics.add(EvalMetrics.of(key, Reference.RAW_PIXELS, s, now)));
        return metrics;
    }

    /** The metrics and the offset past {@code record}, atomically. */
    private void commit(KafkaProducer<String, JsonNode> producer, KafkaConsumer<?, ?> consumer,
                        ConsumerRecord<String, CheckpointAnnouncement> record, List<EvalMetrics> metrics) {
        producer.beginTransaction();
        for (EvalMetrics m : metrics) {
            producer.send(new ProducerRecord<>(Topics.METRICS_EVAL.name(), record.key(), MetricsPublisher.toJson(m)));
        }
        producer.sendOffsetsToTransaction(
                Map.of(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1)),
                consumer.groupMetadata());
        producer.commitTransaction();
    }

    private KafkaConsumer<String, CheckpointAnnouncement> announcements() {
        var props = kafka.clientProperties("beit-stream-evaluator");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1"); // one evaluation per poll
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(MAX_EVALUATION.toMillis()));
        return new KafkaConsumer<>(props, Topics.CHECKPOINTS.keySerde().deserializer(),
                Topics.CHECKPOINTS.valueSerde().deserializer());
    }

    private KafkaProducer<String, JsonNode> transactionalProducer() {
        var props = kafka.clientProperties("beit-stream-evaluator-metrics");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.groupId());
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        return new KafkaProducer<>(props, Topics.METRICS_EVAL.keySerde().serializer(),
                Topics.METRICS_EVAL.valueSerde().serializer());
    }

    /** Where the group left off (the offsets committed with the last metrics), else the topic's start. */
    private static void resumeFromCommitted(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset != null) {
                consumer.seek(partition, offset);
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
    }
}
