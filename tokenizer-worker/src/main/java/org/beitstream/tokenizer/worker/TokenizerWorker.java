package org.beitstream.tokenizer.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.ops.Health;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tokenizer worker: a Kafka Streams application with exactly-once processing. Several instances with
 * the same application id share the partitions of {@code images.raw}; when one dies, the others take over
 * its partitions from the last committed transaction.
 */
public final class TokenizerWorker implements MeterBinder, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerWorker.class);

    private final TokenizerFollower tokenizers;
    private final ExecutorService tokenizerThread;
    private final KafkaStreams streams;
    private final WorkerCounts counts;
    private KafkaStreamsMetrics streamsMetrics;

    private TokenizerWorker(TokenizerFollower tokenizers, ExecutorService tokenizerThread, KafkaStreams streams,
                            WorkerCounts counts) {
        this.tokenizers = tokenizers;
        this.tokenizerThread = tokenizerThread;
        this.streams = streams;
        this.counts = counts;
    }

    /**
     * Loads a tokenizer version (waiting up to {@code waitForTokenizer} for one to be announced), then starts.
     *
     * @throws IllegalStateException when no usable version appeared in time
     */
    public static TokenizerWorker start(WorkerConfig config, KafkaSettings kafka, ObjectStore store,
                                        BatchListener listener, Duration waitForTokenizer)
            throws InterruptedException {
        // All of the worker's PyTorch work (building versions, forwards) runs on this one thread. One forward at
        // a time: PyTorch already spreads each one over the cores. One thread: every thread that has run a
        // parallel operation keeps an OpenMP team until it exits, and once the teams' threads outnumber the
        // cores, libgomp makes them all sleep between operations instead of spinning (docs/BENCHMARKS.md).
        ExecutorService tokenizerThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "tokenizer");
            thread.setDaemon(true);
            return thread;
        });
        TokenizerFollower tokenizers = new TokenizerFollower(kafka, new TokenizerRegistry(store),
                config.pinnedVersion(), tokenizerThread);
        LOG.info("waiting for a tokenizer version on topic {}{}", Topics.TOKENIZERS.name(),
                config.pinnedVersion().map(v -> " (pinned: " + v + ")").orElse(""));
        if (!tokenizers.awaitFirst(waitForTokenizer)) {
            tokenizers.close();
            tokenizerThread.shutdown();
            throw new IllegalStateException("no usable tokenizer version announced on " + Topics.TOKENIZERS.name()
                    + " within " + waitForTokenizer.toSeconds() + " s; run train-tokenizer first");
        }
        WorkerCounts counts = new WorkerCounts(listener);
        KafkaStreams streams = new KafkaStreams(TokenizerTopology.build(tokenizers, new ImageDecoder(config.limits()),
                config.batchSize(), config.maxLatency(), config.views(), tokenizerThread, counts), streamsProperties(config, kafka));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed, replacing it: {}", e.getMessage(), e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return new TokenizerWorker(tokenizers, tokenizerThread, streams, counts);
    }

    static Properties streamsProperties(WorkerConfig config, KafkaSettings kafka) {
        Properties props = kafka.clientProperties(config.applicationId());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.producerPrefix("max.request.size"), Integer.toString(Topics.MAX_MESSAGE_BYTES + 2 * 1024 * 1024));
        props.put(StreamsConfig.consumerPrefix("max.partition.fetch.bytes"), Integer.toString(Topics.MAX_MESSAGE_BYTES + 2 * 1024 * 1024));
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
        // The topology has no global state; opting in to Kafka 5.0's default now only stops a warning at each start.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        return props;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Up while Kafka Streams runs or rebalances; any other state means no partition is being worked on. */
    public Health health() {
        KafkaStreams.State state = streams.state();
        String detail = "Kafka Streams " + state + ", tokenizer " + tokenizerVersion();
        return state.isRunningOrRebalancing() ? Health.up(detail) : Health.down(detail);
    }

    /** The worker's totals, and Kafka Streams' own metrics (its consumers, producers, tasks, state store). */
    @Override
    public void bindTo(MeterRegistry registry) {
        counts.bindTo(registry);
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    public String tokenizerVersion() {
        return tokenizers.current().version();
    }

    public int codebookSize() {
        return tokenizers.current().codebookSize();
    }

    @Override
    public void close() throws InterruptedException {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streams.close(Duration.ofSeconds(30));
        tokenizers.close(); // before the thread it builds versions on
        tokenizerThread.shutdown();
        tokenizerThread.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    }
}
