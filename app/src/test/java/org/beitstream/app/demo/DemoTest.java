package org.beitstream.app.demo;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.beitstream.evaluator.Metric;
import org.beitstream.evaluator.Reference;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.Topics;
import org.beitstream.schemas.CheckpointLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shortest demo, end to end on the real embedded broker and S3 server, as {@code ./beit-stream demo} runs it. */
class DemoTest {

    @Test
    void aTwoMinuteDemoEvaluatesACheckpointWithBothProbesAndKeepsItsData(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Demo demo = new Demo(new Demo.Options(DemoPlan.forMinutes(2), dir, FashionMnist.DEBIAN_PATH, "fmnist-tiny",
                OptionalInt.of(0)),
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        DemoSummary summary = demo.run();
        String log = progress.toString(StandardCharsets.UTF_8);

        assertTrue(log.contains("demo: live dashboard at http://127.0.0.1:"), log);
        assertTrue(summary.fashionMnist(), "CI installs dataset-fashion-mnist; the demo should have found it");
        assertFalse(summary.stopped());
        assertTrue(summary.steps() > 0, log);
        assertTrue(summary.lastEvaluation().isPresent(), "no checkpoint evaluated:\n" + log);
        long step = summary.lastEvaluation().get().step();
        assertEquals(summary.steps(), step, "the evaluated checkpoint is the final one");
        for (Metric metric : List.of(Metric.LINEAR_PROBE_ACCURACY, Metric.SEGMENTATION_MIOU)) {
            List<Optional<Double>> scores = List.of(summary.score(metric),
                    summary.score(metric, Reference.RANDOM_INIT), summary.score(metric, Reference.RAW_PIXELS));
            for (Optional<Double> score : scores) {
                double value = score.orElseThrow(() -> new AssertionError(metric + " missing: " + scores));
                assertTrue(value > 0 && value <= 1, metric + " = " + value);
            }
        }
        // Every trained image was tokenized first, and nothing is tokenized that was not streamed.
        assertTrue(summary.imagesTokenized() >= summary.steps() * 64, summary.render());
        assertTrue(summary.imagesTokenized() <= summary.imagesStreamed(), summary.render());
        String table = summary.render();
        assertTrue(table.contains("linear probe accuracy, fashion-mnist"), table);
        assertTrue(table.contains("segmentation mIoU, mosaic"), table);
        assertTrue(table.contains(String.format(Locale.ROOT, "%.3f",
                summary.score(Metric.KNN_ACCURACY, Reference.RAW_PIXELS).orElseThrow())), table);
        assertTrue(table.contains("published: logistic regression on all 60,000 training images: 0.842"), table);
        assertTrue(table.contains(CheckpointLayout.prefix(summary.runId(), step)), table);

        // The data directory serves the run again: its checkpoint and its metrics.eval records are there.
        try (EmbeddedInfra again = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir, "beit-stream"));
             ObjectStore store = new ObjectStore(again.s3())) {
            String checkpoint = CheckpointLayout.prefix(summary.runId(), step) + "MANIFEST.json";
            assertTrue(store.stat(checkpoint).isPresent(), checkpoint + " is not in the object store");
            List<ConsumerRecord<String, JsonNode>> metrics = KafkaRoundTrip.consume(again.kafka(), Topics.METRICS_EVAL,
                    r -> r.value().get("runId").asText().equals(summary.runId()) && r.value().get("step").asLong() == step,
                    12, Duration.ofSeconds(30));
            Set<String> published = metrics.stream()
                    .map(r -> r.value().get("metric").asText()
                            + (r.value().has("reference") ? "/" + r.value().get("reference").asText() : ""))
                    .collect(Collectors.toSet());
            Set<String> expected = new HashSet<>();
            for (Metric metric : Metric.values()) {
                expected.addAll(List.of(metric.wireName(), metric.wireName() + "/random_init",
                        metric.wireName() + "/raw_pixels"));
            }
            assertEquals(expected, published);
            assertEquals(12, metrics.size(), "each metric of the checkpoint and of both references once");
        }
    }
}
