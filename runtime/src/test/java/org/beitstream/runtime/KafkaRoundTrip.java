package org.beitstream.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.Topic;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

/** Produces and reads back typed records on a real broker, the way the services do. */
public final class KafkaRoundTrip {
    private KafkaRoundTrip() {}

    public static <K, V> void produce(KafkaSettings kafka, Topic<K, V> topic, List<ProducerRecord<K, V>> records) {
        Properties props = kafka.clientProperties("test-producer");
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        try (KafkaProducer<K, V> producer = new KafkaProducer<>(props, topic.keySerde().serializer(),
                topic.valueSerde().serializer())) {
            for (ProducerRecord<K, V> record : records) {
                producer.send(record);
            }
            producer.flush();
        }
    }

    /** Reads committed records from the start until {@code expected} have arrived or the deadline passes. */
    public static <K, V> List<ConsumerRecord<K, V>> consume(KafkaSettings kafka, Topic<K, V> topic, int expected,
                                                            Duration timeout) {
        return consume(kafka, topic, record -> true, expected, timeout);
    }

    /**
     * Reads committed records from the start, keeping those {@code wanted} accepts, until {@code expected}
     * of them have arrived or the deadline passes; then polls once more, so that duplicates would show.
     */
    public static <K, V> List<ConsumerRecord<K, V>> consume(KafkaSettings kafka, Topic<K, V> topic,
                                                            Predicate<ConsumerRecord<K, V>> wanted, int expected,
                                                            Duration timeout) {
        Properties props = kafka.clientProperties("test-consumer");
        props.put("group.id", "test-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("max.partition.fetch.bytes", Integer.toString(20 * 1024 * 1024));
        List<ConsumerRecord<K, V>> received = new ArrayList<>();
        Instant deadline = Instant.now().plus(timeout);
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            while (received.size() < expected && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keep(r, wanted, received));
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r -> keep(r, wanted, received));
        }
        return received;
    }

    private static <K, V> void keep(ConsumerRecord<K, V> record, Predicate<ConsumerRecord<K, V>> wanted,
                                    List<ConsumerRecord<K, V>> received) {
        if (wanted.test(record)) {
            received.add(record);
        }
    }
}
