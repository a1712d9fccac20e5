package org.beitstream.ingest.source;

import org.beitstream.schemas.Split;

import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A source that makes {@code count} images, each from its own random stream derived from the seed and its
 * index: the same seed gives the same images, in any order and on any machine. Every fifth is a test image.
 */
abstract class GeneratedSource implements ImageSource {
    private final long count;
    private final long seed;
    private final long seedStride;
    private long next;

    /** {@code seedStride} separates the random streams of different sources made from the same seed. */
    GeneratedSource(long count, long seed, long seedStride) {
        this.count = count;
        this.seed = seed;
        this.seedStride = seedStride;
    }

    public static Split splitOf(long index) {
        return index % 5 == 4 ? Split.TEST : Split.TRAIN;
    }

    long seed() {
        return seed;
    }

    /** Image {@code index}, drawn from {@code random} only. */
    abstract SourceImage generate(long index, SplittableRandom random);

    @Override
    public final long size() {
        return count;
    }

    @Override
    public final boolean hasNext() {
        return next < count;
    }

    @Override
    public final SourceImage next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        long index = next++;
        return generate(index, new SplittableRandom(seed * seedStride + index));
    }
}
