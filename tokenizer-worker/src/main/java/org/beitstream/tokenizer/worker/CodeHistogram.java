package org.beitstream.tokenizer.worker;

import java.util.Arrays;

/** How often each code of a codebook was emitted: the codes used and the entropy of their distribution. */
public final class CodeHistogram {
    private long[] counts = new long[0];
    private long total;

    public void add(long[][] tokens) {
        for (long[] row : tokens) {
            for (long code : row) {
                if (code >= counts.length) {
                    counts = Arrays.copyOf(counts, (int) Math.max(code + 1, counts.length * 2L));
                }
                counts[(int) code]++;
                total++;
            }
        }
    }

    /** Tokens counted. */
    public long total() {
        return total;
    }

    /** Distinct codes seen at least once. */
    public int codesUsed() {
        int used = 0;
        for (long c : counts) {
            used += c > 0 ? 1 : 0;
        }
        return used;
    }

    /** Share of the most frequent code: the accuracy of always predicting it. */
    public double largestShare() {
        long largest = 0;
        for (long c : counts) {
            largest = Math.max(largest, c);
        }
        return total == 0 ? 0 : (double) largest / total;
    }

    /** Entropy of the token distribution in bits; log2 of the codebook size when every code is equally used. */
    public double entropyBits() {
        double entropy = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                entropy -= p * Math.log(p) / Math.log(2);
            }
        }
        return entropy;
    }
}
