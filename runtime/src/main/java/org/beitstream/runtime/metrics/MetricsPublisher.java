package org.beitstream.runtime.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.Topic;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes metrics records (plain Java records) as JSON on a {@code metrics.*} topic, for dashboards that
 * read JSON without Avro tooling. Record components become JSON fields under their own names; absent (null)
 * components are left out rather than written as null, since the JSON Schemas type every field they
 * declare; {@link Instant}s are written as ISO-8601 date-times.
 *
 * <p>Sends are asynchronous so that training never waits for the broker; a failed send is reported by the
 * next {@link #flush()} (and by {@link #close()}), so a lost metric is never silent.
 */
public final class MetricsPublisher implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .registerModule(new SimpleModule("metrics-time").addSerializer(Instant.class, ToStringSerializer.instance));

    private final Topic<String, JsonNode> topic;
    private final KafkaProducer<String, JsonNode> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public MetricsPublisher(KafkaSettings kafka, Topic<String, JsonNode> topic, String clientId) {
        this.topic = topic;
        var props = kafka.clientProperties(clientId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** The JSON a metrics record is published as. */
    public static JsonNode toJson(Object metrics) {
        return JSON.valueToTree(metrics);
    }

    /** Sends {@code metrics} keyed by {@code key} (a run or instance id, so one source stays in order). */
    public JsonNode publish(String key, Object metrics) {
        JsonNode json = toJson(metrics);
        producer.send(new ProducerRecord<>(topic.name(), key, json), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
        return json;
    }

    /** Waits until every record sent so far is acknowledged; throws if any of them could not be delivered. */
    public void flush() throws IOException {
        producer.flush();
        Exception e = failure.getAndSet(null);
        if (e != null) {
            throw new IOException("metrics could not be published to " + topic.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            producer.close();
        }
    }
}
