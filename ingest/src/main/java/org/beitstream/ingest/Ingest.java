package org.beitstream.ingest;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.ingest.source.SourceImage;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.images.DecodedImage;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.InvalidImageException;
import org.beitstream.runtime.ops.Health;
import org.beitstream.runtime.progress.Progress;
import org.beitstream.schemas.DeadLetter;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.SegmentationMask;
import org.beitstream.schemas.Topic;
import org.beitstream.schemas.Topics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Validates images and produces them to {@code images.raw} (or {@code images.eval}); anything invalid
 * goes to {@code images.dlq} with its reason and original bytes. One idempotent producer serves both
 * topics, so nothing is duplicated by retries and nothing is reordered.
 */
public final class Ingest implements MeterBinder, AutoCloseable {
    private final Topic<String, ImageRecord> target;
    private final ImageDecoder decoder;
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    /** The outcome of the latest acknowledged send (null: it succeeded), for health. */
    private volatile Exception lastSendFailure;
    private KafkaClientMetrics producerMetrics;

    /** What happened to one image: accepted onto the target topic, or dead-lettered with a reason. */
    public record Outcome(String id, boolean accepted, String errorType, String reason) {}

    /** Totals of an ingest run. */
    public record Totals(long produced, long deadLettered) {}

    public Ingest(KafkaSettings kafka, ImageDecoder decoder, boolean evaluationSet) {
        this.target = evaluationSet ? Topics.IMAGES_EVAL : Topics.IMAGES_RAW;
        this.decoder = decoder;
        this.producer = new KafkaProducer<>(producerProperties(kafka), new StringSerializer(), new ByteArraySerializer());
    }

    /** Idempotent (no duplicates on retry), compressed, batched, and able to carry the largest image. */
    public static Properties producerProperties(KafkaSettings kafka) {
        Properties props = kafka.clientProperties("beit-stream-ingest");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES + 2 * 1024 * 1024));
        return props;
    }

    public Topic<String, ImageRecord> target() {
        return target;
    }

    /** Ingests up to {@code limit} images (all when negative) from {@code source}, with a progress line. */
    public Totals ingestAll(ImageSource source, long limit) {
        long total = limit >= 0 && (source.size() < 0 || limit < source.size()) ? limit : source.size();
        try (Progress progress = new Progress("ingest -> " + target.name(), total)) {
            for (long n = 0; source.hasNext() && (limit < 0 || n < limit); n++) {
                submit(source.next());
                progress.step(1);
                throwIfSendFailed();
            }
        }
        flush();
        return totals();
    }

    /** Waits until every image sent so far is acknowledged; throws if Kafka refused any. */
    public void flush() {
        producer.flush();
        throwIfSendFailed();
    }

    /** Validates and sends one image without waiting for the broker's acknowledgement. */
    public Outcome submit(SourceImage image) {
        return send(image).outcome();
    }

    /** Validates and sends one image, returning once the broker has it (for callers who must know). */
    public Outcome submitAndWait(SourceImage image) throws InterruptedException, ExecutionException {
        Sent sent = send(image);
        sent.ack().get();
        return sent.outcome();
    }

    private record Sent(Outcome outcome, Future<RecordMetadata> ack) {}

    private Sent send(SourceImage image) {
        try {
            DecodedImage decoded = decoder.decode(image.data(), image.format(), image.width(), image.height());
            ImageRecord record = toRecord(image, decoded);
            byte[] value = target.valueSerde().serializer().serialize(target.name(), record);
            Future<RecordMetadata> ack = producer.send(new ProducerRecord<>(target.name(), image.id(), value),
                    (metadata, error) -> count(error, produced));
            return new Sent(new Outcome(image.id(), true, null, null), ack);
        } catch (InvalidImageException e) {
            String reason = image.source() + ": " + e.getMessage();
            Future<RecordMetadata> ack = deadLetter(image, e.kind().name(), reason);
            return new Sent(new Outcome(image.id(), false, e.kind().name(), reason), ack);
        }
    }

    private Future<RecordMetadata> deadLetter(SourceImage image, String errorType, String reason) {
        boolean fits = image.data() != null && image.data().length <= Topics.MAX_IMAGE_BYTES;
        DeadLetter letter = DeadLetter.newBuilder()
                .setOriginalKey(ByteBuffer.wrap(image.id().getBytes(StandardCharsets.UTF_8)))
                // Bytes beyond the topic's limit cannot travel; the reason then says so.
                .setOriginalValue(fits ? ByteBuffer.wrap(image.data()) : null)
                .setReason(fits ? reason : reason + " (original bytes not kept: over the topic's size limit)")
                .setErrorType(errorType)
                .setService("ingest")
                .setTimestamp(Instant.now())
                .build();
        byte[] value = Topics.IMAGES_DLQ.valueSerde().serializer().serialize(Topics.IMAGES_DLQ.name(), letter);
        return producer.send(new ProducerRecord<>(Topics.IMAGES_DLQ.name(), image.id(), value),
                (metadata, error) -> count(error, deadLettered));
    }

    private ImageRecord toRecord(SourceImage image, DecodedImage decoded) {
        SegmentationMask mask = image.mask() == null ? null : SegmentationMask.newBuilder()
                .setWidth(image.mask().width()).setHeight(image.mask().height())
                .setNumClasses(image.mask().numClasses()).setClasses(ByteBuffer.wrap(image.mask().classes()))
                .build();
        String format = image.format() == null || image.format().isBlank()
                ? org.beitstream.runtime.images.ImageFormat.sniff(image.data()).orElseThrow().wireName()
                : image.format();
        // The all-fields constructor, not the builder: the builder validates and copies defaults on every
        // record, which is a measurable share of ingest's cost per image.
        return new ImageRecord(image.id(), ByteBuffer.wrap(image.data()), format, decoded.width(), decoded.height(),
                decoded.channels(), image.source(), Instant.now(), image.label(), image.labelName(), mask, image.split());
    }

    private void count(Exception error, AtomicLong counter) {
        lastSendFailure = error;
        if (error == null) {
            counter.incrementAndGet();
        } else {
            sendFailure.compareAndSet(null, error);
        }
    }

    private void throwIfSendFailed() {
        Exception failure = sendFailure.get();
        if (failure != null) {
            throw new IllegalStateException("Kafka refused a record: " + failure.getMessage(), failure);
        }
    }

    public Totals totals() {
        return new Totals(produced.get(), deadLettered.get());
    }

    /** The totals as counters, and the producer's own metrics (send rates, errors, request latency). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("ingest.images.produced", produced, AtomicLong::get)
                .description("Valid images acknowledged by Kafka").tag("topic", target.name()).register(registry);
        FunctionCounter.builder("ingest.images.dead.lettered", deadLettered, AtomicLong::get)
                .description("Invalid images acknowledged on " + Topics.IMAGES_DLQ.name()).register(registry);
        producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
    }

    /** Down while the latest send failed: images offered now would most likely be refused too. */
    public Health health() {
        Exception failure = lastSendFailure;
        return failure == null
                ? Health.up(produced.get() + " produced, " + deadLettered.get() + " dead-lettered")
                : Health.down("the latest send to Kafka failed: " + failure.getMessage());
    }

    @Override
    public void close() {
        if (producerMetrics != null) {
            producerMetrics.close();
        }
        producer.close();
    }
}
