package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.evaluator.EvalMetrics;
import org.beitstream.evaluator.Evaluator;
import org.beitstream.evaluator.EvaluatorConfig;
import org.beitstream.evaluator.Metric;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.FashionMnistSource;
import org.beitstream.ingest.source.SyntheticSource;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.metrics.MetricsPublisher;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.Split;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.training.TeacherSpec;
import org.beitstream.tokenizer.training.TokenizerTrainer;
import org.beitstream.tokenizer.training.TrainingSettings;
import org.beitstream.tokenizer.worker.TokenizerWorker;
import org.beitstream.tokenizer.worker.WorkerConfig;
import org.beitstream.tokenizer.worker.WorkerMetrics;
import org.beitstream.trainer.TrainMetrics;
import org.beitstream.trainer.Trainer;
import org.beitstream.trainer.TrainerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real headless Chromium, fed by a short real run on the embedded broker and S3 server: ingest
 * writes images, a tokenizer is trained on them and published, the worker tokenizes them, the trainer trains a
 * small model and checkpoints it, the evaluator scores the checkpoint against its baseline. The page, open from
 * the start, must show all of it as published; reloaded, the same from its snapshot; then a new record, live.
 */
class DashboardBrowserTest {
    private static final String RUN = "dash-run";
    private static final String TOKENIZER = "tok-dash";
    private static final String WORKER = "dash-worker";
    private static final int BATCH = 8;
    private static final int STEPS = 6;
    /** Tokenized in two metrics windows of the worker, so codebook usage over time has two serving points. */
    private static final int FIRST_IMAGES = 48;
    private static final int SECOND_IMAGES = 16;
    /** A 7x7 grid over 28x28 grey images with the tokenizer's 1024 codes, small enough for a few quick steps. */
    private static final BeitConfig MODEL = new BeitConfig(28, 4, 1, 32, 2, 2, 2.0, 1, 1, 1024, 0.1,
            true, false, false, true, 0.02);
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void thePageFollowsARealRunLiveShowsItsHistoryWhenOpenedAfterAndTakesNewRecords() throws Exception {
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir.resolve("infra"), "dashboard"));
             ObjectStore store = new ObjectStore(infra.s3());
             Dashboard dashboard = Dashboard.start(DashboardConfig.of("127.0.0.1", 0), infra.kafka());
             HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("chromium-profile"), 1440, 1000)) {
            chromium.driver().get(dashboard.url().toString());
            waitFor(chromium, "the empty state", () -> "live".equals(attribute(chromium, "#status", "data-state"))
                    && "0".equals(attribute(chromium, "#chart-loss", "data-points")));
            assertTrue(text(chromium, "#chart-loss").contains("no metrics.train records yet"));
            assertTrue(text(chromium, "#images").contains("No tokenized image yet"));

            // The run, while the page is open: every record reaches it as an event.
            ingestStreamImages(infra, 0, FIRST_IMAGES);
            ingestEvaluationImages(infra);
            new TokenizerTrainer(infra.kafka(), store, Clock.systemUTC()).train(new TrainingSettings(
                    TrainingSettings.STREAM, Path.of("/nonexistent"), "fmnist-tiny", new TeacherSpec.Hog(), 4,
                    Duration.ZERO, -1, BATCH, 1e-3, 3, 2, TOKENIZER, 2));
            tokenize(infra, store);
            List<TrainMetrics> trained = new ArrayList<>();
            new Trainer(trainerConfig(), infra.kafka(), store, trained::add).run();
            List<EvalMetrics> scores = new ArrayList<>();
            new Evaluator(EvaluatorConfig.defaults().withLimits(200, 100), infra.kafka(), store,
                    outcome -> scores.addAll(outcome.published())).run(true);
            assertEquals(STEPS, trained.size());
            showsTheRun(chromium, trained.get(STEPS - 1), scores);

            // A page opened afterwards gets the same from the snapshot.
            chromium.driver().navigate().refresh();
            showsTheRun(chromium, trained.get(STEPS - 1), scores);

            chromium.script("window.sameDocument = true");
            TrainMetrics next = nextRecord(trained.get(STEPS - 1));
            try (MetricsPublisher publisher = new MetricsPublisher(infra.kafka(), Topics.METRICS_TRAIN, "test")) {
                publisher.publish(RUN, next);
            }
            waitFor(chromium, "the new step live", () -> String.valueOf(STEPS + 1)
                    .equals(attribute(chromium, "#chart-loss li[data-field='lossMim']", "data-last-x")));
            assertEquals(next.lossMim(), number(chromium, "#chart-loss li[data-field='lossMim']", "data-last-y"));
            assertEquals(String.valueOf(STEPS + 1), text(chromium, "#kpi-step .value"));
            assertEquals(true, chromium.script("return window.sameDocument === true"),
                    "the update came through the event stream, not a reload");
            chromium.screenshot(Path.of("target", "dashboard-screenshot.png"));

            servesTheApi(dashboard.url());
        }
    }

    private static void showsTheRun(HeadlessChromium chromium, TrainMetrics last, List<EvalMetrics> scores) {
        showsTheTraining(chromium, last);
        showsTheTokenizer(chromium);
        showsTheEvaluation(chromium, scores);
        showsTheTokenizedImages(chromium);
    }

    private static void ingestStreamImages(EmbeddedInfra infra, long seed, int count) {
        try (Ingest ingest = new Ingest(infra.kafka(), new ImageDecoder(ImageDecoder.Limits.defaults()), false)) {
            assertEquals(count, ingest.ingestAll(new SyntheticSource(28, count, seed, false), -1).produced());
        }
    }

    /**
     * A classification set (items whose class is the size of a bright square at a jittered place in noise, which
     * even a random backbone partly separates) and a segmentation set (synthetic scenes with their masks).
     */
    private static void ingestEvaluationImages(EmbeddedInfra infra) {
        try (Ingest ingest = new Ingest(infra.kafka(), new ImageDecoder(ImageDecoder.Limits.defaults()), true)) {
            ingest.ingestAll(new FashionMnistSource(squares(120, 1), FashionMnist.Part.TRAIN, Split.TRAIN), -1);
            ingest.ingestAll(new FashionMnistSource(squares(60, 2), FashionMnist.Part.TEST, Split.TEST), -1);
            ingest.ingestAll(new SyntheticSource(28, 50, 5, true), -1);
        }
    }

    private static FashionMnist squares(int count, long seed) {
        Random random = new Random(seed);
        int side = FashionMnist.SIDE;
        byte[][] images = new byte[count][side * side];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 10;
            int half = 2 + labels[i];
            int cx = side / 2 + random.nextInt(7) - 3;
            int cy = side / 2 + random.nextInt(7) - 3;
            for (int p = 0; p < side * side; p++) {
                boolean inside = Math.abs(p % side - cx) < half && Math.abs(p / side - cy) < half;
                images[i][p] = (byte) ((inside ? 150 : 40) + random.nextInt(90));
            }
        }
        return new FashionMnist(images, labels);
    }

    /** The worker tokenizes the stream in two windows, each reported on metrics.tokenizer as the command does. */
    private void tokenize(EmbeddedInfra infra, ObjectStore store) throws Exception {
        WorkerMetrics metrics = new WorkerMetrics(WORKER);
        WorkerConfig config = new WorkerConfig("dash-worker-app", BATCH, Duration.ofMillis(200), Optional.empty(),
                dir.resolve("worker-state"), ImageDecoder.Limits.defaults());
        try (MetricsPublisher publisher = new MetricsPublisher(infra.kafka(), Topics.METRICS_TOKENIZER, WORKER);
             TokenizerWorker worker = TokenizerWorker.start(config, infra.kafka(), store, metrics, Duration.ofSeconds(30))) {
            awaitTokenized(infra, FIRST_IMAGES);
            publisher.publish(WORKER, metrics.closeWindow(worker.codebookSize()).orElseThrow());
            ingestStreamImages(infra, 1, SECOND_IMAGES);
            awaitTokenized(infra, FIRST_IMAGES + SECOND_IMAGES);
            publisher.publish(WORKER, metrics.closeWindow(worker.codebookSize()).orElseThrow());
        }
    }

    private static void awaitTokenized(EmbeddedInfra infra, int count) {
        assertEquals(count, KafkaRoundTrip.consume(infra.kafka(), Topics.IMAGES_TOKENIZED, count,
                Duration.ofSeconds(60)).size());
    }

    private static TrainerConfig trainerConfig() {
        TrainerConfig d = TrainerConfig.defaults(RUN, "dashboard-test", MODEL);
        return new TrainerConfig(RUN, "dashboard-test", MODEL, Optional.empty(), BATCH,
                new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.CONSTANT, 1e-3, 3, 1),
                new TrainerConfig.Checkpointing(STEPS, Duration.ZERO, 2), new TrainerConfig.Limits(STEPS, Duration.ZERO),
                TrainerConfig.Replay.off(), 3, d.maskedPatchesPerImage(), 1, 5, Optional.empty(),
                TrainerConfig.Devices.AUTO);
    }

    /** The record a seventh step would publish, with losses none of the others have. */
    private static TrainMetrics nextRecord(TrainMetrics last) {
        return new TrainMetrics(RUN, last.step() + 1, Instant.now(), last.tokenizerVersion(), last.loss() * 0.5,
                last.lossMim() * 0.5 - 1e-3, last.lossAggregation() * 0.5, last.maskedAccuracy(), last.learningRate(),
                last.gradNorm(), last.imagesPerSecond(), last.modelFlopsUtilization(), 0, 0, 0, 0, 0);
    }

    private static void showsTheTraining(HeadlessChromium chromium, TrainMetrics last) {
        String mim = "#chart-loss li[data-field='lossMim']";
        waitFor(chromium, "the loss curves", () -> String.valueOf(STEPS).equals(attribute(chromium, mim, "data-count")));
        assertEquals(String.valueOf(STEPS), attribute(chromium, mim, "data-last-x"));
        assertEquals(last.lossMim(), number(chromium, mim, "data-last-y"));
        String aggregation = "#chart-loss li[data-field='lossAggregation']";
        assertEquals(String.valueOf(STEPS), attribute(chromium, aggregation, "data-count"));
        assertEquals(last.lossAggregation(), number(chromium, aggregation, "data-last-y"));
        assertEquals(String.valueOf(2 * STEPS), attribute(chromium, "#chart-loss", "data-points"));
        assertEquals(last.maskedAccuracy(),
                number(chromium, "#chart-accuracy li[data-field='maskedAccuracy']", "data-last-y"));
        assertEquals(last.learningRate(), number(chromium, "#chart-lr li[data-field='learningRate']", "data-last-y"));
        assertEquals(String.valueOf(STEPS), text(chromium, "#kpi-step .value"));
        assertTrue(text(chromium, "#kpi-step .sub").contains(RUN));
    }

    private static void showsTheTokenizer(HeadlessChromium chromium) {
        String training = "#chart-usage li[data-source='training " + TOKENIZER + "']";
        String serving = "#chart-usage li[data-source='serving " + WORKER + "']";
        waitFor(chromium, "codebook usage", () -> "2".equals(attribute(chromium, serving, "data-count")));
        assertEquals("2", attribute(chromium, training, "data-count"), "tokenizer training reported at steps 2 and 4");
        double usage = number(chromium, serving, "data-last-y");
        assertTrue(usage > 0 && usage <= 1, "usage " + usage);
        assertEquals("2", attribute(chromium, "#chart-entropy li[data-source='serving " + WORKER + "']", "data-count"));
        assertEquals(1, count(chromium, "#chart-entropy li[data-reference]"),
                "the entropy of a uniformly used codebook is drawn for reference");
        assertTrue(number(chromium, "#chart-throughput li[data-source='serving " + WORKER + "']", "data-last-y") > 0);
        assertTrue(number(chromium, "#chart-throughput li[data-run='" + RUN + "']", "data-last-y") > 0);
    }

    private static void showsTheEvaluation(HeadlessChromium chromium, List<EvalMetrics> scores) {
        String row = "#eval-table tr[data-run='" + RUN + "'][data-step='" + STEPS + "']";
        waitFor(chromium, "the evaluated checkpoint", () -> count(chromium, row) == 1);
        Map<String, Double> published = new HashMap<>();
        scores.forEach(m -> published.put(m.metric().wireName() + "|" + m.dataset()
                + (m.reference() == null ? "" : "|" + m.reference().wireName()), m.value()));
        assertEquals(12, published.size(),
                "2 data sets x 2 metrics x (checkpoint, random init, raw pixels): " + published.keySet());
        for (Metric metric : List.of(Metric.LINEAR_PROBE_ACCURACY, Metric.KNN_ACCURACY)) {
            cellShows(chromium, row, metric, "fashion-mnist", published);
        }
        for (Metric metric : List.of(Metric.SEGMENTATION_MIOU, Metric.SEGMENTATION_PIXEL_ACCURACY)) {
            cellShows(chromium, row, metric, "synthetic", published);
        }
        assertEquals("3", attribute(chromium, "#chart-eval", "data-points"), "probe, k-NN and mIoU of one checkpoint");
        assertEquals(3, count(chromium, "#chart-eval li[data-baseline]"));
        assertEquals(3, count(chromium, "#chart-eval li[data-raw-pixels]"), "each charted metric's raw-pixel level");
    }

    private static void cellShows(HeadlessChromium chromium, String row, Metric metric, String dataset,
                                  Map<String, Double> published) {
        String cell = row + " td[data-metric='" + metric.wireName() + "'][data-dataset='" + dataset + "']";
        String key = metric.wireName() + "|" + dataset;
        assertEquals(published.get(key), number(chromium, cell, "data-value"), key);
        assertEquals(published.get(key + "|random_init"), number(chromium, cell, "data-baseline"), key + " baseline");
        assertEquals(published.get(key + "|raw_pixels"), number(chromium, cell, "data-raw-pixels"), key + " raw pixels");
    }

    /** Read in one script, so that a redraw between two WebDriver calls cannot leave a stale element. */
    private static final String TOKEN_IMAGES = """
            return [...document.querySelectorAll('.token-image')].map(figure => ({
              version: figure.dataset.version,
              width: figure.querySelector('img').complete ? figure.querySelector('img').naturalWidth : 0,
              cells: [...figure.querySelectorAll('.tokens i')].map(i => [i.dataset.token, getComputedStyle(i).backgroundColor])
            }))""";

    @SuppressWarnings("unchecked")
    private static void showsTheTokenizedImages(HeadlessChromium chromium) {
        waitFor(chromium, "eight decoded tokenized images", () -> {
            List<Map<String, Object>> images = (List<Map<String, Object>>) chromium.script(TOKEN_IMAGES);
            return images.size() == 8 && images.stream().allMatch(i -> ((Number) i.get("width")).intValue() > 0);
        });
        for (Map<String, Object> image : (List<Map<String, Object>>) chromium.script(TOKEN_IMAGES)) {
            assertEquals(TOKENIZER, image.get("version"));
            assertEquals(28, ((Number) image.get("width")).intValue(), "the pixels decode as a 28x28 picture");
            List<List<String>> cells = (List<List<String>>) image.get("cells");
            assertEquals(49, cells.size(), "a 7x7 token grid");
            Map<String, String> colourOf = new HashMap<>();
            for (List<String> cell : cells) {
                String previous = colourOf.putIfAbsent(cell.get(0), cell.get(1));
                assertTrue(previous == null || previous.equals(cell.get(1)), "one token id, one colour");
            }
            assertEquals(colourOf.size() > 1, new HashSet<>(colourOf.values()).size() > 1,
                    "different tokens are told apart by colour");
        }
    }

    private static void servesTheApi(URI url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(url.resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        JsonNode status = JSON.readTree(health.body());
        assertEquals("ok", status.get("status").asText());
        assertEquals(4, status.get("feed").get("topics").size(), health.body());
        HttpResponse<String> snapshot = http.send(HttpRequest.newBuilder(url.resolve("/api/snapshot")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(STEPS + 1, JSON.readTree(snapshot.body()).get("train").get(RUN).size());
        assertEquals(404, http.send(HttpRequest.newBuilder(url.resolve("/nothing-here")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(405, http.send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    private static void waitFor(HeadlessChromium chromium, String what, BooleanSupplier condition) {
        new WebDriverWait(chromium.driver(), PAGE_WAIT).withMessage("the page never showed " + what)
                .until(driver -> condition.getAsBoolean());
    }

    private static String attribute(HeadlessChromium chromium, String css, String name) {
        return (String) chromium.script("const e = document.querySelector(arguments[0]);"
                + " return e === null ? null : e.getAttribute(arguments[1])", css, name);
    }

    private static double number(HeadlessChromium chromium, String css, String name) {
        String value = attribute(chromium, css, name);
        assertTrue(value != null && !value.isEmpty(), css + " has no " + name);
        return Double.parseDouble(value);
    }

    private static int count(HeadlessChromium chromium, String css) {
        return ((Number) chromium.script("return document.querySelectorAll(arguments[0]).length", css)).intValue();
    }

    private static String text(HeadlessChromium chromium, String css) {
        return (String) chromium.script("return document.querySelector(arguments[0]).textContent", css);
    }
}
