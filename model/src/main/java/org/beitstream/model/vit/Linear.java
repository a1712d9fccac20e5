package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code y = x·Wᵀ + b} with PyTorch's {@code [out, in]} weight layout, so weights load without transposing. */
public final class Linear extends Module {
    private final NDArray weight;
    private final NDArray bias;
    private final int inFeatures;

    public Linear(Allocation allocation, int inFeatures, int outFeatures, boolean withBias) {
        super(allocation);
        this.inFeatures = inFeatures;
        this.weight = parameter("weight", new Shape(outFeatures, inFeatures), 0f);
        this.bias = withBias ? parameter("bias", new Shape(outFeatures), 0f) : null;
    }

    public NDArray forward(NDArray x) {
        return apply(x, weight, bias);
    }

    /**
     * {@code x·Wᵀ + b} over the last axis of {@code x}, of any rank. Rows are flattened to a matrix first:
     * libtorch 2.3 computes a linear layer on a 3-d input as a matrix product followed by a separate bias
     * addition, while on a matrix it uses one {@code addmm}, which adds the bias inside the product.
     *
     * @param bias null for none
     */
    public static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        Shape shape = x.getShape();
        NDArray rows = shape.dimension() == 2 ? x : x.reshape(-1, shape.get(shape.dimension() - 1));
        NDArray y = bias == null
                ? ai.djl.nn.core.Linear.linear(rows, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(rows, weight, bias).singletonOrThrow();
        return rows == x ? y : y.reshape(shape.slice(0, shape.dimension() - 1).add(weight.getShape().get(0)));
    }

    public NDArray weight() {
        return weight;
    }

    /** Null when the layer was built without bias. */
    public NDArray bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }
}
