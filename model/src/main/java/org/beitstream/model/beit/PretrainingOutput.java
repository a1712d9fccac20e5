package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;

/**
 * What one pretraining forward pass yields.
 *
 * @param logitsMim     lm_head on the final layer's patch tokens: {@code [M, V]} at masked positions
 *                      (image-major, then patch index) or {@code [B, N, V]} for all tokens
 * @param logitsClsPt   the same through the patch-aggregation branch
 * @param features      {@code norm(x)} of the final layer, {@code [B, N+1, D]}, CLS first
 * @param featuresClsPt the normalised output of the patch-aggregation branch, {@code [B, N+1, D]}
 */
public record PretrainingOutput(NDArray logitsMim, NDArray logitsClsPt, NDArray features, NDArray featuresClsPt) {
}
