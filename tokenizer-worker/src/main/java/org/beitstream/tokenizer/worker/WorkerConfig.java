package org.beitstream.tokenizer.worker;

import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.images.ImageDecoder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a tokenizer worker runs.
 *
 * @param applicationId   Kafka Streams application id: instances with the same id share the partitions
 * @param batchSize       images per tokenizer forward; a batch is flushed as soon as it is full
 * @param maxLatency      longest an image waits in a partial batch
 * @param pinnedVersion   tokenize with this version only; empty to follow the newest announced one
 * @param stateDir        Kafka Streams state directory
 * @param limits          accepted image size
 * @param views           the image itself, or random-resized-crop views of it
 */
public record WorkerConfig(String applicationId, int batchSize, Duration maxLatency, Optional<String> pinnedVersion,
                           Path stateDir, ImageDecoder.Limits limits, Views views) {
    public WorkerConfig {
        if (applicationId == null || applicationId.isBlank()) {
            throw new SettingException("--application-id", "must not be blank");
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new SettingException("--batch-size", "must be in 1..4096, got " + batchSize);
        }
        if (maxLatency.isNegative() || maxLatency.isZero()) {
            throw new SettingException("--max-latency-ms", "must be positive, got " + maxLatency.toMillis());
        }
    }

    /** Each image tokenized as itself, without augmentation views. */
    public WorkerConfig(String applicationId, int batchSize, Duration maxLatency, Optional<String> pinnedVersion,
                        Path stateDir, ImageDecoder.Limits limits) {
        this(applicationId, batchSize, maxLatency, pinnedVersion, stateDir, limits, Views.none());
    }
}
