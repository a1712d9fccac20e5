package org.beitstream.trainer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads images.tokenized on a thread of its own and keeps a few assembled batches ready, so the training
 * thread only waits for data when the stream itself is slower than training.
 *
 * <p>The consumer is assigned every partition by hand (no consumer group): the trainer's position in the stream
 * is the offsets stored in its checkpoints, not committed offsets. It reads committed transactions only, as the
 * tokenizer workers write exactly once. The Kafka client reconnects by itself when the broker restarts;
 * transient errors are logged and polling goes on.
 */
final class Prefetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Prefetcher.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int QUEUE_BATCHES = 4;

    private final KafkaSettings kafka;
    private final BatchAssembler assembler;
    private final Optional<Map<Integer, Long>> startOffsets;
    private final MeterRegistry registry;
    private final BlockingQueue<Batch> ready = new ArrayBlockingQueue<>(QUEUE_BATCHES);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean closing;
    private volatile KafkaConsumer<String, TokenizedImage> consumer;

    /**
     * @param startOffsets per partition, the next offset to read (a checkpoint's); empty to read from the start.
     *                     Partitions it does not name are read from their start.
     * @param registry     receives the consumer's metrics (fetch rates, lag) while it is open
     */
    Prefetcher(KafkaSettings kafka, BatchAssembler assembler, Optional<Map<Integer, Long>> startOffsets,
               MeterRegistry registry) {
        this.kafka = kafka;
        this.assembler = assembler;
        this.startOffsets = startOffsets;
        this.registry = registry;
        this.thread = new Thread(this::run, "trainer-prefetch");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * The next batch, or empty if none arrived within {@code timeout}.
     *
     * @throws IllegalStateException if the prefetch thread failed
     */
    Optional<Batch> next(Duration timeout) throws InterruptedException {
        Batch batch = ready.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        Throwable e = failure.get();
        if (batch == null && e != null) {
            throw new IllegalStateException("reading " + Topics.IMAGES_TOKENIZED.name() + " failed: " + e.getMessage(), e);
        }
        return Optional.ofNullable(batch);
    }

    private void run() {
        try (KafkaConsumer<String, TokenizedImage> c = new KafkaConsumer<>(consumerProperties(),
                Topics.IMAGES_TOKENIZED.keySerde().deserializer(), Topics.IMAGES_TOKENIZED.valueSerde().deserializer());
             KafkaClientMetrics meters = new KafkaClientMetrics(c)) {
            meters.bindTo(registry);
            consumer = c;
            if (closing) {
                return;
            }
            assignAndSeek(c);
            while (!closing) {
                for (ConsumerRecord<String, TokenizedImage> record : poll(c)) {
                    Optional<Batch> batch = assembler.add(record.partition(), record.offset(), record.value());
                    if (batch.isPresent() && !offer(batch.get())) {
                        return;
                    }
                }
            }
        } catch (WakeupException e) {
            // close() woke the consumer up: a normal end.
        } catch (Throwable e) {
            if (!closing) {
                LOG.error("prefetch thread failed", e);
                failure.set(e);
            }
        }
    }

    /** Blocks while the queue is full (training is the bottleneck); false when closing. */
    private boolean offer(Batch batch) throws InterruptedException {
        while (!closing) {
            if (ready.offer(batch, POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    private void assignAndSeek(KafkaConsumer<String, TokenizedImage> c) throws InterruptedException {
        String topic = Topics.IMAGES_TOKENIZED.name();
        List<TopicPartition> partitions = List.of();
        // The topic may not exist yet when the trainer starts before the system is set up.
        while (partitions.isEmpty() && !closing) {
            partitions = retrying("list the partitions of " + topic, () -> c.partitionsFor(topic)).stream()
                    .map(PartitionInfo::partition)
                    .sorted()
                    .map(p -> new TopicPartition(topic, p))
                    .toList();
            if (partitions.isEmpty()) {
                LOG.warn("topic {} does not exist yet, waiting for it", topic);
                Thread.sleep(Duration.ofSeconds(2).toMillis());
            }
        }
        c.assign(partitions);
        Map<Integer, Long> stored = startOffsets.orElse(Map.of());
        for (TopicPartition partition : partitions) {
            Long offset = stored.get(partition.partition());
            if (offset != null) {
                c.seek(partition, offset);
            } else {
                c.seekToBeginning(List.of(partition));
            }
        }
        Map<Integer, Long> positions = new TreeMap<>();
        for (TopicPartition partition : partitions) {
            positions.put(partition.partition(), retrying("find the position of " + partition, () -> c.position(partition)));
        }
        assembler.startFrom(positions);
        LOG.info("consuming {} from offsets {}", Topics.IMAGES_TOKENIZED.name(), positions);
    }

    private Iterable<ConsumerRecord<String, TokenizedImage>> poll(KafkaConsumer<String, TokenizedImage> c) {
        try {
            return c.poll(POLL);
        } catch (RecordDeserializationException e) {
            // A record no reader can decode must not stop training: step over it, as the ingest dead-letters bad input.
            LOG.warn("skipping undecodable record {} at offset {}: {}", e.topicPartition(), e.offset(), e.getMessage());
            c.seek(e.topicPartition(), e.offset() + 1);
            return List.of();
        } catch (RetriableException e) {
            LOG.warn("transient error reading {}, retrying: {}", Topics.IMAGES_TOKENIZED.name(), e.getMessage());
            return List.of();
        }
    }

    /** Calls that need the broker block until it answers; while it is down they time out and are tried again. */
    private <T> T retrying(String what, java.util.function.Supplier<T> call) {
        while (true) {
            try {
                return call.get();
            } catch (RetriableException e) {
                if (closing) {
                    throw new WakeupException();
                }
                LOG.warn("cannot {} yet ({}), retrying", what, e.getMessage());
            }
        }
    }

    private Properties consumerProperties() {
        Properties props = kafka.clientProperties("beit-stream-trainer");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        return props;
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        KafkaConsumer<String, TokenizedImage> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.join(Duration.ofSeconds(30).toMillis());
    }
}
