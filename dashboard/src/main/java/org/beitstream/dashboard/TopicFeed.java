package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.PayloadException;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one Kafka consumer thread behind the page. It joins no consumer group (a dashboard must not take partitions
 * from anyone, and several may run): it assigns itself every partition, reads the metrics topics from their
 * beginning (they are small, so a page opened late still shows the whole run) and images.tokenized from a few
 * records before its end. Everything is read {@code read_committed}: the worker writes images.tokenized and the
 * evaluator writes metrics.eval in transactions, and records of an aborted transaction must not be shown.
 * Topics that do not exist yet are looked for again, so the dashboard can be started before the pipeline.
 */
final class TopicFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFeed.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration LOOK_FOR_TOPICS_EVERY = Duration.ofSeconds(5);
    private static final List<String> TOPICS = List.of(Topics.METRICS_TRAIN.name(), Topics.METRICS_TOKENIZER.name(),
            Topics.METRICS_EVAL.name(), Topics.IMAGES_TOKENIZED.name());

    private final KafkaSettings kafka;
    private final DashboardState state;
    private final int recentImages;
    private final Thread thread;
    private final Set<String> assignedTopics = new HashSet<>();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile KafkaConsumer<String, byte[]> consumer;

    TopicFeed(KafkaSettings kafka, DashboardState state, int recentImages) {
        this.kafka = kafka;
        this.state = state;
        this.recentImages = recentImages;
        this.thread = new Thread(this::run, "dashboard-feed");
        this.thread.setDaemon(true);
    }

    void start() {
        var props = kafka.clientProperties("beit-stream-dashboard");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        thread.start();
    }

    /** For {@code /health}: what was read, what was not readable, and whether the thread is still going. */
    ObjectNode status() {
        ObjectNode status = JsonNodeFactory.instance.objectNode()
                .put("records", records.get())
                .put("skipped", skipped.get());
        var topics = status.putArray("topics");
        synchronized (assignedTopics) {
            assignedTopics.stream().sorted().forEach(topics::add);
        }
        if (failure.get() != null) {
            status.put("failure", failure.get());
        }
        return status;
    }

    boolean healthy() {
        return failure.get() == null;
    }

    private void run() {
        Instant lookedForTopics = Instant.MIN;
        try {
            while (stopped.getCount() > 0) {
                if (assignedTopicCount() < TOPICS.size()
                        && Instant.now().isAfter(lookedForTopics.plus(LOOK_FOR_TOPICS_EVERY))) {
                    assignNewTopics();
                    lookedForTopics = Instant.now();
                }
                if (consumer.assignment().isEmpty()) {
                    stopped.await(POLL.toMillis(), TimeUnit.MILLISECONDS); // nothing to poll before a topic exists
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    handle(record);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // close() woke the poll up
        } catch (RuntimeException e) {
            failure.set(e.getClass().getSimpleName() + ": " + e.getMessage());
            LOG.error("dashboard feed stopped: {}", e.getMessage(), e);
        } finally {
            consumer.close();
        }
    }

    private int assignedTopicCount() {
        synchronized (assignedTopics) {
            return assignedTopics.size();
        }
    }

    /** Adds the partitions of the topics that exist now, positioned where the page wants them. */
    private void assignNewTopics() {
        List<TopicPartition> metrics = new ArrayList<>();
        List<TopicPartition> images = new ArrayList<>();
        Set<String> found = new HashSet<>();
        for (String topic : TOPICS) {
            if (assignedTopics.contains(topic)) {
                continue;
            }
            List<PartitionInfo> partitions;
            try {
                partitions = consumer.partitionsFor(topic, POLL.multipliedBy(20));
            } catch (TimeoutException e) {
                continue; // the broker is not reachable yet: look again later
            }
            if (partitions == null || partitions.isEmpty()) {
                continue;
            }
            found.add(topic);
            for (PartitionInfo p : partitions) {
                TopicPartition partition = new TopicPartition(p.topic(), p.partition());
                (topic.equals(Topics.IMAGES_TOKENIZED.name()) ? images : metrics).add(partition);
            }
        }
        if (found.isEmpty()) {
            return;
        }
        List<TopicPartition> all = new ArrayList<>(consumer.assignment());
        all.addAll(metrics);
        all.addAll(images);
        consumer.assign(all);
        consumer.seekToBeginning(metrics);
        // A few records before the end of each partition: with the newest of them the page has pictures at once.
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(images);
        consumer.endOffsets(images).forEach((partition, end) ->
                consumer.seek(partition, Math.max(begin.get(partition), end - recentImages)));
        synchronized (assignedTopics) {
            assignedTopics.addAll(found);
        }
        LOG.debug("reading {}", found);
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return; // a tombstone carries nothing to show
        }
        try {
            if (record.topic().equals(Topics.IMAGES_TOKENIZED.name())) {
                TokenizedImage image = Topics.IMAGES_TOKENIZED.valueSerde().deserializer()
                        .deserialize(record.topic(), record.value());
                TokenizedImageView.of(image).ifPresentOrElse(state::addImage, skipped::incrementAndGet);
            } else {
                MetricsStream stream = MetricsStream.of(record.topic());
                JsonNode json = stream.topic().valueSerde().deserializer().deserialize(record.topic(), record.value());
                if (json.isObject()) {
                    state.addMetrics(stream, record.key(), json);
                } else {
                    skipped.incrementAndGet();
                }
            }
            records.incrementAndGet();
        } catch (PayloadException e) {
            skipped.incrementAndGet();
            LOG.debug("skipped a record of {}: {}", record.topic(), e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped.countDown();
        if (consumer != null) {
            consumer.wakeup();
            thread.join(Duration.ofSeconds(10).toMillis());
        }
    }
}
