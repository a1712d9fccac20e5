package org.beitstream.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.kafka.TopicAdmin;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.SampleRecords;
import org.beitstream.schemas.Topics;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The same round trip against the official broker image, where a Docker engine exists (skipped otherwise). */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Test
    void avroRecordsRoundTripThroughTheContainerBroker() throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.getBootstrapServers());
        TopicAdmin.ensureTopics(settings, Topics.ALL, Optional.empty());
        ImageRecord image = SampleRecords.image("container-1");
        KafkaRoundTrip.produce(settings, Topics.IMAGES_RAW,
                List.of(new ProducerRecord<>(Topics.IMAGES_RAW.name(), image.getId(), image)));

        List<ConsumerRecord<String, ImageRecord>> received =
                KafkaRoundTrip.consume(settings, Topics.IMAGES_RAW, 1, Duration.ofSeconds(60));

        assertEquals(List.of(image), received.stream().map(ConsumerRecord::value).toList());
    }
}
