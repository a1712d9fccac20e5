package org.beitstream.dashboard;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One browser's stream of events: the snapshot first, then every update after it, in order. A browser that reads
 * more slowly than the topics are written fills its queue; it is then {@link #overflowed()} and dropped, and its
 * EventSource reconnects to a fresh snapshot rather than the server holding an unbounded backlog for it.
 */
final class Subscription {
    /** One Server-Sent Event: its name and its JSON data. */
    record Event(String name, String data) {}

    private final BlockingQueue<Event> queue;
    private volatile boolean overflowed;

    Subscription(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    void offer(Event event) {
        if (!queue.offer(event)) {
            overflowed = true;
        }
    }

    /** The next event, or null when none came within {@code wait}. */
    Event next(Duration wait) throws InterruptedException {
        return queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean overflowed() {
        return overflowed;
    }
}
