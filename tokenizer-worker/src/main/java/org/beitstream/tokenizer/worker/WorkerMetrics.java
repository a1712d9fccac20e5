package org.beitstream.tokenizer.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Per-window serving statistics of one worker: throughput, batch latency percentiles, and how the
 * codebook is used (codes seen, entropy of the token distribution), as {@code metrics.tokenizer} records.
 */
public final class WorkerMetrics implements BatchListener {
    private final String instance;
    private long windowStartNanos = System.nanoTime();
    private final List<Double> latenciesMs = new ArrayList<>();
    private long images;
    private String version;
    private CodeHistogram codes = new CodeHistogram();

    public WorkerMetrics(String instance) {
        this.instance = instance;
    }

    @Override
    public synchronized void batchTokenized(String version, int images, long nanos, long[][] tokens) {
        if (!version.equals(this.version)) {
            this.version = version;
            this.codes = new CodeHistogram();
        }
        this.images += images;
        latenciesMs.add(nanos / 1e6);
        codes.add(tokens);
    }

    /** The record of the window that ends now (empty if nothing was tokenized), and a fresh window. */
    public synchronized Optional<JsonNode> closeWindow(int codebookSize) {
        long now = System.nanoTime();
        double seconds = (now - windowStartNanos) / 1e9;
        windowStartNanos = now;
        if (images == 0) {
            return Optional.empty();
        }
        int used = codes.codesUsed();
        List<Double> sorted = new ArrayList<>(latenciesMs);
        Collections.sort(sorted);
        ObjectNode record = JsonNodeFactory.instance.objectNode()
                .put("phase", "serving")
                .put("tokenizerVersion", version)
                .put("instance", instance)
                .put("time", Instant.now().toString())
                .put("codebookSize", codebookSize)
                .put("codesUsed", used)
                .put("codebookUsage", (double) used / codebookSize)
                .put("codeEntropyBits", codes.entropyBits())
                .put("imagesPerSecond", images / seconds)
                .put("images", images)
                .put("batches", sorted.size())
                .put("batchLatencyP50Ms", percentile(sorted, 0.50))
                .put("batchLatencyP99Ms", percentile(sorted, 0.99));
        images = 0;
        latenciesMs.clear();
        codes = new CodeHistogram();
        return Optional.of(record);
    }

    private static double percentile(List<Double> sorted, double q) {
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
