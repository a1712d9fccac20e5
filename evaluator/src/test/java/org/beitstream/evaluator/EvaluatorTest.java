package org.beitstream.evaluator;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.FashionMnistSource;
import org.beitstream.ingest.source.MosaicSource;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.schemas.CheckpointAnnouncement;
import org.beitstream.schemas.Split;
import org.beitstream.schemas.Topics;
import org.beitstream.trainer.SyntheticImages;
import org.beitstream.trainer.Trainer;
import org.beitstream.trainer.TrainerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short pipeline run on the real embedded broker and S3 server: ingest puts labelled images and mosaics on
 * images.eval, the trainer trains four steps and announces two checkpoints, the evaluator scores them.
 */
class EvaluatorTest {
    private static final String RUN = "eval-run";
    private static final int TRAIN_IMAGES = 200;
    private static final int TEST_IMAGES = 100;
    private static final int MOSAICS = 60; // every fifth is a test mosaic: 48 train, 12 test
    /** 2 data sets x 2 metrics x (the checkpoint, random init, raw pixels). */
    private static final int PER_CHECKPOINT = 12;

    @TempDir
    Path dir;

    /**
     * Fashion-MNIST-shaped items whose class is their brightness (40 + 20·class, with noise), so that even a random
     * backbone's features carry the class, and the mosaics' items stand out from the dark canvas.
     */
    private static FashionMnist items(int count, long seed) {
        Random random = new Random(seed);
        byte[][] images = new byte[count][FashionMnist.SIDE * FashionMnist.SIDE];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 10;
            for (int p = 0; p < images[i].length; p++) {
                images[i][p] = (byte) (40 + 20 * labels[i] + random.nextInt(5));
            }
        }
        return new FashionMnist(images, labels);
    }

    /** Four steps, a checkpoint every two: two checkpoints of one architecture. */
    private static TrainerConfig fourSteps() {
        TrainerConfig d = TrainerConfig.defaults(RUN, "tiny", SyntheticImages.TINY);
        return new TrainerConfig(RUN, "tiny", SyntheticImages.TINY, Optional.empty(), 8,
                new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.CONSTANT, 1e-3, 0, 1),
                new TrainerConfig.Checkpointing(2, Duration.ZERO, 3), new TrainerConfig.Limits(4, Duration.ZERO),
                TrainerConfig.Replay.off(), 3, d.maskedPatchesPerImage(), 1, 5, Optional.empty(),
                TrainerConfig.Devices.AUTO);
    }

    @Test
    void eachCheckpointGetsItsMetricsWithBothReferencesOnceEvenWhenAnnouncedTwice() throws Exception {
        try (EmbeddedInfra infra = EmbeddedInfra.start(new EmbeddedInfra.Options(dir, 0, 0, "evaluator",
                "evaluator-secret", "beit-stream"));
             ObjectStore store = new ObjectStore(infra.s3())) {
            SyntheticImages.produce(infra.kafka(), SyntheticImages.TINY, "img", "v1", 32, 1); // 4 batches of 8
            new Trainer(fourSteps(), infra.kafka(), store, m -> { }).run();

            FashionMnist train = items(TRAIN_IMAGES, 1);
            FashionMnist test = items(TEST_IMAGES, 2);
            try (Ingest ingest = new Ingest(infra.kafka(), new ImageDecoder(ImageDecoder.Limits.defaults()), true)) {
                ingest.ingestAll(new FashionMnistSource(train, FashionMnist.Part.TRAIN, Split.TRAIN), -1);
                ingest.ingestAll(new FashionMnistSource(test, FashionMnist.Part.TEST, Split.TEST), -1);
                ingest.ingestAll(new MosaicSource(train, test, 40, MOSAICS, 7), -1);
            }

            EvaluatorConfig config = EvaluatorConfig.defaults().withLimits(1000, 1000);
            List<Evaluator.Outcome> outcomes = new ArrayList<>();
            assertEquals(2, new Evaluator(config, infra.kafka(), store, outcomes::add).run(true));
            assertEquals(List.of(Evaluator.Outcome.Kind.EVALUATED, Evaluator.Outcome.Kind.EVALUATED),
                    outcomes.stream().map(Evaluator.Outcome::kind).toList());

            List<ConsumerRecord<String, JsonNode>> metrics = KafkaRoundTrip.consume(infra.kafka(), Topics.METRICS_EVAL,
                    2 * PER_CHECKPOINT, Duration.ofSeconds(30));
            assertEquals(2 * PER_CHECKPOINT, metrics.size(),
                    "2 checkpoints x 2 data sets x 2 metrics x (checkpoint, random init, raw pixels): " + metrics);
            JsonSchema schema;
            try (InputStream in = EvaluatorTest.class.getResourceAsStream("/json-schema/metrics.eval.schema.json")) {
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            }
            for (ConsumerRecord<String, JsonNode> record : metrics) {
                JsonNode m = record.value();
                assertTrue(schema.validate(m).isEmpty(), () -> schema.validate(m).toString());
                assertEquals(RUN, m.get("runId").asText());
                // Every reference record is still a baseline for readers that predate "reference".
                assertEquals(m.has("reference"), m.get("baseline").asBoolean(), m.toString());
                double value = m.get("value").asDouble();
                assertTrue(value >= 0 && value <= 1, m.toString());
            }
            Map<Long, Map<String, JsonNode>> byStep = metrics.stream().collect(Collectors.groupingBy(
                    r -> r.value().get("step").asLong(), Collectors.toMap(
                            r -> r.value().get("metric").asText()
                                    + (r.value().has("reference") ? "/" + r.value().get("reference").asText() : ""),
                            ConsumerRecord::value)));
            assertEquals(Set.of(2L, 4L), byStep.keySet());
            Set<String> expected = new HashSet<>();
            for (String metric : List.of("linear_probe_accuracy", "knn_accuracy", "segmentation_miou",
                    "segmentation_pixel_accuracy")) {
                expected.addAll(List.of(metric, metric + "/random_init", metric + "/raw_pixels"));
            }
            assertEquals(expected, byStep.get(2L).keySet());
            assertEquals(expected, byStep.get(4L).keySet());
            for (String key : expected) {
                if (key.contains("/")) { // a reference does not depend on the checkpoint's weights
                    JsonNode first = byStep.get(2L).get(key);
                    JsonNode second = byStep.get(4L).get(key);
                    assertEquals(first.get("value").asDouble(), second.get("value").asDouble(), key);
                    assertEquals(first.get("dataset"), second.get("dataset"), key);
                    assertEquals(first.get("trainSamples"), second.get("trainSamples"), key);
                }
            }
            // Computed once each, for the first checkpoint; the second read them from the object store.
            assertEquals(1, new PublishedSets(store).list("eval/baselines/").size(), "one random-init baseline");
            assertEquals(1, new PublishedSets(store).list("eval/raw-pixels/").size(), "one raw-pixel reference");
            Map<String, JsonNode> byName = byStep.get(2L);
            JsonNode rawProbe = byName.get("linear_probe_accuracy/raw_pixels");
            assertEquals(TRAIN_IMAGES, rawProbe.get("trainSamples").asInt());
            assertEquals(TEST_IMAGES, rawProbe.get("testSamples").asInt());
            // Brightness is the class: the pixels themselves carry it.
            assertTrue(rawProbe.get("value").asDouble() > 0.5, rawProbe.toString());
            JsonNode probe = byName.get("linear_probe_accuracy");
            assertEquals("fashion-mnist", probe.get("dataset").asText());
            assertEquals(TRAIN_IMAGES, probe.get("trainSamples").asInt());
            assertEquals(TEST_IMAGES, probe.get("testSamples").asInt());
            // Brightness is the class: features that keep it give a probe far above chance (0.1).
            assertTrue(probe.get("value").asDouble() > 0.5, probe.toString());
            JsonNode miou = byName.get("segmentation_miou");
            assertEquals("mosaic", miou.get("dataset").asText());
            assertEquals(48, miou.get("trainSamples").asInt());
            assertEquals(12, miou.get("testSamples").asInt());
            assertTrue(byName.get("segmentation_pixel_accuracy").get("value").asDouble() > 0.3);

            // The same checkpoint announced again: passed over, nothing new on metrics.eval.
            List<ConsumerRecord<String, CheckpointAnnouncement>> announced = KafkaRoundTrip.consume(infra.kafka(),
                    Topics.CHECKPOINTS, 2, Duration.ofSeconds(30));
            KafkaRoundTrip.produce(infra.kafka(), Topics.CHECKPOINTS, List.of(new ProducerRecord<>(
                    Topics.CHECKPOINTS.name(), announced.get(0).key(), announced.get(0).value())));
            outcomes.clear();
            assertEquals(0, new Evaluator(config, infra.kafka(), store, outcomes::add).run(true));
            assertEquals(List.of(Evaluator.Outcome.Kind.ALREADY_EVALUATED),
                    outcomes.stream().map(Evaluator.Outcome::kind).toList(),
                    "the announcements' offsets were committed with their metrics; only the repeated one is read");
            assertEquals(2 * PER_CHECKPOINT, KafkaRoundTrip.consume(infra.kafka(), Topics.METRICS_EVAL,
                    2 * PER_CHECKPOINT + 1, Duration.ofSeconds(3)).size());
        }
    }
}
