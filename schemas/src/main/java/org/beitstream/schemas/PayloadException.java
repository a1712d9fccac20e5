package org.beitstream.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value that is not a valid payload of its topic's schema. Typed (a Kafka
 * {@link SerializationException}) so that consumers and Kafka Streams exception handlers can
 * dead-letter it instead of crashing.
 */
public class PayloadException extends SerializationException {
    private final String topic;

    public PayloadException(String topic, String reason, Throwable cause) {
        super("invalid payload on " + topic + ": " + reason, cause);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}
