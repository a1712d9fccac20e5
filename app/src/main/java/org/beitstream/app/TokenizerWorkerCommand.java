package org.beitstream.app;

import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.RandomResizedCrop;
import org.beitstream.runtime.ops.Health;
import org.beitstream.runtime.ops.Operations;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.worker.TokenizerWorker;
import org.beitstream.tokenizer.worker.Views;
import org.beitstream.tokenizer.worker.WorkerConfig;
import org.beitstream.tokenizer.worker.WorkerMetrics;
import org.beitstream.tokenizer.worker.WorkerMetricsReporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs a tokenizer worker until stopped. */
@Command(name = "tokenizer-worker", mixinStandardHelpOptions = true,
        description = {"Tokenize images.raw into images.tokenized, exactly once (Kafka Streams).",
                "Loads the newest tokenizer announced on 'tokenizers' (or --tokenizer-version) and hot-reloads",
                "new ones; bad records go to images.dlq. Run several to share the partitions."})
final class TokenizerWorkerCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Option(names = "--application-id", defaultValue = "beit-stream-tokenizer",
            description = "Instances with the same id share the work (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--batch-size", defaultValue = "128",
            description = "Images per tokenizer forward (default: ${DEFAULT-VALUE}; docs/BENCHMARKS.md, Tokenizer worker).")
    int batchSize;

    @Option(names = "--max-latency-ms", defaultValue = "200", description = "Longest wait of a partial batch (default: ${DEFAULT-VALUE}).")
    long maxLatencyMs;

    @Option(names = "--tokenizer-version", description = "Pin a version instead of following the newest.")
    String pinnedVersion;

    @Option(names = "--state-dir", description = "Kafka Streams state (default: a folder per application id under the temp dir).")
    Path stateDir;

    @Option(names = "--wait-for-tokenizer-s", defaultValue = "600", description = "How long to wait for a first version.")
    long waitForTokenizerSeconds;

    @Option(names = "--views", defaultValue = "0",
            description = "Random-resized-crop views per image, each its own record <id>/view-<k>; 0: the image itself "
                    + "(default: ${DEFAULT-VALUE}).")
    int views;

    @Option(names = "--crop-scale", defaultValue = "0.08:1", paramLabel = "MIN:MAX",
            description = "Share of the image's area a view covers (default: ${DEFAULT-VALUE}, torchvision's).")
    String cropScale;

    @Option(names = "--crop-ratio", defaultValue = "0.75:1.3333", paramLabel = "MIN:MAX",
            description = "Aspect ratio (width/height) of a view (default: ${DEFAULT-VALUE}).")
    String cropRatio;

    @Option(names = "--metrics-interval-s", defaultValue = "10", description = "Window of the metrics.tokenizer records.")
    long metricsIntervalSeconds;

    private RandomResizedCrop crop() {
        double[] scale = range("--crop-scale", cropScale);
        double[] ratio = range("--crop-ratio", cropRatio);
        return new RandomResizedCrop(scale[0], scale[1], ratio[0], ratio[1]);
    }

    private static double[] range(String flag, String text) {
        String[] parts = text.split(":");
        try {
            if (parts.length == 2) {
                return new double[]{Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
            }
        } catch (NumberFormatException e) {
            // reported below, with the expected form
        }
        throw new SettingException(flag, "must be MIN:MAX, two numbers, got '" + text + "'");
    }

    @Override
    public Integer call() throws Exception {
        WorkerConfig config = new WorkerConfig(applicationId, batchSize, Duration.ofMillis(maxLatencyMs),
                Optional.ofNullable(pinnedVersion),
                stateDir != null ? stateDir : Path.of(System.getProperty("java.io.tmpdir"), "beit-stream-" + applicationId),
                ImageDecoder.Limits.defaults(), new Views(views, crop()));
        String instance = InetAddress.getLocalHost().getHostName() + "-" + UUID.randomUUID().toString().substring(0, 8);
        WorkerMetrics metrics = new WorkerMetrics(instance);
        CountDownLatch stopped = new CountDownLatch(1);
        Operations operations = ops.start("tokenizer-worker");
        // Not working yet, and honest about it: nothing is tokenized until a tokenizer version is loaded.
        operations.check("kafka-streams", () -> Health.down("waiting for a tokenizer version on " + Topics.TOKENIZERS.name()));
        try (operations;
             ObjectStore store = new ObjectStore(connection.s3());
             TokenizerWorker worker = TokenizerWorker.start(config, connection.kafka(), store, metrics,
                     Duration.ofSeconds(waitForTokenizerSeconds));
             WorkerMetricsReporter reporter = new WorkerMetricsReporter(connection.kafka(), instance, metrics, worker,
                     Duration.ofSeconds(metricsIntervalSeconds), window -> System.err.printf(
                     "tokenizer-worker: %.0f images/s, batch p50 %.0f ms, %d codes used (%s)%n",
                     window.get("imagesPerSecond").asDouble(), window.get("batchLatencyP50Ms").asDouble(),
                     window.get("codesUsed").asInt(), window.get("tokenizerVersion").asText()))) {
            worker.bindTo(operations.registry());
            operations.check("kafka-streams", worker::health);
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            System.err.println("tokenizer-worker: running with tokenizer " + worker.tokenizerVersion());
            stopped.await();
        }
        System.err.println("tokenizer-worker: stopped");
        return 0;
    }
}
