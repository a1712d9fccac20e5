package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import org.beitstream.schemas.Topic;
import org.beitstream.schemas.Topics;

/**
 * The metrics topics the page shows, and how each one's records fall into series: one line on a chart, whose
 * history is kept and trimmed on its own.
 */
enum MetricsStream {
    /** One series per training run. */
    TRAIN(Topics.METRICS_TRAIN, "train") {
        @Override
        String series(String recordKey, JsonNode record) {
            return text(record, "runId", recordKey);
        }
    },
    /** One series per tokenizer worker instance (serving) and per tokenizer version being trained. */
    TOKENIZER(Topics.METRICS_TOKENIZER, "tokenizer") {
        @Override
        String series(String recordKey, JsonNode record) {
            String phase = text(record, "phase", "serving");
            String source = "training".equals(phase) ? text(record, "tokenizerVersion", recordKey)
                    : text(record, "instance", recordKey);
            return phase + " " + source;
        }
    },
    /** One series per training run: its checkpoints' scores and their baselines. */
    EVAL(Topics.METRICS_EVAL, "eval") {
        @Override
        String series(String recordKey, JsonNode record) {
            return text(record, "runId", recordKey);
        }
    };

    private final Topic<String, JsonNode> topic;
    private final String event;

    MetricsStream(Topic<String, JsonNode> topic, String event) {
        this.topic = topic;
        this.event = event;
    }

    Topic<String, JsonNode> topic() {
        return topic;
    }

    /** The name of its Server-Sent Events and of its part of the snapshot. */
    String event() {
        return event;
    }

    abstract String series(String recordKey, JsonNode record);

    static MetricsStream of(String topicName) {
        for (MetricsStream stream : values()) {
            if (stream.topic.name().equals(topicName)) {
                return stream;
            }
        }
        throw new IllegalArgumentException("not a metrics topic: " + topicName);
    }

    private static String text(JsonNode record, String field, String fallback) {
        JsonNode value = record.get(field);
        if (value != null && value.isTextual() && !value.asText().isBlank()) {
            return value.asText();
        }
        return fallback == null || fallback.isBlank() ? "unnamed" : fallback;
    }
}
