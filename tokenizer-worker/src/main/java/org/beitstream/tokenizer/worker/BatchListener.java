package org.beitstream.tokenizer.worker;

/** Told of every tokenized batch, for metrics and benchmarks. */
@FunctionalInterface
public interface BatchListener {
    void batchTokenized(String version, int images, long nanos, long[][] tokens);
}
