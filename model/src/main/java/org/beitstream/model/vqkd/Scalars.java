package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with a Java double without type promotion: DJL turns the double into a float64 scalar,
 * and PyTorch promotes a 0-d float32 array (a loss) times it to float64. The factor is cast to the array's
 * type first, as PyTorch does with a Python number.
 */
public final class Scalars {
    private Scalars() {}

    public static NDArray times(NDArray x, double factor) {
        return x.mul(scalar(x, factor));
    }

    /** True division (not multiplication by the reciprocal, which can differ in the last bit). */
    public static NDArray divide(NDArray x, double divisor) {
        return x.div(scalar(x, divisor));
    }

    private static NDArray scalar(NDArray like, double value) {
        return like.getManager().create(value).toType(like.getDataType(), false);
    }
}
