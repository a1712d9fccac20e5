package org.beitstream.runtime.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.Topic;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the system's topics with their settings; safe to run again on a cluster that has them. */
public final class TopicAdmin {
    private TopicAdmin() {}

    /**
     * Creates every topic of {@code topics} that does not exist yet.
     *
     * @param replicationFactor empty to use the broker's default
     * @return the names of the topics this call created
     */
    public static Set<String> ensureTopics(KafkaSettings kafka, List<Topic<?, ?>> topics,
                                           Optional<Short> replicationFactor) throws InterruptedException {
        try (Admin admin = Admin.create(kafka.clientProperties("beit-stream-admin"))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), Optional.of(t.partitions()), replicationFactor).configs(t.configs()))
                    .toList();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) { // created concurrently by another service
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            return missing.stream().map(NewTopic::name).collect(java.util.stream.Collectors.toSet());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrapServers() + ": " + e.getMessage(), e);
        }
    }
}
