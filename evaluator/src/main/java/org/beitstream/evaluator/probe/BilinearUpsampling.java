package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear resizing of square maps from {@code from x from} to {@code to x to}, with pixel centres aligned
 * ({@code F.interpolate(mode="bilinear", align_corners=False)}). Bilinear resizing is separable and linear, so
 * it is a matrix {@code U [to, from]} applied to both axes, {@code U·X·Uᵀ}, and its gradient is {@code Uᵀ·G·U}:
 * the segmentation probe trains through it without autograd.
 */
final class BilinearUpsampling {
    private final int from;
    private final int to;
    private final float[] matrix;

    BilinearUpsampling(int from, int to) {
        if (from < 1 || to < 1) {
            throw new IllegalArgumentException("sizes must be >= 1, got " + from + " and " + to);
        }
        this.from = from;
        this.to = to;
        this.matrix = new float[to * from];
        double scale = (double) from / to;
        for (int i = 0; i < to; i++) {
            // PyTorch clamps source positions left of the first centre to it (the last one by the index clamp).
            double source = Math.max(0, (i + 0.5) * scale - 0.5);
            int lower = Math.min((int) Math.floor(source), from - 1);
            int upper = Math.min(lower + 1, from - 1);
            double weight = source - lower;
            matrix[i * from + lower] += (float) (1 - weight);
            matrix[i * from + upper] += (float) weight;
        }
    }

    /** {@code [..., from, from]} to {@code [..., to, to]}. */
    NDArray apply(NDArray maps) {
        NDArray u = maps.getManager().create(matrix, new Shape(to, from));
        return u.matMul(maps).matMul(u.transpose());
    }

    /** The gradient with respect to the input of {@link #apply}: {@code [..., to, to]} to {@code [..., from, from]}. */
    NDArray backward(NDArray gradient) {
        NDArray u = gradient.getManager().create(matrix, new Shape(to, from));
        return u.transpose().matMul(gradient).matMul(u);
    }
}
