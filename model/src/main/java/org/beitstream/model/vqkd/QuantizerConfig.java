package org.beitstream.model.vqkd;

/**
 * Settings of the normalised-EMA vector quantizer ({@code NormEMAVectorQuantizer} in the reference).
 *
 * @param numCodes        codebook size K ({@code n_embed}, 8192 in the paper)
 * @param codeDim         code dimension c ({@code embed_dim}, 32 in the paper)
 * @param beta            weight of the commitment loss (the reference hard-codes 1.0)
 * @param decay           EMA decay of the codebook and of the usage statistic
 * @param kmeansInit      initialise the codebook by cosine k-means on the first batch
 * @param deadCodeRestart re-seeding of unused codes; {@link DeadCodeRestart.Settings#OFF} reproduces the reference
 */
public record QuantizerConfig(int numCodes, int codeDim, double beta, double decay, boolean kmeansInit,
                              DeadCodeRestart.Settings deadCodeRestart) {

    public QuantizerConfig {
        if (numCodes < 1) {
            throw new IllegalArgumentException("n_embed must be at least 1, got " + numCodes);
        }
        if (codeDim < 1) {
            throw new IllegalArgumentException("code embed_dim must be at least 1, got " + codeDim);
        }
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be finite and non-negative, got " + beta);
        }
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("decay must lie in [0, 1), got " + decay);
        }
        if (deadCodeRestart == null) {
            throw new IllegalArgumentException("deadCodeRestart must be given (use DeadCodeRestart.Settings.OFF)");
        }
    }

    /** Exactly the reference's behaviour: what conformance runs use. */
    public static QuantizerConfig reference(int numCodes, int codeDim, double decay, boolean kmeansInit) {
        return new QuantizerConfig(numCodes, codeDim, 1.0, decay, kmeansInit, DeadCodeRestart.Settings.OFF);
    }
}
