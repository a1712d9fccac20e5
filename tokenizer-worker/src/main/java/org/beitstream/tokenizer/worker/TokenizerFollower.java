package org.beitstream.tokenizer.worker;

import ai.djl.ndarray.NDManager;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.beitstream.model.tokenizer.VisualTokenizer;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.PayloadException;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows the compacted {@code tokenizers} topic from its start and keeps the newest announced version
 * (or the pinned one) loaded. A new version is loaded and verified before it replaces the old one, and
 * the swap waits for a batch in progress, so every batch is tokenized by exactly one version. Versions are
 * read from storage on the follower's own thread, and built on the tokenizer thread, where all of the
 * worker's PyTorch work runs.
 */
public final class TokenizerFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerFollower.class);

    private final KafkaSettings kafka;
    private final TokenizerRegistry registry;
    private final Optional<String> pinned;
    private final ExecutorService tokenizerThread;
    private final NDManager manager = NDManager.newBaseManager();
    private final CountDownLatch firstLoaded = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile LoadedTokenizer current;
    private TokenizerAnnouncement newest;

    public TokenizerFollower(KafkaSettings kafka, TokenizerRegistry registry, Optional<String> pinned,
                             ExecutorService tokenizerThread) {
        this.kafka = kafka;
        this.registry = registry;
        this.pinned = pinned;
        this.tokenizerThread = tokenizerThread;
        this.thread = new Thread(this::follow, "tokenizer-follower");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the first usable version; false on timeout. */
    public boolean awaitFirst(Duration timeout) throws InterruptedException {
        return firstLoaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The version to tokenize with now; never null once {@link #awaitFirst} returned true. */
    public LoadedTokenizer current() {
        return current;
    }

    private void follow() {
        Properties props = kafka.clientProperties("beit-stream-tokenizer-follower");
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props,
                Topics.TOKENIZERS.keySerde().deserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TOKENIZERS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    consider(record);
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("tokenizer follower stopped: {}", e.getMessage(), e);
        }
    }

    private void consider(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return; // a deleted version
        }
        TokenizerAnnouncement announcement;
        try {
            announcement = Topics.TOKENIZERS.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (PayloadException e) {
            LOG.warn("ignoring an unreadable announcement at {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        boolean wanted = pinned.map(v -> v.equals(announcement.getVersion()))
                .orElseGet(() -> newest == null || announcement.getCreatedAt().isAfter(newest.getCreatedAt()));
        if (!wanted) {
            return;
        }
        try {
            TokenizerRegistry.FetchedVersion fetched = registry.fetch(announcement);
            VisualTokenizer tokenizer = build(fetched);
            LoadedTokenizer next = new LoadedTokenizer(announcement.getVersion(), tokenizer, manager.newSubManager());
            LoadedTokenizer previous = current;
            current = next;
            newest = announcement;
            if (previous != null) {
                previous.close(); // waits for a batch still using it
            }
            LOG.info("tokenizing with version {} ({} codes, {}x{} input)", next.version(), next.codebookSize(),
                    next.imageSize(), next.imageSize());
            firstLoaded.countDown();
        } catch (Exception e) {
            LOG.error("cannot load announced tokenizer {}: {}; keeping {}", announcement.getVersion(), e.getMessage(),
                    current == null ? "none" : current.version());
        }
    }

    private VisualTokenizer build(TokenizerRegistry.FetchedVersion fetched) throws Exception {
        try {
            return tokenizerThread.submit(() -> fetched.build(manager)).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
        if (current != null) {
            current.close();
        }
        manager.close();
    }
}
