package org.beitstream.tokenizer.worker;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.beitstream.schemas.Topics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Running totals of one worker for its operators: images tokenized, batches, dead letters. Counted from the
 * start of the worker, whether or not a registry is bound yet; then told on to the worker's own listener.
 */
final class WorkerCounts implements BatchListener, MeterBinder {
    private final BatchListener next;
    private final LongAdder images = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder deadLetters = new LongAdder();

    WorkerCounts(BatchListener next) {
        this.next = next;
    }

    @Override
    public void batchTokenized(String version, int images, long nanos, long[][] tokens) {
        this.images.add(images);
        batches.increment();
        next.batchTokenized(version, images, nanos, tokens);
    }

    @Override
    public void deadLettered(String errorType) {
        deadLetters.increment();
        next.deadLettered(errorType);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("tokenizer.worker.images.tokenized", images, LongAdder::sum)
                .description("Images tokenized by this worker (a batch redone after a rebalance counts again)")
                .register(registry);
        FunctionCounter.builder("tokenizer.worker.batches", batches, LongAdder::sum)
                .description("Tokenizer forwards").register(registry);
        FunctionCounter.builder("tokenizer.worker.dead.lettered", deadLetters, LongAdder::sum)
                .description("Records sent to " + Topics.IMAGES_DLQ.name() + " instead of being tokenized")
                .register(registry);
    }
}
