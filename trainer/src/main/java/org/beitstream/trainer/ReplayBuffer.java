package org.beitstream.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A uniform sample of everything seen so far (reservoir sampling, Vitter's algorithm R): after {@code n}
 * offers each of them is in the buffer with probability {@code capacity / n}. Replaying from it mixes the
 * whole past of the stream into fresh batches, which counters forgetting when the stream drifts.
 *
 * <p>Not thread-safe: the prefetch thread owns it. It is not checkpointed; a resumed run refills it.
 */
final class ReplayBuffer {
    private final int capacity;
    private final List<Sample> samples = new ArrayList<>();
    private long offered;

    ReplayBuffer(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
    }

    void offer(Sample sample, SplittableRandom random) {
        offered++;
        if (samples.size() < capacity) {
            samples.add(sample);
            return;
        }
        long slot = random.nextLong(offered);
        if (slot < capacity) {
            samples.set((int) slot, sample);
        }
    }

    /** {@code count} distinct samples drawn uniformly; the buffer must hold at least that many. */
    List<Sample> draw(int count, SplittableRandom random) {
        if (count > samples.size()) {
            throw new IllegalArgumentException("cannot draw " + count + " of " + samples.size() + " samples");
        }
        // Partial Fisher-Yates over the indices: the first count positions become the draw.
        int[] order = new int[samples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        List<Sample> drawn = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(order.length - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
            drawn.add(samples.get(order[i]));
        }
        return drawn;
    }

    int size() {
        return samples.size();
    }

    long offered() {
        return offered;
    }
}
