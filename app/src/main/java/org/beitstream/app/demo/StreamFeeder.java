package org.beitstream.app.demo;

import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.ImageSource;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps images.raw ahead of the trainer, pass after pass of the demo's stream, so that the trainer never waits
 * for data and the tokenizer worker never tokenizes much more than will be trained on.
 */
final class StreamFeeder implements AutoCloseable {
    private static final int CHUNK = 5_000;

    private final Ingest ingest;
    private final DemoData data;
    private final long lead;
    private final LongSupplier imagesTrained;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread = new Thread(this::feed, "demo-stream");
    private volatile Exception failure;
    private ImageSource pass;
    private int passNumber;

    /** @param lead images produced beyond those trained on */
    StreamFeeder(Ingest ingest, DemoData data, long lead, LongSupplier imagesTrained) {
        this.ingest = ingest;
        this.data = data;
        this.lead = lead;
        this.imagesTrained = imagesTrained;
        thread.setDaemon(true);
    }

    /** Produces images (on the caller's thread) until {@code count} are on the stream. */
    void fillTo(long count) throws IOException {
        while (produced() < count) {
            produce(Math.min(CHUNK, count - produced()));
        }
    }

    /** From now on, keeps the lead in the background. */
    void start() {
        thread.start();
    }

    long produced() {
        return ingest.totals().produced();
    }

    /** The first failure of the background thread, which then stops feeding. */
    Exception failure() {
        return failure;
    }

    private void feed() {
        try {
            while (!stop.await(500, TimeUnit.MILLISECONDS)) {
                if (produced() - imagesTrained.getAsLong() < lead) {
                    produce(CHUNK);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
    }

    private void produce(long count) throws IOException {
        for (long n = 0; n < count; n++) {
            if (pass == null || !pass.hasNext()) {
                if (pass != null) {
                    pass.close();
                }
                pass = data.streamPass(++passNumber);
            }
            ingest.submit(pass.next());
        }
        ingest.flush();
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        if (thread.isAlive()) {
            thread.join();
        }
        if (pass != null) {
            pass.close();
        }
    }
}
