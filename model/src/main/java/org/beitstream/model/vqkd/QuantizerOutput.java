package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;

/**
 * What one quantizer call produces; the arrays belong to the manager of the input features.
 *
 * @param normalized     the l2-normalised encoder outputs z, shape of the input
 * @param quantized      codebook rows with a straight-through gradient: value z_q, gradient of z
 * @param tokens         chosen code per vector, INT64 [M], in the input's row-major order
 * @param commitmentLoss {@code beta * mse(z_q, z)} with z_q held constant, a scalar
 * @param restartedCodes how many dead codes this call re-seeded (0 unless restarts are on)
 */
public record QuantizerOutput(NDArray normalized, NDArray quantized, NDArray tokens, NDArray commitmentLoss,
                              int restartedCodes) {}
