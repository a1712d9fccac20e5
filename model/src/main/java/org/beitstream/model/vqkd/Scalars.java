package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;

/**
 * Multiplication by a Java double without type promotion: DJL turns the double into a float64 scalar,
 * and PyTorch promotes a 0-d float32 array (a loss) times it to float64. The factor is cast to the array's
 * type first, as PyTorch does with a Python number.
 */
public final class Scalars {
    private Scalars() {}

    public static NDArray times(NDArray x, double factor) {
        return x.mul(x.getManager().create(factor).toType(x.getDataType(), false));
    }
}
