package org.beitstream.trainer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.S3Settings;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.schemas.CheckpointAnnouncement;
import org.beitstream.schemas.PartitionOffset;
import org.beitstream.schemas.StoredObject;
import org.beitstream.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tells the evaluator (and anyone else) about each published checkpoint on the compacted {@code checkpoints}
 * topic, keyed {@code <run-id>/<step>}. Sends are asynchronous; a lost announcement is logged, the checkpoint
 * itself stays published.
 */
final class CheckpointAnnouncer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointAnnouncer.class);

    private final KafkaProducer<String, CheckpointAnnouncement> producer;
    private final S3Settings s3;

    CheckpointAnnouncer(KafkaSettings kafka, S3Settings s3) {
        var props = kafka.clientProperties("beit-stream-trainer-checkpoints");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, Topics.CHECKPOINTS.keySerde().serializer(),
                Topics.CHECKPOINTS.valueSerde().serializer());
        this.s3 = s3;
    }

    static String key(String runId, long step) {
        return runId + "/" + step;
    }

    void announce(CheckpointUploader.Published published) {
        CheckpointState state = published.snapshot().state();
        PublishedSets.Manifest manifest = published.manifest();
        List<StoredObject> objects = manifest.objects().stream()
                .map(o -> StoredObject.newBuilder().setUri(s3.uriOf(o.key())).setSha256(o.sha256())
                        .setBytes(o.bytes()).build())
                .toList();
        List<PartitionOffset> offsets = new TreeMap<>(state.offsets()).entrySet().stream()
                .map(e -> PartitionOffset.newBuilder().setTopic(Topics.IMAGES_TOKENIZED.name())
                        .setPartition(e.getKey()).setOffset(e.getValue()).build())
                .toList();
        CheckpointAnnouncement announcement = CheckpointAnnouncement.newBuilder()
                .setRunId(state.runId())
                .setStep(state.step())
                .setManifestUri(s3.uriOf(manifest.prefix() + PublishedSets.MANIFEST))
                .setObjects(objects)
                .setOffsets(offsets)
                .setTokenizerVersion(state.tokenizerVersion())
                .setConfig(state.config().toString())
                .setCreatedAt(state.createdAt())
                .build();
        producer.send(new ProducerRecord<>(Topics.CHECKPOINTS.name(), key(state.runId(), state.step()), announcement),
                (metadata, e) -> {
                    if (e != null) {
                        LOG.warn("checkpoint of step {} is published but its announcement failed: {}",
                                state.step(), e.getMessage());
                    }
                });
    }

    /**
     * Whether any checkpoint of {@code runId} was ever announced: the run's history when the object store cannot
     * be asked. Reads the compacted topic from its start to its current end.
     */
    static boolean anyAnnounced(KafkaSettings kafka, String runId) {
        var props = kafka.clientProperties("beit-stream-trainer-history");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, CheckpointAnnouncement> consumer = new KafkaConsumer<>(props,
                Topics.CHECKPOINTS.keySerde().deserializer(), Topics.CHECKPOINTS.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHECKPOINTS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            String prefix = runId + "/";
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null && record.key().startsWith(prefix)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
