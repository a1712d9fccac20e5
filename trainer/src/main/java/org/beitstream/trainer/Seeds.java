package org.beitstream.trainer;

/**
 * Random streams derived from the run's seed. The masks and replay draws of batch {@code i} come from a
 * generator seeded with {@code of(seed, stream, i)}, so the whole random state of a run is its seed and the
 * index of the next batch: a checkpoint stores those two numbers and a resumed run draws exactly what the
 * uninterrupted run would have drawn.
 */
final class Seeds {
    /** What a derived seed is used for; each purpose gets an independent stream. */
    enum Stream { MASKS, REPLAY }

    private Seeds() {}

    static long of(long seed, Stream stream, long index) {
        return mix(mix(seed ^ (stream.ordinal() + 1) * 0x9E3779B97F4A7C15L) + index);
    }

    /** SplitMix64's finaliser: nearby inputs give unrelated outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
