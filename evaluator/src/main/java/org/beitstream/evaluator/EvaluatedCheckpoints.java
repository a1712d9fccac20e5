package org.beitstream.evaluator;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.Topics;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checkpoints whose metrics are on metrics.eval already. The consumer offset, committed in the same
 * transaction as the metrics, covers restarts; this covers a checkpoint announced twice (a re-sent announcement,
 * a replayed topic, a new consumer group), which must not be evaluated twice. Read committed only: metrics of an
 * aborted transaction do not count.
 */
final class EvaluatedCheckpoints {
    private EvaluatedCheckpoints() {}

    static Set<CheckpointKey> read(KafkaSettings kafka) {
        var props = kafka.clientProperties("beit-stream-evaluator-history");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Set<CheckpointKey> evaluated = new HashSet<>();
        try (KafkaConsumer<String, JsonNode> consumer = new KafkaConsumer<>(props,
                Topics.METRICS_EVAL.keySerde().deserializer(), Topics.METRICS_EVAL.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.METRICS_EVAL.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, JsonNode> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode metrics = record.value();
                    if (metrics != null && metrics.hasNonNull("runId") && metrics.hasNonNull("step")) {
                        evaluated.add(new CheckpointKey(metrics.get("runId").asText(), metrics.get("step").asLong()));
                    }
                }
            }
        }
        return evaluated;
    }
}
