package org.beitstream.tokenizer.worker;

/** Told of every tokenized batch (and of every dead letter), for metrics and benchmarks. */
@FunctionalInterface
public interface BatchListener {
    void batchTokenized(String version, int images, long nanos, long[][] tokens);

    /** A record went to images.dlq instead of being tokenized. */
    default void deadLettered(String errorType) {
    }
}
