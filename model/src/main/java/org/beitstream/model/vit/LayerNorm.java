package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** LayerNorm over the last axis with an affine weight and bias (the authors use eps 1e-6 throughout). */
public final class LayerNorm extends Module {
    public static final float DEFAULT_EPS = 1e-6f;

    private final NDArray weight;
    private final NDArray bias;
    private final Shape normalizedShape;
    private final float eps;

    public LayerNorm(Allocation allocation, int dim, float eps) {
        super(allocation);
        this.normalizedShape = new Shape(dim);
        this.weight = parameter("weight", normalizedShape, 1f);
        this.bias = parameter("bias", normalizedShape, 0f);
        this.eps = eps;
    }

    public NDArray forward(NDArray x) {
        // The static form: the LayerNorm block builder rejects axis(-1) (DESIGN.md §5).
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalizedShape, weight, bias, eps).singletonOrThrow();
    }
}
