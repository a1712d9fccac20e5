package org.beitstream.runtime.ops;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The health of a service's main loop: up while the loop keeps turning, down before its first turn, when a
 * turn takes longer than {@code stalledAfter} (stuck), and after the loop ended. The loop calls {@link #beat()}
 * on every turn, including turns that only waited for input: waiting for data is healthy, hanging is not.
 */
public final class Heartbeat implements HealthCheck {
    private final String loop;
    private final Duration stalledAfter;
    private final LongSupplier nanoTime;
    private volatile long lastBeatNanos;
    private volatile boolean beating;
    private volatile boolean ended;

    /** @param loop names the loop in the health detail, e.g. "training loop" */
    public Heartbeat(String loop, Duration stalledAfter) {
        this(loop, stalledAfter, System::nanoTime);
    }

    Heartbeat(String loop, Duration stalledAfter, LongSupplier nanoTime) {
        this.loop = loop;
        this.stalledAfter = stalledAfter;
        this.nanoTime = nanoTime;
    }

    public void beat() {
        lastBeatNanos = nanoTime.getAsLong();
        beating = true;
    }

    /** The loop is over (finished or failed): the service is no longer doing its job. */
    public void end() {
        ended = true;
    }

    @Override
    public Health check() {
        if (ended) {
            return Health.down(loop + " ended");
        }
        if (!beating) {
            return Health.down(loop + " not started yet");
        }
        Duration since = Duration.ofNanos(nanoTime.getAsLong() - lastBeatNanos);
        String ago = loop + " last turned " + since.toSeconds() + " s ago";
        return since.compareTo(stalledAfter) <= 0 ? Health.up(ago)
                : Health.down(ago + ", longer than the " + stalledAfter.toSeconds() + " s allowed: stalled");
    }
}
