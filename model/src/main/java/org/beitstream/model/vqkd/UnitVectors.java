package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import org.beitstream.model.vit.Scalars;

/** L2 normalisation along the last axis, the way {@code F.normalize} does it. */
public final class UnitVectors {
    /** PyTorch's default: the norm is clamped from below so zero vectors stay zero instead of becoming NaN. */
    public static final double EPS = 1e-12;

    private UnitVectors() {}

    public static NDArray l2normalize(NDArray x) {
        return x.div(Scalars.maximum(x.square().sum(new int[] {-1}, true).sqrt(), EPS));
    }
}
