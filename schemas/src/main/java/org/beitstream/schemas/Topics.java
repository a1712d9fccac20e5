package org.beitstream.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.serialization.Serdes;

import java.util.List;
import java.util.Map;

/** The topic set of the system, defined once: names, serdes and creation settings. */
public final class Topics {
    /** Largest encoded image the system accepts on its image topics. */
    public static final int MAX_IMAGE_BYTES = 16 * 1024 * 1024;
    /** Room for the envelope around the largest image (Avro fields, record batch headers). */
    public static final int MAX_MESSAGE_BYTES = MAX_IMAGE_BYTES + 1024 * 1024;

    private static final long DAY_MS = 24L * 60 * 60 * 1000;

    private static Map<String, String> deleted(long retentionDays, int maxMessageBytes) {
        return Map.of("cleanup.policy", "delete",
                "retention.ms", Long.toString(retentionDays * DAY_MS),
                "max.message.bytes", Integer.toString(maxMessageBytes));
    }

    private static Map<String, String> compacted(int maxMessageBytes) {
        return Map.of("cleanup.policy", "compact", "max.message.bytes", Integer.toString(maxMessageBytes));
    }

    public static final Topic<String, ImageRecord> IMAGES_RAW = new Topic<>("images.raw",
            Serdes.String(), AvroSerde.of(ImageRecord.class), 6, deleted(7, MAX_MESSAGE_BYTES));

    /** Labelled evaluation images; compacted by id so the set stays whole and bounded. */
    public static final Topic<String, ImageRecord> IMAGES_EVAL = new Topic<>("images.eval",
            Serdes.String(), AvroSerde.of(ImageRecord.class), 3, compacted(MAX_MESSAGE_BYTES));

    /** Dead letters keep the original bytes, so they need room for the largest raw record and the reason. */
    public static final Topic<String, DeadLetter> IMAGES_DLQ = new Topic<>("images.dlq",
            Serdes.String(), AvroSerde.of(DeadLetter.class), 3, deleted(30, MAX_MESSAGE_BYTES + 1024 * 1024));

    public static final Topic<String, TokenizedImage> IMAGES_TOKENIZED = new Topic<>("images.tokenized",
            Serdes.String(), AvroSerde.of(TokenizedImage.class), 6, deleted(7, MAX_MESSAGE_BYTES));

    /** Keyed by version; compacted so a new worker finds every version ever announced. */
    public static final Topic<String, TokenizerAnnouncement> TOKENIZERS = new Topic<>("tokenizers",
            Serdes.String(), AvroSerde.of(TokenizerAnnouncement.class), 1, compacted(1024 * 1024));

    /** Keyed by run id and step; compacted so the evaluator can find every checkpoint of every run. */
    public static final Topic<String, CheckpointAnnouncement> CHECKPOINTS = new Topic<>("checkpoints",
            Serdes.String(), AvroSerde.of(CheckpointAnnouncement.class), 1, compacted(1024 * 1024));

    public static final Topic<String, JsonNode> METRICS_TRAIN = metrics("metrics.train");
    public static final Topic<String, JsonNode> METRICS_TOKENIZER = metrics("metrics.tokenizer");
    public static final Topic<String, JsonNode> METRICS_EVAL = metrics("metrics.eval");

    public static final List<Topic<?, ?>> ALL = List.of(IMAGES_RAW, IMAGES_EVAL, IMAGES_DLQ, IMAGES_TOKENIZED,
            TOKENIZERS, CHECKPOINTS, METRICS_TRAIN, METRICS_TOKENIZER, METRICS_EVAL);

    private static Topic<String, JsonNode> metrics(String name) {
        return new Topic<>(name, Serdes.String(), new JsonSerde(), 1, deleted(30, 1024 * 1024));
    }

    private Topics() {}
}
