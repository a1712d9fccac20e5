package org.beitstream.app;

import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.embedded.EmbeddedObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/** Runs a real Kafka broker and S3 server in this process until stopped. */
@Command(name = "infra", mixinStandardHelpOptions = true,
        description = {"Run an embedded Kafka broker and S3 server with the topics and the bucket.",
                "Prints KAFKA_BOOTSTRAP=, S3_ENDPOINT=, S3_ACCESS_KEY=, S3_SECRET_KEY=, S3_BUCKET= and READY,",
                "then runs until SIGTERM/SIGINT and shuts down cleanly."})
final class InfraCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Where broker logs and objects live (default: a temporary "
            + "directory, removed at exit). Reusing a directory keeps topics, offsets and objects.")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "0", description = "Kafka listener port (0: any free port).")
    int kafkaPort;

    @Option(names = "--s3-port", defaultValue = "0", description = "S3 port (0: any free port).")
    int s3Port;

    @Option(names = "--s3-access-key", defaultValue = EmbeddedObjectStore.DEFAULT_ACCESS_KEY)
    String accessKey;

    @Option(names = "--s3-secret-key", defaultValue = EmbeddedObjectStore.DEFAULT_SECRET_KEY)
    String secretKey;

    @Option(names = "--s3-bucket", defaultValue = "beit-stream")
    String bucket;

    @Override
    public Integer call() throws Exception {
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("beit-stream-infra") : Files.createDirectories(dataDir);
        long started = System.nanoTime();
        EmbeddedInfra infra = EmbeddedInfra.start(new EmbeddedInfra.Options(dir, kafkaPort, s3Port, accessKey, secretKey, bucket));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("infra: shutting down");
            infra.close();
            if (temporary) {
                deleteRecursively(dir);
            }
            System.err.println("infra: stopped");
            stopped.countDown();
        }, "infra-shutdown"));

        PrintStream out = System.out;
        out.println("KAFKA_BOOTSTRAP=" + infra.kafka().bootstrapServers());
        out.println("S3_ENDPOINT=" + infra.s3().endpoint());
        out.println("S3_ACCESS_KEY=" + infra.s3().accessKey());
        out.println("S3_SECRET_KEY=" + infra.s3().secretKey());
        out.println("S3_BUCKET=" + infra.s3().bucket());
        System.err.printf("infra: ready in %.1f s, data in %s%n", (System.nanoTime() - started) / 1e9, dir);
        out.println("READY");
        out.flush();
        stopped.await();
        return 0;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("infra: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
