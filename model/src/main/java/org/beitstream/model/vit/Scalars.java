package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with a Java double, done safely on DJL's PyTorch engine.
 *
 * <p>Two traps are avoided. Type promotion: DJL turns the double into a float64 scalar, and PyTorch promotes a
 * 0-d float32 array (a loss) times it to float64; the factor is cast to the array's type first, as PyTorch
 * does with a Python number. Memory: DJL's own {@code mul(Number)}, {@code maximum(Number)} and the like wrap
 * the number in an array whose memory belongs to a Java buffer and close that array at once, but autograd
 * keeps the scalar for the backward pass (d(x*s)/dx = s), so a garbage collection between forward and
 * backward frees memory the backward pass then reads: wrong gradients or a crash in native code. The
 * scalars made here are copies that PyTorch owns, which live exactly as long as autograd needs them.
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

    /** Element-wise {@code max(x, floor)}. */
    public static NDArray maximum(NDArray x, double floor) {
        return x.maximum(scalar(x, floor));
    }

    private static NDArray scalar(NDArray like, double value) {
        // copy = true: a new tensor in PyTorch's memory even when the type already matches (float64 runs).
        return like.getManager().create(value).toType(like.getDataType(), true);
    }
}
