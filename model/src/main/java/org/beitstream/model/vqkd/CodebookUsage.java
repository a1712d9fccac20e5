package org.beitstream.model.vqkd;

/**
 * How evenly a codebook is used: a collapsing codebook shows few used codes and a perplexity far
 * below the codebook size (the failure reported by users of the reference on custom data).
 *
 * @param codebookSize number of codes
 * @param usedCodes    codes with a positive count
 * @param entropy      Shannon entropy of the usage distribution, in nats
 * @param perplexity   {@code exp(entropy)}: the number of equally used codes that would give the same entropy
 */
public record CodebookUsage(int codebookSize, int usedCodes, double entropy, double perplexity) {

    /** Usage from per-code counts (token histograms or the EMA {@code cluster_size} statistic). */
    public static CodebookUsage of(double[] counts) {
        double total = 0;
        int used = 0;
        for (double c : counts) {
            if (c < 0 || Double.isNaN(c)) {
                throw new IllegalArgumentException("code counts must be non-negative, got " + c);
            }
            total += c;
            used += c > 0 ? 1 : 0;
        }
        double entropy = 0;
        if (total > 0) {
            for (double c : counts) {
                if (c > 0) {
                    double p = c / total;
                    entropy -= p * Math.log(p);
                }
            }
        }
        return new CodebookUsage(counts.length, used, entropy, Math.exp(entropy));
    }

    /** Usage of a batch of token ids. */
    public static CodebookUsage ofTokens(long[] tokens, int codebookSize) {
        double[] counts = new double[codebookSize];
        for (long t : tokens) {
            counts[Math.toIntExact(t)]++;
        }
        return of(counts);
    }

    public double usedFraction() {
        return codebookSize == 0 ? 0 : (double) usedCodes / codebookSize;
    }
}
