package org.beitstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.trainer.SyntheticImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trainer killed with SIGKILL after a checkpoint resumes, in a new JVM, from that checkpoint's step and
 * stream offsets: it trains on from exactly where the checkpoint says, so no record is trained twice. The resumed
 * one serves its operator endpoints, which show the work it did.
 */
class TrainerFailoverTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 8;
    private static final String RUN = "killed";
    private static final String CHECKPOINTS = "runs/" + RUN + "/checkpoints/";

    @TempDir
    Path dir;

    @Test
    void aKilledTrainerResumesAtItsNewestCheckpointsStepAndOffsets() throws Exception {
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir.resolve("infra"), "failover"));
             ObjectStore store = new ObjectStore(infra.s3())) {
            SyntheticImages.produce(infra.kafka(), BeitConfig.FMNIST_TINY, "fm", "v1", 4000, 11);
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP", infra.kafka().bootstrapServers(),
                    "S3_ENDPOINT", infra.s3().endpoint().toString(), "S3_ACCESS_KEY", infra.s3().accessKey(),
                    "S3_SECRET_KEY", infra.s3().secretKey(), "S3_BUCKET", infra.s3().bucket());
            String[] trainer = {"trainer", "--run-id", RUN, "--preset", "fmnist-tiny", "--batch-size",
                    Integer.toString(BATCH), "--warmup-steps", "0", "--lr", "1e-3", "--checkpoint-every-steps", "5",
                    "--checkpoint-every-minutes", "0", "--keep-checkpoints", "10", "--metrics-every-steps", "5"};
            PublishedSets sets = new PublishedSets(store);

            Path firstLog = dir.resolve("first.log");
            Process first = ChildProcess.start(env, firstLog, trainer);
            try {
                ChildProcess.await("a first checkpoint", Duration.ofSeconds(180), () -> !checkpoints(sets).isEmpty(), firstLog);
            } finally {
                first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no final checkpoint
            }
            PublishedSets.Manifest newest = checkpoints(sets).get(checkpoints(sets).size() - 1);
            JsonNode state = JSON.readTree(sets.readVerified(newest, "state.json"));
            long step = state.get("step").asLong();
            Map<Integer, Long> offsets = offsets(state);

            Path secondLog = dir.resolve("second.log");
            Map<String, String> withOpsPort = new HashMap<>(env);
            withOpsPort.put("OPS_PORT", "0"); // any free port; the trainer says which
            Process second = ChildProcess.start(withOpsPort, secondLog, trainer);
            try {
                ChildProcess.await("the resumed run's next checkpoint", Duration.ofSeconds(180), () -> checkpoints(sets).stream()
                        .anyMatch(m -> Long.parseLong(m.metadata().get("step")) > step), secondLog);
                String log = ChildProcess.output(secondLog);
                assertTrue(log.contains("resumed run " + RUN + " at step " + step + " "), log);
                Matcher consuming = Pattern.compile("consuming images.tokenized from offsets \\{([^}]*)}").matcher(log);
                assertTrue(consuming.find(), log);
                assertEquals(offsets, parse(consuming.group(1)), "the resumed consumer starts at the stored offsets");

                PublishedSets.Manifest later = checkpoints(sets).stream()
                        .filter(m -> Long.parseLong(m.metadata().get("step")) > step).findFirst().orElseThrow();
                JsonNode laterState = JSON.readTree(sets.readVerified(later, "state.json"));
                long trained = laterState.get("step").asLong() - step;
                assertEquals(trained * BATCH, sum(offsets(laterState)) - sum(offsets),
                        "each record after the checkpoint is trained once, none before it again");

                assertOpsEndpointsShowTheResumedWork(ChildProcess.output(secondLog), step);
            } finally {
                second.destroy();
                second.waitFor();
            }
        }
    }

    /** What an operator scraping the resumed trainer sees: its own counters moved by its work, and UP. */
    private static void assertOpsEndpointsShowTheResumedWork(String log, long resumedAt) throws Exception {
        Matcher listening = Pattern.compile("trainer: metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(log);
        assertTrue(listening.find(), log);
        String ops = "http://127.0.0.1:" + listening.group(1);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(ops + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(meter(metrics.body(), "trainer_checkpoints_published_total") >= 1, metrics.body());
        assertTrue(meter(metrics.body(), "trainer_step") > resumedAt, metrics.body());
        assertTrue(metrics.body().contains("kafka_consumer_fetch_manager_records_consumed_total{"),
                "the consumer's own metrics are bound");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(ops + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("UP", JSON.readTree(health.body()).at("/checks/training-loop/status").asText(), health.body());
    }

    /** The value of the one series of {@code name} (with this run's and service's tags) in Prometheus text. */
    private static double meter(String prometheusText, String name) {
        Matcher series = Pattern.compile("(?m)^" + name + "\\{[^}]*run=\"" + RUN + "\"[^}]*} (\\S+)$").matcher(prometheusText);
        assertTrue(series.find(), name + " is not exposed");
        return Double.parseDouble(series.group(1));
    }

    private static List<PublishedSets.Manifest> checkpoints(PublishedSets sets) {
        try {
            return sets.list(CHECKPOINTS);
        } catch (Exception e) {
            return List.of();
        }
    }

    private static Map<Integer, Long> offsets(JsonNode state) {
        Map<Integer, Long> offsets = new TreeMap<>();
        state.get("offsets").forEach(o -> offsets.put(o.get("partition").asInt(), o.get("offset").asLong()));
        return offsets;
    }

    private static Map<Integer, Long> parse(String text) {
        Map<Integer, Long> offsets = new TreeMap<>();
        for (String entry : text.split(",\\s*")) {
            String[] kv = entry.split("=");
            offsets.put(Integer.parseInt(kv[0].trim()), Long.parseLong(kv[1].trim()));
        }
        return offsets;
    }

    private static long sum(Map<Integer, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }
}
