package org.beitstream.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.beitstream.runtime.embedded.EmbeddedKafka;
import org.beitstream.runtime.kafka.TopicAdmin;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.SampleRecords;
import org.beitstream.schemas.Topic;
import org.beitstream.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded KRaft broker is a real Kafka: typed records, transactions and exactly-once Streams work on it. */
class EmbeddedKafkaTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir);
        TopicAdmin.ensureTopics(kafka.settings(), Topics.ALL, Optional.empty());
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void topicCreationIsIdempotent() throws Exception {
        assertEquals(Set.of(), TopicAdmin.ensureTopics(kafka.settings(), Topics.ALL, Optional.empty()));
    }

    @Test
    void avroRecordsRoundTripThroughATopic() {
        List<ImageRecord> sent = IntStream.range(0, 50).mapToObj(i -> SampleRecords.image("img-" + i)).toList();
        KafkaRoundTrip.produce(kafka.settings(), Topics.IMAGES_EVAL,
                sent.stream().map(r -> new ProducerRecord<>(Topics.IMAGES_EVAL.name(), r.getId(), r)).toList());

        List<ConsumerRecord<String, ImageRecord>> received =
                KafkaRoundTrip.consume(kafka.settings(), Topics.IMAGES_EVAL, sent.size(), Duration.ofSeconds(30));

        assertEquals(Set.copyOf(sent), received.stream().map(ConsumerRecord::value).collect(Collectors.toSet()));
        received.forEach(r -> assertEquals(r.value().getId(), r.key()));
    }

    @Test
    void exactlyOnceStreamsOutputHoldsEveryCommittedInputOnceAndNoAbortedOne() throws Exception {
        Topic<String, String> in = new Topic<>("eos.in", Serdes.String(), Serdes.String(), 3, Map.of());
        Topic<String, String> out = new Topic<>("eos.out", Serdes.String(), Serdes.String(), 3, Map.of());
        TopicAdmin.ensureTopics(kafka.settings(), List.of(in, out), Optional.empty());

        Properties tx = kafka.settings().clientProperties("eos-tx");
        tx.put("transactional.id", "eos-test-producer");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(tx, Serdes.String().serializer(),
                Serdes.String().serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>(in.name(), "k" + i, "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(in.name(), "x" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
        }

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in.name(), Consumed.with(in.keySerde(), in.valueSerde()))
                .mapValues(v -> v.toUpperCase())
                .to(out.name(), Produced.with(out.keySerde(), out.valueSerde()));
        Properties props = kafka.settings().clientProperties("eos-app");
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-test");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams").toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put("auto.offset.reset", "earliest");
        List<ConsumerRecord<String, String>> received;
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            received = KafkaRoundTrip.consume(kafka.settings(), out, 40, Duration.ofSeconds(60));
        }

        List<String> values = new ArrayList<>(received.stream().map(ConsumerRecord::value).toList());
        assertEquals(40, values.size(), "every committed input exactly once: " + values);
        assertEquals(IntStream.range(0, 40).mapToObj(i -> "COMMITTED-" + i).collect(Collectors.toSet()),
                Set.copyOf(values));
        assertTrue(values.stream().noneMatch(v -> v.startsWith("ABORTED")));
    }

    @Test
    void aBrokerRestartedOnItsDataDirectoryKeepsTopicsAndRecords(@TempDir Path own) throws Exception {
        ImageRecord image = SampleRecords.image("survives-restart");
        try (EmbeddedKafka first = EmbeddedKafka.start(own)) {
            TopicAdmin.ensureTopics(first.settings(), List.of(Topics.IMAGES_EVAL), Optional.empty());
            KafkaRoundTrip.produce(first.settings(), Topics.IMAGES_EVAL,
                    List.of(new ProducerRecord<>(Topics.IMAGES_EVAL.name(), image.getId(), image)));
        }
        try (EmbeddedKafka second = EmbeddedKafka.start(own)) {
            assertEquals(Set.of(), TopicAdmin.ensureTopics(second.settings(), List.of(Topics.IMAGES_EVAL), Optional.empty()),
                    "the topic is still there");
            List<ConsumerRecord<String, ImageRecord>> received =
                    KafkaRoundTrip.consume(second.settings(), Topics.IMAGES_EVAL, 1, Duration.ofSeconds(30));
            assertEquals(List.of(image), received.stream().map(ConsumerRecord::value).toList());
        }
    }
}
