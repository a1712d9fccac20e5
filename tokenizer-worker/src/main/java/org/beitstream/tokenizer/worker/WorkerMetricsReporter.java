package org.beitstream.tokenizer.worker;

import com.fasterxml.jackson.databind.JsonNode;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.metrics.MetricsPublisher;
import org.beitstream.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Closes a worker's metrics window at a fixed interval and publishes it to {@code metrics.tokenizer}, keyed by
 * the instance; each published window also goes to {@code onWindow} (a progress line, a demo's summary).
 */
public final class WorkerMetricsReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMetricsReporter.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "tokenizer-metrics");
        thread.setDaemon(true);
        return thread;
    });
    private final MetricsPublisher publisher;
    private final String instance;
    private final WorkerMetrics metrics;
    private final TokenizerWorker worker;
    private final Consumer<JsonNode> onWindow;

    public WorkerMetricsReporter(KafkaSettings kafka, String instance, WorkerMetrics metrics, TokenizerWorker worker,
                                 Duration interval, Consumer<JsonNode> onWindow) {
        this.publisher = new MetricsPublisher(kafka, Topics.METRICS_TOKENIZER, instance);
        this.instance = instance;
        this.metrics = metrics;
        this.worker = worker;
        this.onWindow = onWindow;
        timer.scheduleAtFixedRate(this::report, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void report() {
        metrics.closeWindow(worker.codebookSize()).ifPresent(window -> {
            publisher.publish(instance, window);
            onWindow.accept(window);
        });
    }

    /** Reports the last, partial window too: every tokenized image is counted in some record. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
            report();
            publisher.close();
        } catch (IOException e) {
            LOG.warn("some tokenizer metrics were not delivered: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
