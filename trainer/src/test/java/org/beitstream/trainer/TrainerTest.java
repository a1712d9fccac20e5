package org.beitstream.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedKafka;
import org.beitstream.runtime.embedded.EmbeddedObjectStore;
import org.beitstream.runtime.kafka.TopicAdmin;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.schemas.CheckpointAnnouncement;
import org.beitstream.schemas.CheckpointLayout;
import org.beitstream.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer against a real broker and a real S3 server, in this JVM. */
class TrainerTest {
    private static final int IMAGES = 600;
    private static final int BATCH = 8;
    private static final CheckpointUploader.Backoff FAST_RETRY =
            new CheckpointUploader.Backoff(Duration.ofMillis(200), Duration.ofSeconds(1));

    @TempDir
    static Path shared;
    @TempDir
    Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startBrokerWithImages() throws Exception {
        kafka = EmbeddedKafka.start(shared.resolve("kafka"));
        TopicAdmin.ensureTopics(kafka.settings(), Topics.ALL, Optional.empty());
        SyntheticImages.produce(kafka.settings(), SyntheticImages.TINY, "img", "v1", IMAGES, 1);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static TrainerConfig config(String runId, double lr, long maxSteps, long checkpointEvery, int keep,
                                        int maxNonFinite) {
        TrainerConfig d = TrainerConfig.defaults(runId, "tiny", SyntheticImages.TINY);
        return new TrainerConfig(runId, "tiny", SyntheticImages.TINY, Optional.empty(), BATCH,
                new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.CONSTANT, lr, 0, 1),
                new TrainerConfig.Checkpointing(checkpointEvery, Duration.ZERO, keep),
                new TrainerConfig.Limits(maxSteps, Duration.ZERO), TrainerConfig.Replay.off(), 3,
                d.maskedPatchesPerImage(), 2, maxNonFinite, Optional.empty(), TrainerConfig.Devices.AUTO);
    }

    private static ObjectStore bucket(EmbeddedObjectStore s3) throws Exception {
        ObjectStore store = new ObjectStore(s3.settings("trainer"));
        store.ensureBucket();
        return store;
    }

    private static long steps(PublishedSets.Manifest manifest) {
        return Long.parseLong(manifest.metadata().get("step"));
    }

    private static long sum(Map<Integer, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void checkpointsCarryTheOffsetsAndAResumedRunContinuesStepsScheduleAndStream() throws Exception {
        try (EmbeddedObjectStore s3 = EmbeddedObjectStore.start(dir);
             ObjectStore store = bucket(s3);
             NDManager manager = NDManager.newBaseManager()) {
            Trainer.Outcome first = new Trainer(config("resume", 1e-3, 6, 3, 2, 5), kafka.settings(), store,
                    m -> { }).run();
            assertEquals(6, first.lastStep());
            assertEquals(6, first.lastCheckpoint().orElseThrow());
            assertTrue(first.resumedFrom().isEmpty());

            Checkpoints checkpoints = new Checkpoints(store, "resume");
            CheckpointState atSix = checkpoints.loadNewest(manager).orElseThrow().state();
            assertEquals(6, atSix.step());
            assertEquals("v1", atSix.tokenizerVersion());
            assertEquals(Topics.IMAGES_TOKENIZED.partitions(), atSix.offsets().size(), "every partition is stored");
            assertEquals(6 * BATCH, sum(atSix.offsets()), "exactly the records of six batches were read");

            Trainer.Outcome second = new Trainer(config("resume", 1e-3, 12, 3, 2, 5), kafka.settings(), store,
                    m -> { }).run();
            assertEquals(6, second.resumedFrom().orElseThrow());
            assertEquals(12, second.lastStep());
            Checkpoints.Loaded atTwelve = checkpoints.loadNewest(manager).orElseThrow();
            assertEquals(12 * BATCH, sum(atTwelve.state().offsets()),
                    "the resumed run read on from the stored offsets: nothing twice, nothing skipped");
            assertEquals(12, atTwelve.state().optimizerSteps());
            assertEquals(List.of(9L, 12L), checkpoints.list().stream().map(TrainerTest::steps).toList(),
                    "retention keeps the newest two");
            assertEquals(List.of(), store.list(CheckpointLayout.prefix("resume", 3)), "older checkpoints are removed");

            List<ConsumerRecord<String, CheckpointAnnouncement>> announced = KafkaRoundTrip.consume(kafka.settings(),
                    Topics.CHECKPOINTS, r -> r.key().startsWith("resume/"), 4, Duration.ofSeconds(30));
            assertEquals(List.of(3L, 6L, 9L, 12L), announced.stream().map(r -> r.value().getStep()).toList());
            assertEquals(atTwelve.state().offsets().get(0), announced.get(3).value().getOffsets().get(0).getOffset());

            JsonSchema schema;
            try (InputStream in = TrainerTest.class.getResourceAsStream("/json-schema/metrics.train.schema.json")) {
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            }
            List<ConsumerRecord<String, JsonNode>> metrics = KafkaRoundTrip.consume(kafka.settings(),
                    Topics.METRICS_TRAIN, r -> r.key().equals("resume"), 6, Duration.ofSeconds(30));
            assertEquals(List.of(2L, 4L, 6L, 8L, 10L, 12L), metrics.stream().map(r -> r.value().get("step").asLong()).toList(),
                    "the resumed run continues the step count");
            for (ConsumerRecord<String, JsonNode> record : metrics) {
                assertTrue(schema.validate(record.value()).isEmpty(), () -> schema.validate(record.value()).toString());
                assertTrue(record.value().get("modelFlopsUtilization").asDouble() > 0);
            }
        }
    }

    @Test
    void trainingGoesOnWhileTheObjectStoreIsDownAndTheCheckpointAppearsWhenItReturns() throws Exception {
        EmbeddedObjectStore s3 = EmbeddedObjectStore.start(dir);
        int port = s3.endpoint().getPort();
        try (ObjectStore store = bucket(s3)) {
            s3.close(); // down before the trainer starts
            AtomicLong reachedStep = new AtomicLong();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            CompletableFuture<Trainer.Outcome> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Trainer(config("outage", 1e-3, 40, 5, 3, 5), kafka.settings(), store,
                            m -> reachedStep.set(m.step()), meters, FAST_RETRY).run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await("training while the store is down", Duration.ofSeconds(90), () -> reachedStep.get() >= 20 || run.isDone());
            assertFalse(run.isDone(), "the trainer must not stop while the store is down");

            try (EmbeddedObjectStore restarted = EmbeddedObjectStore.start(dir, port,
                    EmbeddedObjectStore.DEFAULT_ACCESS_KEY, EmbeddedObjectStore.DEFAULT_SECRET_KEY)) {
                Checkpoints checkpoints = new Checkpoints(store, "outage");
                await("a checkpoint after the store came back", Duration.ofSeconds(60), () -> {
                    try {
                        return !checkpoints.list().isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });
                Trainer.Outcome outcome = run.get(120, TimeUnit.SECONDS);
                assertEquals(40, outcome.lastCheckpoint().orElseThrow(), "the final checkpoint is uploaded");
                // What an operator would have seen: failed attempts during the outage, then published checkpoints.
                assertTrue(meters.get("trainer.checkpoint.uploads.failed").counter().count() >= 1);
                assertTrue(meters.get("trainer.checkpoints.published").counter().count() >= 1);
                assertEquals(40, meters.get("trainer.step").gauge().value());
                assertTrue(Double.isFinite(meters.get("trainer.loss").gauge().value()));
                PublishedSets sets = new PublishedSets(store);
                for (PublishedSets.Manifest manifest : checkpoints.list()) {
                    for (String part : List.of(CheckpointLayout.MODEL, CheckpointLayout.OPTIMIZER, CheckpointLayout.STATE)) {
                        sets.readVerified(manifest, part); // complete and intact
                    }
                }
            }
        }
    }

    @Test
    void aBrokerRestartMidRunIsSurvived() throws Exception {
        Path brokerDir = dir.resolve("own-broker");
        EmbeddedKafka broker = EmbeddedKafka.start(brokerDir);
        int port = Integer.parseInt(broker.bootstrapServers().substring(broker.bootstrapServers().lastIndexOf(':') + 1));
        TopicAdmin.ensureTopics(broker.settings(), Topics.ALL, Optional.empty());
        SyntheticImages.produce(broker.settings(), SyntheticImages.TINY, "img", "v1", IMAGES, 1);
        try (EmbeddedObjectStore s3 = EmbeddedObjectStore.start(dir);
             ObjectStore store = bucket(s3)) {
            AtomicLong reachedStep = new AtomicLong();
            CompletableFuture<Trainer.Outcome> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Trainer(config("broker-restart", 1e-3, 30, 5, 3, 5), broker.settings(), store,
                            m -> reachedStep.set(m.step()), new SimpleMeterRegistry(), FAST_RETRY).run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await("training before the restart", Duration.ofSeconds(90), () -> reachedStep.get() >= 6 || run.isDone());
            assertFalse(run.isDone(), "the run must still be going when the broker goes down");
            broker.close();
            try (EmbeddedKafka restarted = EmbeddedKafka.start(brokerDir, port);
                 NDManager manager = NDManager.newBaseManager()) {
                Trainer.Outcome outcome = run.get(180, TimeUnit.SECONDS);
                assertEquals(30, outcome.lastStep(), "the run reaches its last step across the restart");
                assertEquals(30, outcome.lastCheckpoint().orElseThrow());
                assertEquals(30 * BATCH, sum(new Checkpoints(store, "broker-restart").loadNewest(manager)
                        .orElseThrow().state().offsets()), "every image was read once, none twice, across the restart");
            }
        }
    }

    @Test
    void aDivergingRunStopsWithAClearErrorAndKeepsItsLastGoodCheckpoint() throws Exception {
        try (EmbeddedObjectStore s3 = EmbeddedObjectStore.start(dir);
             ObjectStore store = bucket(s3);
             NDManager manager = NDManager.newBaseManager()) {
            Trainer trainer = new Trainer(config("diverge", 1e30, 50, 1, 3, 4), kafka.settings(), store, m -> { });
            Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class, trainer::run);
            assertTrue(e.getMessage().contains("not finite for 4 consecutive steps"), e.getMessage());

            Checkpoints.Loaded newest = new Checkpoints(store, "diverge").loadNewest(manager).orElseThrow();
            assertTrue(Double.isFinite(newest.state().loss()), "the newest checkpoint comes from a finite step");
            assertTrue(e.getMessage().contains("(step " + newest.state().step() + ")"), e.getMessage());
            for (Map.Entry<String, NDArray> tensor : newest.model().entrySet()) {
                if (tensor.getValue().getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
                    FloatBuffer values = tensor.getValue().toByteBuffer().asFloatBuffer();
                    while (values.hasRemaining()) {
                        assertTrue(Float.isFinite(values.get()), tensor.getKey() + " is not finite");
                    }
                }
            }
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            synchronized (condition) {
                condition.wait(100);
            }
        }
    }
}
