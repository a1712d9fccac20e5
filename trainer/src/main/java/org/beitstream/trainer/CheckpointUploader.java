package org.beitstream.trainer;

import org.beitstream.runtime.storage.PublishedSets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Uploads checkpoints on a thread of its own, so a slow or unavailable object store never stalls training.
 *
 * <p>One upload is in flight at a time and at most one waits behind it: a newer snapshot replaces a waiting
 * one, since only the newest matters for resuming. A failed upload is retried with exponential backoff until it
 * succeeds or a newer snapshot replaces it. Each published checkpoint is then announced and retention runs.
 * Publication is atomic (manifest last), so an upload cut short leaves nothing a reader can see.
 */
final class CheckpointUploader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointUploader.class);

    /** Retry delays: the first, and the ceiling of the doubling. */
    record Backoff(Duration initial, Duration max) {
        static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    private final Checkpoints checkpoints;
    private final int keep;
    private final Backoff backoff;
    private final Consumer<Published> onPublished;
    private final Runnable onFailedAttempt;
    private final Thread thread;
    private Checkpoints.Snapshot waiting;
    private boolean inFlight;
    private boolean closing;
    private long lastPublishedStep = -1;

    /** A checkpoint that is now visible. */
    record Published(Checkpoints.Snapshot snapshot, PublishedSets.Manifest manifest) {
    }

    /** @param onFailedAttempt told of each upload attempt that failed (and will be retried) */
    CheckpointUploader(Checkpoints checkpoints, int keep, Backoff backoff, Consumer<Published> onPublished,
                       Runnable onFailedAttempt) {
        this.checkpoints = checkpoints;
        this.keep = keep;
        this.backoff = backoff;
        this.onPublished = onPublished;
        this.onFailedAttempt = onFailedAttempt;
        this.thread = new Thread(this::run, "trainer-checkpoint-upload");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues {@code snapshot} for upload, replacing one still waiting; returns at once. */
    synchronized void submit(Checkpoints.Snapshot snapshot) {
        if (waiting != null) {
            LOG.info("checkpoint of step {} replaced by step {} before it could be uploaded",
                    waiting.state().step(), snapshot.state().step());
        }
        waiting = snapshot;
        notifyAll();
    }

    /** The step of the newest checkpoint this uploader published, if any. */
    synchronized OptionalLong lastPublishedStep() {
        return lastPublishedStep < 0 ? OptionalLong.empty() : OptionalLong.of(lastPublishedStep);
    }

    private void run() {
        Duration delay = backoff.initial();
        while (true) {
            Checkpoints.Snapshot snapshot;
            synchronized (this) {
                while (waiting == null && !closing) {
                    waitQuietly(Duration.ZERO);
                }
                if (waiting == null) {
                    return;
                }
                snapshot = waiting;
                waiting = null;
                inFlight = true;
            }
            boolean published = upload(snapshot);
            synchronized (this) {
                inFlight = false;
                if (published) {
                    delay = backoff.initial();
                } else {
                    // Retry this snapshot unless a newer one arrived meanwhile or arrives during the backoff.
                    if (waiting == null) {
                        waiting = snapshot;
                        if (!closing) {
                            long waitingStep = snapshot.state().step();
                            long until = System.nanoTime() + delay.toNanos();
                            while (waiting != null && waiting.state().step() == waitingStep && !closing
                                    && System.nanoTime() < until) {
                                waitQuietly(Duration.ofNanos(until - System.nanoTime()));
                            }
                        }
                        delay = delay.multipliedBy(2).compareTo(backoff.max()) > 0 ? backoff.max() : delay.multipliedBy(2);
                    }
                }
                notifyAll();
            }
        }
    }

    private boolean upload(Checkpoints.Snapshot snapshot) {
        PublishedSets.Manifest manifest;
        try {
            manifest = checkpoints.publish(snapshot);
        } catch (Exception e) {
            LOG.warn("checkpoint of step {} not uploaded yet, will retry: {}", snapshot.state().step(), e.getMessage());
            onFailedAttempt.run();
            return false;
        }
        synchronized (this) {
            lastPublishedStep = Math.max(lastPublishedStep, snapshot.state().step());
        }
        LOG.info("checkpoint of step {} published at {}", snapshot.state().step(), manifest.prefix());
        onPublished.accept(new Published(snapshot, manifest));
        try {
            checkpoints.retain(keep);
        } catch (Exception e) {
            LOG.warn("retention failed, will run again after the next checkpoint: {}", e.getMessage());
        }
        return true;
    }

    /** Waits for a notification, or at most {@code timeout} unless it is zero. */
    private void waitQuietly(Duration timeout) {
        try {
            wait(timeout.isZero() ? 0 : Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    /**
     * Waits up to {@code timeout} for the waiting and in-flight uploads to finish (a bounded run's final
     * checkpoint), then stops the thread; what is still unpublished then is reported.
     */
    void close(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while ((waiting != null || inFlight) && System.nanoTime() < deadline) {
                wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            if (waiting != null) {
                LOG.warn("checkpoint of step {} could not be uploaded within {}; the run resumes from step {}",
                        waiting.state().step(), timeout, lastPublishedStep < 0 ? "0" : Long.toString(lastPublishedStep));
            }
            closing = true;
            waiting = null;
            notifyAll();
        }
        thread.join(Duration.ofSeconds(30).toMillis());
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ZERO);
    }
}
