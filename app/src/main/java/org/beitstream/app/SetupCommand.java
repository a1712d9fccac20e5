package org.beitstream.app;

import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.S3Settings;
import org.beitstream.runtime.kafka.TopicAdmin;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** Creates the topic set and the bucket on an existing cluster and store (idempotent). */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Create the topics and the bucket on an existing Kafka cluster and object store.")
final class SetupCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--replication-factor", description = "Replicas per topic (default: the broker's default).")
    Short replicationFactor;

    @Override
    public Integer call() throws Exception {
        KafkaSettings kafka = connection.kafka();
        S3Settings s3 = connection.s3();
        Set<String> created = TopicAdmin.ensureTopics(kafka, Topics.ALL, Optional.ofNullable(replicationFactor));
        try (ObjectStore store = new ObjectStore(s3)) {
            store.ensureBucket();
        }
        System.out.println("topics: " + Topics.ALL.size() + " present, " + created.size() + " created");
        System.out.println("bucket: " + s3.bucket() + " at " + s3.endpoint());
        return 0;
    }
}
