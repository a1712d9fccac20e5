package org.beitstream.runtime.embedded;

import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.S3Settings;
import org.beitstream.runtime.kafka.TopicAdmin;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.Topics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything the services need, in this process: a Kafka broker with the topic set and an S3 server
 * with the bucket. What {@code docker compose up} provides, without Docker.
 */
public final class EmbeddedInfra implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final EmbeddedObjectStore objectStore;
    private final String bucket;

    private EmbeddedInfra(EmbeddedKafka kafka, EmbeddedObjectStore objectStore, String bucket) {
        this.kafka = kafka;
        this.objectStore = objectStore;
        this.bucket = bucket;
    }

    /** The ports and credentials to start with; 0 picks a free port. */
    public record Options(Path dataDir, int kafkaPort, int s3Port, String accessKey, String secretKey, String bucket) {
        /** Any free ports and the embedded S3 server's default credentials: what tests, benches and the demo use. */
        public static Options onFreePorts(Path dataDir, String bucket) {
            return new Options(dataDir, 0, 0, EmbeddedObjectStore.DEFAULT_ACCESS_KEY,
                    EmbeddedObjectStore.DEFAULT_SECRET_KEY, bucket);
        }
    }

    public static EmbeddedInfra start(Options options) throws IOException, InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.start(options.dataDir(), options.kafkaPort());
        EmbeddedObjectStore store = null;
        try {
            store = EmbeddedObjectStore.start(options.dataDir(), options.s3Port(), options.accessKey(), options.secretKey());
            TopicAdmin.ensureTopics(kafka.settings(), Topics.ALL, Optional.empty());
            try (ObjectStore client = new ObjectStore(store.settings(options.bucket()))) {
                client.ensureBucket();
            }
            return new EmbeddedInfra(kafka, store, options.bucket());
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (store != null) {
                store.close();
            }
            kafka.close();
            throw e;
        } catch (Exception e) { // ObjectStore.close
            store.close();
            kafka.close();
            throw new IOException(e);
        }
    }

    public KafkaSettings kafka() {
        return kafka.settings();
    }

    public S3Settings s3() {
        return objectStore.settings(bucket);
    }

    @Override
    public void close() {
        try {
            objectStore.close();
        } finally {
            kafka.close();
        }
    }
}
