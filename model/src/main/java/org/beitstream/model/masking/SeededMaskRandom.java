package org.beitstream.model.masking;

import java.util.SplittableRandom;

/** Production randomness: reproducible from a seed, independent of any global random state. */
public final class SeededMaskRandom implements MaskRandom {
    private final SplittableRandom random;

    public SeededMaskRandom(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public double uniform(double a, double b) {
        return a + (b - a) * random.nextDouble();
    }

    @Override
    public int randint(int a, int b) {
        if (b < a) {
            throw new IllegalArgumentException("empty range [" + a + ", " + b + "]");
        }
        return a + random.nextInt(b - a + 1);
    }

    @Override
    public int[] choice(int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("cannot choose " + k + " distinct values out of " + n);
        }
        // Partial Fisher-Yates: only the first k positions need to be shuffled.
        int[] pool = new int[n];
        for (int i = 0; i < n; i++) {
            pool[i] = i;
        }
        int[] chosen = new int[k];
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int swap = pool[i];
            pool[i] = pool[j];
            pool[j] = swap;
            chosen[i] = pool[i];
        }
        return chosen;
    }
}
